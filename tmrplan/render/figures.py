"""Teaching and planning figures drawn with matplotlib, so the screen and the SVG/PNG download
are the same picture and nothing is fetched from a network. Status is always written out in
the figure (words and marker shapes), never carried by colour alone."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable, Sequence

import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from rdflib import URIRef

from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.planning.amputation import MuscleStatus
from tmrplan.planning.donor_loss import ActionLoss

# Left to right along the teaching path: root → plexus → nerve → branch → muscle → action → joint.
_LAYER = {
    "SpinalRoot": 0,
    "PlexusPart": 1,
    "MixedNerve": 2,
    "CutaneousNerve": 2,
    "MotorBranch": 3,
    "Muscle": 4,
    "Action": 5,
    "Joint": 6,
}
_OTHER_LAYER = 7
# Fill colours are a second cue only: every node also prints its type or state in words.
_FILL = ["#e8eef7", "#e3f0e8", "#f7efe0", "#f3e6ef", "#e6e6f3", "#eef3e0", "#f0e4e0", "#ececec"]
_STATUS_MARK = {
    MuscleStatus.ABSENT: ("x", "#9a9a9a"),
    MuscleStatus.REDUNDANT: ("o", "#2f6f9f"),
    MuscleStatus.PARTIAL: ("^", "#b8860b"),
    MuscleStatus.FUNCTIONAL: ("s", "#7a3b3b"),
    # A hand or foot level read without its digits: the readings disagree on these muscles.
    MuscleStatus.UNDETERMINED: ("D", "#6a5acd"),
}


def _wrap(text: str, width: int = 22) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def neighbourhood_figure(kb: KnowledgeBase, view: nx.MultiDiGraph, focus: URIRef) -> Figure:
    """The neighbourhood view laid out in layers along the root-to-joint path.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> from tmrplan.teaching.views import neighbourhood
        >>> from tmrplan.knowledge.vocab import TMR
        >>> kb = load_knowledge_base()
        >>> figure = neighbourhood_figure(kb, neighbourhood(kb, TMR.Deltoid, 1), TMR.Deltoid)
        >>> to_svg(figure).startswith(b"<?xml")
        True
    """
    layers: dict[int, list[URIRef]] = {}
    for node in view.nodes:
        layer = _LAYER.get(view.nodes[node].get("type", ""), _OTHER_LAYER)
        layers.setdefault(layer, []).append(node)
    position: dict[URIRef, tuple[float, float]] = {}
    for column, layer in enumerate(sorted(layers)):
        members = sorted(layers[layer], key=kb.label)
        for row, node in enumerate(members):
            position[node] = (column * 3.2, -(row - (len(members) - 1) / 2) * 1.2)
    tallest = max((len(m) for m in layers.values()), default=1)
    figure = Figure(figsize=(max(6.0, 2.4 * len(layers)), max(3.0, 0.75 * tallest)))
    axes = figure.subplots()
    axes.set_axis_off()
    for u, v, key in view.edges(keys=True):
        (x0, y0), (x1, y1) = position[u], position[v]
        axes.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={"arrowstyle": "->", "color": "#777777", "shrinkA": 28, "shrinkB": 28},
        )
        axes.text(
            (x0 + x1) / 2, (y0 + y1) / 2, key, fontsize=6, color="#555555", ha="center", va="center"
        )
    for node, (x, y) in position.items():
        kind = view.nodes[node].get("type", "")
        layer = _LAYER.get(kind, _OTHER_LAYER)
        axes.text(
            x,
            y,
            f"{_wrap(kb.label(node))}\n({kind})",
            ha="center",
            va="center",
            fontsize=7,
            fontweight="bold" if node == focus else "normal",
            bbox={
                "boxstyle": "round,pad=0.4",
                "facecolor": _FILL[layer],
                "edgecolor": "black" if node == focus else "#888888",
                "linewidth": 2.0 if node == focus else 0.6,
            },
        )
    _frame(axes, position.values())
    return figure


def loss_figure(branch_label: str, muscle_label: str, losses: Sequence[ActionLoss]) -> Figure:
    """What using a donor gives up: branch → muscle → each action (state in words) → who still
    performs it after the transfer."""
    rows = max(1, sum(max(1, len(loss.still_performed_by)) for loss in losses))
    figure = Figure(figsize=(9.0, max(2.0, 0.55 * rows + 0.6)))
    axes = figure.subplots()
    axes.set_axis_off()
    box = {"boxstyle": "round,pad=0.35", "facecolor": "#f4f4f4", "edgecolor": "#888888"}
    axes.text(
        0, 0, _wrap(f"donor: {branch_label}", 24), ha="center", va="center", fontsize=7, bbox=box
    )
    axes.text(2.2, 0, _wrap(muscle_label, 20), ha="center", va="center", fontsize=7, bbox=box)
    _arrow(axes, (0, 0), (2.2, 0))
    points = [(0.0, 0.0), (2.2, 0.0)]
    row = 0
    for loss in losses:
        movers = loss.still_performed_by or (("no other muscle left", ()),)
        y = -(row + (len(movers) - 1) / 2) + (rows - 1) / 2
        state = loss.state.upper() if loss.state == "given up" else loss.state
        axes.text(
            4.6,
            y,
            f"{_wrap(loss.action, 26)}\n[{state}; {loss.role}]",
            ha="center",
            va="center",
            fontsize=7,
            bbox={**box, "linestyle": "-" if loss.state == "given up" else ":"},
        )
        _arrow(axes, (2.2, 0), (4.6, y))
        points.append((4.6, y))
        if loss.state == "given up":
            for offset, (muscle, nerves) in enumerate(movers):
                my = -(row + offset) + (rows - 1) / 2
                nerve_text = f"\n({_wrap(', '.join(nerves), 70)})" if nerves else ""
                axes.text(6.4, my, muscle + nerve_text, ha="left", va="center", fontsize=6.5)
                _arrow(axes, (4.6, y), (6.35, my), style="-", shrink=(45, 0))
                points.append((10.5, my))
        row += len(movers)
    axes.text(
        7.2, (rows - 1) / 2 + 0.9, "still performed by", ha="center", fontsize=7, style="italic"
    )
    _frame(axes, points)
    return figure


def level_figure(
    kb: KnowledgeBase, level_label: str, groups: dict[MuscleStatus, list[URIRef]]
) -> Figure:
    """One figure for a level: a column per status, each muscle with its status mark."""
    tallest = max((len(members) for members in groups.values()), default=1)
    figure = Figure(figsize=(11.0, 0.8 + 0.17 * tallest))
    axes = figure.subplots()
    axes.set_axis_off()
    axes.set_xlim(-0.2, len(groups) * 2.8)
    axes.set_ylim(-tallest - 1, 2)
    axes.set_title(f"{level_label}: what the amputation leaves each muscle", fontsize=10)
    for column, (status, members) in enumerate(groups.items()):
        marker, colour = _STATUS_MARK[status]
        x = column * 2.8
        axes.text(x, 1, f"{status.value} ({len(members)})", fontsize=8, fontweight="bold")
        if not members:
            axes.text(x + 0.25, 0, "none", fontsize=6.5, va="center")
        for row, muscle in enumerate(members):
            axes.plot([x + 0.08], [-row], marker=marker, color=colour, markersize=4)
            axes.text(x + 0.25, -row, kb.label(muscle), fontsize=6.5, va="center")
    return figure


def to_svg(figure: Figure) -> bytes:
    """The figure as SVG (text kept as glyph paths, so the file shows the same anywhere)."""
    return _save(figure, "svg")


def to_png(figure: Figure) -> bytes:
    """The figure as a PNG at print-friendly resolution."""
    return _save(figure, "png")


def _save(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # A fixed date and no hash salt keep the bytes reproducible for the same figure.
    metadata = {"Date": None} if fmt == "svg" else {"Software": "tmrplan"}
    figure.savefig(buffer, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata)
    return buffer.getvalue()


def _arrow(
    axes: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    style: str = "->",
    shrink: tuple[int, int] = (38, 38),
) -> None:
    axes.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": style,
            "color": "#777777",
            "shrinkA": shrink[0],
            "shrinkB": shrink[1],
        },
    )


def _frame(axes: Axes, points: Iterable[tuple[float, float]]) -> None:
    # Text boxes don't count towards autoscaling, so the limits come from the node positions.
    xs = [x for x, _ in points] or [0.0]
    ys = [y for _, y in points] or [0.0]
    axes.set_xlim(min(xs) - 1.6, max(xs) + 1.6)
    axes.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
