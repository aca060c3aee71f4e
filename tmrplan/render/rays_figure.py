"""A small schematic of the hand or foot, ray by ray, showing what an amputation takes.

The rays, their segments and where each segment lies along the ray come from the knowledge base
(``tmr:ofDigit``, ``tmr:segmentKind``, ``tmr:axisStart``/``tmr:axisEnd``), so a ray or segment
added there is drawn without touching this module. Drawing takes plain data (:class:`Ray`), which
pickles and hashes, so a caller can cache the picture or draw it in another process.

A segment is *kept*, *removed* (in every reading of the case) or *maybe removed* (in some readings:
the case does not say which digits or through where). The three differ in fill, hatch and edge,
and the legend says them in words, so the figure never relies on colour alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import URIRef

from tmrplan.knowledge.kb import KnowledgeBase, local_name
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.loss import limb_digits

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KEPT, REMOVED, MAYBE = "kept", "removed", "maybe removed"

# Fill, hatch, edge colour and edge style per state. Removed is grey and hatched, as the issue
# asks ("greyed"); maybe-removed is hatched differently and outlined dashed, so it reads apart from
# both in a grey-scale print.
STYLE: dict[str, dict[str, object]] = {
    KEPT: {"facecolor": "#f3dfc8", "hatch": "", "edgecolor": "#6b4f3a", "linestyle": "-"},
    REMOVED: {"facecolor": "#9e9e9e", "hatch": "///", "edgecolor": "#4d4d4d", "linestyle": "-"},
    MAYBE: {"facecolor": "#ffffff", "hatch": "..", "edgecolor": "#b8860b", "linestyle": "--"},
}
LEGEND = {
    KEPT: "kept",
    REMOVED: "removed",
    MAYBE: "removed in some readings (the case does not say which)",
}
_WIDTH = 0.62  # of a ray's column (1.0); the rest is the gap between rays
_GAP = 0.08  # between the segments of a ray, so each joint shows as a break


@dataclass(frozen=True)
class Segment:
    """One segment of a ray: what it is, where it lies along the ray, and what the case does to it."""

    id: str  # the region's local name, e.g. ``IndexFingerMiddlePhalanx``
    label: str
    start: float
    end: float
    state: str


@dataclass(frozen=True)
class Ray:
    """One digit or toe with its segments, proximal first."""

    id: str  # the tmr:digitId, e.g. ``index``
    label: str
    segments: tuple[Segment, ...]


def to_rays(
    kb: KnowledgeBase,
    limb: URIRef,
    removed: Iterable[URIRef],
    maybe_removed: Iterable[URIRef] = (),
) -> tuple[Ray, ...]:
    """The limb's rays as plain data, each segment marked kept, removed or maybe removed.

    Args:
        kb: the knowledge base.
        limb: ``tmr:UpperLimb`` (the hand) or ``tmr:LowerLimb`` (the foot).
        removed: regions removed in every reading (``LevelEffects.removed_regions``).
        maybe_removed: regions removed in some readings only (``LevelEffects.maybe_removed``).

    Returns:
        One :class:`Ray` per digit, thumb or hallux first, segments proximal to distal.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> kb = load_knowledge_base()
        >>> rays = to_rays(kb, TMR.UpperLimb, {TMR.IndexFingerDistalPhalanx})
        >>> [s.state for s in rays[1].segments][-2:]
        ['kept', 'removed']
    """
    gone, perhaps = set(removed), set(maybe_removed)
    rays = []
    for digit in limb_digits(kb, limb):
        segments = []
        for region in kb.subjects(TMR.ofDigit, digit):
            start, end = kb.value(region, TMR.axisStart), kb.value(region, TMR.axisEnd)
            if start is None or end is None:
                continue  # a ray region without a place along the ray cannot be drawn
            state = REMOVED if region in gone else MAYBE if region in perhaps else KEPT
            segments.append(
                Segment(local_name(region), kb.label(region), float(start), float(end), state)
            )
        segments.sort(key=lambda s: (s.start, s.end))
        rays.append(
            Ray(kb.value(digit, TMR.digitId) or local_name(digit), kb.label(digit), tuple(segments))
        )
    return tuple(rays)


def rays_figure(rays: Sequence[Ray], title: str = "") -> Figure:
    """The rays side by side, proximal at the bottom, each segment drawn in its state.

    Each segment's rectangle has the region's local name as its ``gid`` (kept in the SVG as the
    element id), so a test or a reader of the SVG can find a segment by name.

    Example:
        >>> ray = Ray("index", "index finger", (Segment("P", "phalanx", 12.0, 13.0, REMOVED),))
        >>> figure = rays_figure([ray], "index finger through the MCP joint")
        >>> [p.get_gid() for p in figure.axes[0].patches]
        ['P']
    """
    # matplotlib costs 0.6 s to import: the app imports this module at start for to_rays only.
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    figure = Figure(figsize=(max(3.2, 0.75 * len(rays) + 1.2), 3.2))
    axes = figure.subplots()
    axes.set_axis_off()
    starts = [s.start for r in rays for s in r.segments] or [0.0]
    ends = [s.end for r in rays for s in r.segments] or [1.0]
    low, high = min(starts), max(ends)
    for column, ray in enumerate(rays):
        left = column + (1 - _WIDTH) / 2
        for segment in ray.segments:
            style = STYLE[segment.state]
            axes.add_patch(
                Rectangle(
                    (left, segment.start + _GAP / 2),
                    _WIDTH,
                    segment.end - segment.start - _GAP,
                    linewidth=0.9,
                    gid=segment.id,
                    label=segment.label,
                    **style,  # type: ignore[arg-type]
                )
            )
        axes.text(
            column + 0.5,
            low - 0.12,
            ray.label.replace(" ", "\n", 1),
            ha="center",
            va="top",
            fontsize=7,
        )
    axes.text(-0.15, low, "proximal", rotation=90, ha="right", va="bottom", fontsize=6)
    axes.text(-0.15, high, "distal", rotation=90, ha="right", va="top", fontsize=6)
    axes.set_xlim(-0.4, max(1, len(rays)))
    axes.set_ylim(low - 0.7, high + 0.1)
    if title:
        axes.set_title(title, fontsize=8, wrap=True)
    shown = [state for state in (KEPT, REMOVED, MAYBE) if _any_in(rays, state)] or [KEPT]
    # Under the axes, not in the figure's corner: the picture stays as small as its content.
    handles = [Patch(label=LEGEND[state], **STYLE[state]) for state in shown]  # type: ignore[arg-type]
    axes.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        fontsize=6.5,
        frameon=False,
    )
    return figure


def _any_in(rays: Sequence[Ray], state: str) -> bool:
    return any(s.state == state for r in rays for s in r.segments)
