"""Teaching and planning figures drawn with matplotlib, so the screen and the SVG/PNG download
are the same picture and nothing is fetched from a network. Status is always written out in
the figure (words and marker shapes), never carried by colour alone."""

from __future__ import annotations

import io
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Literal

import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from rdflib import URIRef

from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.planning.amputation import MuscleStatus
from tmrplan.planning.donor_loss import ActionLoss

# Fill colours are a second cue only: every node also prints its type or state in words.
_FILL = ["#e8eef7", "#e3f0e8", "#f7efe0", "#f3e6ef", "#e6e6f3", "#eef3e0", "#f0e4e0", "#ececec"]
# Edge colours by relation, a second cue beside the words: each relation is written on its edges
# (once per fan of edges sharing an end) and in the legend.
_EDGE_COLOURS = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#ff7f0e", "#393b79", "#637939", "#843c39", "#7b4173",
]  # fmt: skip
_STYLES: list[Literal["-", "--", "-.", ":"]] = ["-", "--", "-.", ":"]
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


def _wrap_words(text: str, width: int) -> str:
    """Wrapped between words only: "carpometacarpal" stays whole, its box a little wider."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def neighbourhood_figure(view: nx.MultiDiGraph) -> Figure:
    """A drawable neighbourhood (``tmrplan.teaching.views.drawable``) in columns along the
    root-to-joint path, kinds and relations in words, with a legend of the relations.

    Edges that fan out from one box along one relation carry one label between them
    ("spinal root (6)"), not one each, so labels do not pile up on each other.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> from tmrplan.teaching.views import drawable, neighbourhood
        >>> from tmrplan.knowledge.vocab import TMR
        >>> kb = load_knowledge_base()
        >>> graph, _ = drawable(kb, neighbourhood(kb, TMR.Deltoid, 1), TMR.Deltoid)
        >>> to_svg(neighbourhood_figure(graph)).startswith(b"<?xml")
        True
    """
    columns: dict[int, list[object]] = {}
    for node in view.nodes:
        columns.setdefault(view.nodes[node]["column"], []).append(node)
    # Positions are in inches of the figure, so a box keeps its size whatever the graph's size.
    position: dict[object, tuple[float, float]] = {}
    for index, column in enumerate(sorted(columns)):
        members = sorted(columns[column], key=lambda n: _row_order(view, n))
        for row, node in enumerate(members):
            position[node] = (index * _COLUMN_STEP, -(row - (len(members) - 1) / 2) * _ROW_STEP)
    tallest = max((len(m) for m in columns.values()), default=1)
    relations = sorted({data["relation"] for *_, data in view.edges(data=True)})
    style = {
        relation: (_EDGE_COLOURS[i % len(_EDGE_COLOURS)], _STYLES[i % len(_STYLES)])
        for i, relation in enumerate(relations)
    }
    width = max(4.0, _COLUMN_STEP * len(columns) + 0.6)
    figure = Figure(figsize=(width, _ROW_STEP * tallest + 0.4))
    axes = figure.subplots()
    figure.subplots_adjust(left=0, right=1, top=1, bottom=0)
    axes.set_axis_off()
    for u, v, data in view.edges(data=True):
        (x0, y0), (x1, y1) = position[u], position[v]
        colour, line = style[data["relation"]]
        axes.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "->",
                "color": colour,
                "linestyle": line,
                "linewidth": 0.8,
                "alpha": 0.8,
                "shrinkA": 30,
                "shrinkB": 30,
                # Boxes in one column: bow the edge out so it does not run through its neighbours.
                "connectionstyle": "arc3,rad=0.4" if x0 == x1 else "arc3,rad=0",
            },
        )
    labels = _edge_labels(view, position)
    # Past a few dozen fans the labels cover the boxes: the legend alone names the relations.
    if len(labels) > _MAX_EDGE_LABELS:
        labels = []
    placed: list[tuple[float, float]] = []
    for (x, y), text, relation in labels:
        while any(abs(x - px) < 0.6 and abs(y - py) < 0.26 for px, py in placed):
            y -= 0.27  # a label never sits on another one
        placed.append((x, y))
        axes.text(
            x,
            y,
            _wrap_words(text, 12),
            fontsize=7.5,
            color=style[relation][0],
            ha="center",
            va="center",
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"},
        )
    for node, (x, y) in position.items():
        data = view.nodes[node]
        focus, grouped = data.get("focus", False), "members" in data
        caption = "(collapsed into one box)" if grouped else f"({data['kind']})"
        axes.text(
            x,
            y,
            f"{_wrap_words(data['label'], 13)}\n{_wrap_words(caption, 14)}",
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold" if focus else "normal",
            bbox={
                "boxstyle": "round,pad=0.35",
                "facecolor": _FILL[min(data["column"], len(_FILL) - 1)],
                "edgecolor": "black" if focus else "#888888",
                "linewidth": 2.0 if focus else 0.6,
                "linestyle": "--" if grouped else "-",
            },
        )
    if relations:
        handles = [
            Line2D([], [], color=style[r][0], linestyle=style[r][1], linewidth=1.2)
            for r in relations
        ]
        axes.legend(
            handles,
            relations,
            title="relations",
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=min(max(1, int(width // 2.2)), len(relations)),
            fontsize=9,
            title_fontsize=9,
            frameon=False,
        )
    # One data unit is one inch: the limits are the figure's own size around the boxes.
    top = _ROW_STEP * (tallest - 1) / 2 + 0.2 + _ROW_STEP / 2
    margin = (width - _COLUMN_STEP * (len(columns) - 1)) / 2
    axes.set_xlim(-margin, width - margin)
    axes.set_ylim(top - (_ROW_STEP * tallest + 0.4), top)
    return figure


_COLUMN_STEP = 1.7  # inches between columns
_ROW_STEP = 1.2  # inches between boxes in a column
_MAX_EDGE_LABELS = 30


def _row_order(view: nx.MultiDiGraph, node: object) -> tuple[str, bool, str]:
    data = view.nodes[node]
    return (data["kind"], "members" in data, data["label"])


def _edge_labels(
    view: nx.MultiDiGraph, position: dict[object, tuple[float, float]]
) -> list[tuple[tuple[float, float], str, str]]:
    """One label per fan of edges: edges of one relation sharing a box are labelled once, near
    that box, with their number (the larger fan wins when an edge belongs to two)."""
    fans: dict[tuple[object, str, str], list[object]] = defaultdict(list)
    for u, v, data in view.edges(data=True):
        fans[(u, "out", data["relation"])].append(v)
        fans[(v, "in", data["relation"])].append(u)
    done: set[tuple[object, object, str]] = set()
    labels = []
    for (shared, way, relation), others in sorted(
        fans.items(), key=lambda item: (-len(item[1]), str(item[0][0]), item[0][1], item[0][2])
    ):
        edges = {(shared, o, relation) if way == "out" else (o, shared, relation) for o in others}
        if edges <= done:
            continue
        done |= edges
        (sx, sy), ends = position[shared], [position[o] for o in others]
        cx, cy = sum(x for x, _ in ends) / len(ends), sum(y for _, y in ends) / len(ends)
        # Half a column from the shared box: in the gap between columns, not on a box.
        share = 0.5 if len(others) == 1 or abs(cx - sx) < 1e-9 else _COLUMN_STEP / 2 / abs(cx - sx)
        text = relation if len(others) == 1 else f"{relation} ({len(others)})"
        labels.append(((sx + (cx - sx) * share, sy + (cy - sy) * share), text, relation))
    return labels


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
