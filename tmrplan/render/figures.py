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
DPI = 150  # of every PNG: print-friendly, and the on-screen size follows from it
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
    """A drawable neighbourhood (``tmrplan.teaching.views.drawable``) in bands from top to bottom
    along the root-to-joint path (root, plexus, nerve, branch, muscle, action, joint, the rest),
    kinds and relations in words, with a legend of the relations.

    The figure is at most :data:`FIGURE_WIDTH` inches wide whatever the neighbourhood's size: a
    band holds :data:`BOXES_PER_LINE` boxes a line and wraps onto more lines, so the figure grows
    down, not across, and its smallest text (:data:`SMALLEST_FONT` points) stays at least 11 px
    high in a tablet's 788-px column (see :func:`on_screen_px`). Boxes in a band are ordered by
    where their neighbours above sit, so most edges run down, not across.

    Edges that fan out from one box along one relation carry one label between them
    ("spinal root (6)"), not one each, so labels do not pile up on each other.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> from tmrplan.teaching.views import drawable, neighbourhood
        >>> from tmrplan.knowledge.vocab import TMR
        >>> kb = load_knowledge_base()
        >>> graph, _ = drawable(kb, neighbourhood(kb, TMR.Deltoid, 1), TMR.Deltoid)
        >>> figure = neighbourhood_figure(graph)
        >>> float(figure.get_size_inches()[0]) <= FIGURE_WIDTH
        True
        >>> to_svg(figure).startswith(b"<?xml")
        True
    """
    captions = {node: _box_text(view.nodes[node]) for node in view.nodes}
    position, half, (width, height) = _band_layout(view, captions)
    relations = sorted({data["relation"] for *_, data in view.edges(data=True)})
    style = {
        relation: (_EDGE_COLOURS[i % len(_EDGE_COLOURS)], _STYLES[i % len(_STYLES)])
        for i, relation in enumerate(relations)
    }
    figure = Figure(figsize=(width, height))
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
                "shrinkA": half[u] * 72,  # points: from the box's edge, not its centre
                "shrinkB": half[v] * 72,
                # Boxes on one line: bow the edge out so it does not run through its neighbours.
                "connectionstyle": f"arc3,rad={_BOW if abs(y0 - y1) < 0.05 else 0}",
            },
            zorder=1,
        )
    labels = _edge_labels(view, position, half)
    # Past a few dozen fans the labels cover the boxes: the legend alone names the relations.
    if len(labels) > _MAX_EDGE_LABELS:
        labels = []
    taken = [_box_rect(position[n], captions[n], _BOX_FONT, half[n]) for n in position]
    for candidates, text, relation in labels:
        wrapped = _wrap_words(text, 20)
        spot = _free_spot(candidates, wrapped, taken, width)
        if spot is None:
            continue  # nowhere free near its edges: the legend names the relation
        taken.append(_box_rect(spot, wrapped, SMALLEST_FONT))
        axes.text(
            *spot,
            wrapped,
            fontsize=SMALLEST_FONT,
            color=style[relation][0],
            ha="center",
            va="center",
            zorder=2,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"},
        )
    for node, (x, y) in position.items():
        data = view.nodes[node]
        focus, grouped = data.get("focus", False), "members" in data
        axes.text(
            x,
            y,
            captions[node],
            ha="center",
            va="center",
            fontsize=_BOX_FONT,
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
            ncol=min(max(1, int(width // 1.5)), len(relations)),
            fontsize=SMALLEST_FONT,
            title_fontsize=SMALLEST_FONT,
            frameon=False,
        )
    # One data unit is one inch: the limits are the figure's own size.
    axes.set_xlim(0, width)
    axes.set_ylim(-height, 0)
    return figure


FIGURE_WIDTH = 7.4  # inches at most: a 788-px tablet column shows it at 1.48 px a point
BOXES_PER_LINE = 5  # boxes side by side in a band before it wraps onto another line
SMALLEST_FONT = 8.0  # points: the edge labels and the legend (11.8 px in that tablet column)
_BOX_FONT = 8.5
_WRAP = 17  # characters a line in a box: a box's slot is FIGURE_WIDTH / BOXES_PER_LINE wide
_TEXT_LINE = 0.145  # inches a line of box text takes (8.5 points and its leading)
_BOX_PAD = 0.12  # inches of padding around a box's text
_LINE_GAP = 0.3  # inches between two lines of boxes in a band
_BAND_GAP = 0.55  # inches between bands: room for the edges' labels
_MARGIN = 0.1
_MAX_EDGE_LABELS = 30
_BOW = 0.35  # how far an edge between two boxes of one line bows out (arc3 rad)


def _box_text(data: dict[str, object]) -> str:
    caption = "(collapsed into one box)" if "members" in data else f"({data['kind']})"
    return f"{_wrap_words(str(data['label']), _WRAP)}\n{_wrap_words(caption, _WRAP)}"


Layout = tuple[dict[object, tuple[float, float]], dict[object, float], tuple[float, float]]


def _band_layout(view: nx.MultiDiGraph, captions: dict[object, str]) -> Layout:
    """Each box's centre and half height in inches (y down from 0), and the figure's size.

    A band (one ``column`` of ``drawable``) is ordered by the mean x of each box's neighbours in
    the bands above (the first band by kind and label), then dealt onto its lines in turn, so
    every line spans the band in the same left-to-right order."""
    bands: dict[int, list[object]] = defaultdict(list)
    for node in view.nodes:
        bands[view.nodes[node]["column"]].append(node)
    slot = FIGURE_WIDTH / BOXES_PER_LINE
    widest = max((min(len(m), BOXES_PER_LINE) for m in bands.values()), default=1)
    width = max(3.0, slot * widest)
    around = view.to_undirected(as_view=True)
    position: dict[object, tuple[float, float]] = {}
    half: dict[object, float] = {}

    def order(node: object) -> tuple[str, bool, float, str]:
        data = view.nodes[node]
        above = [position[n][0] for n in around.neighbors(node) if n in position]
        return (data["kind"], "members" in data, sum(above) / max(1, len(above)), data["label"])

    y = -_MARGIN
    for column in sorted(bands):
        members = sorted(bands[column], key=order)
        lines = -(-len(members) // BOXES_PER_LINE)
        for line in (members[i::lines] for i in range(lines)):
            tallest = max(captions[n].count("\n") + 1 for n in line) * _TEXT_LINE + 2 * _BOX_PAD
            for i, node in enumerate(line):
                position[node] = (width / 2 + (i - (len(line) - 1) / 2) * slot, y - tallest / 2)
                half[node] = (captions[node].count("\n") + 1) * _TEXT_LINE / 2 + _BOX_PAD + 0.03
            y -= tallest + _LINE_GAP
        y -= _BAND_GAP - _LINE_GAP
    return position, half, (width, -y - _BAND_GAP + 2 * _MARGIN)


def on_screen_px(points: float, png_width: int, column_px: float, dpi: float = DPI) -> float:
    """How many CSS pixels high (the font's em) text of ``points`` comes out when a PNG
    ``png_width`` pixels wide, saved at ``dpi``, is shown in a column ``column_px`` wide:
    ``st.image`` shows a PNG at its own width, shrunk to the column when it is wider.

    Example:
        >>> round(on_screen_px(8.0, 1110, 788), 1)  # a 7.4-inch figure on an 820-px tablet
        11.8
    """
    return points / 72 * dpi * min(1.0, column_px / png_width)


def _edge_labels(
    view: nx.MultiDiGraph,
    position: dict[object, tuple[float, float]],
    half: dict[object, float],
) -> list[tuple[list[tuple[float, float]], str, str]]:
    """One label per fan of edges: edges of one relation sharing a box are labelled once, with
    their number (the larger fan wins when an edge belongs to two). Each label comes with the
    spots it may take, best first: just past the shared box's edge towards the others."""
    fans: dict[tuple[object, str, str], list[object]] = defaultdict(list)
    for u, v, data in view.edges(data=True):
        fans[(u, "out", data["relation"])].append(v)
        fans[(v, "in", data["relation"])].append(u)
    done: set[tuple[object, object, str]] = set()
    labels: list[tuple[list[tuple[float, float]], str, str]] = []
    for (shared, way, relation), others in sorted(
        fans.items(), key=lambda item: (-len(item[1]), str(item[0][0]), item[0][1], item[0][2])
    ):
        edges = {(shared, o, relation) if way == "out" else (o, shared, relation) for o in others}
        if edges <= done:
            continue
        done |= edges
        (sx, sy), ends = position[shared], [position[o] for o in others]
        cx, cy = sum(x for x, _ in ends) / len(ends), sum(y for _, y in ends) / len(ends)
        text = relation if len(others) == 1 else f"{relation} ({len(others)})"
        if abs(cy - sy) < 0.05:  # one line of boxes: on the bow of the edges, as drawn
            dx = (cx - sx) if way == "out" else (sx - cx)
            mid = ((sx + cx) / 2, sy - _BOW * dx / 2)
            labels.append(([(mid[0] + step, mid[1]) for step in (0, 0.3, -0.3)], text, relation))
            continue
        # Just past the shared box's edge towards the others, then further along, or aside.
        start = (half[shared] + 0.16) / abs(cy - sy)
        along = [start + 0.12 * i for i in range(5) if start + 0.12 * i < 0.9]
        spots = [
            (sx + (cx - sx) * t + aside, sy + (cy - sy) * t)
            for t in along
            for aside in (0.0, 0.35, -0.35, 0.7, -0.7)
        ]
        labels.append((spots, text, relation))
    return labels


Rect = tuple[float, float, float, float]  # centre x, centre y, half width, half height (inches)


def _box_rect(
    centre: tuple[float, float], text: str, points: float, half_height: float | None = None
) -> Rect:
    """About the room ``text`` takes at ``points`` (DejaVu Sans: 0.6 em a character at most)."""
    longest = max(len(line) for line in text.split("\n"))
    lines = text.count("\n") + 1
    high = half_height if half_height is not None else lines * points * 1.2 / 144 + 0.03
    return (*centre, longest * points * 0.3 / 72 + 0.08, high)


def _free_spot(
    candidates: list[tuple[float, float]], text: str, taken: list[Rect], width: float
) -> tuple[float, float] | None:
    """The first candidate where ``text`` fits inside the figure without covering a box or
    another label."""
    for spot in candidates:
        x, y, w, h = _box_rect(spot, text, SMALLEST_FONT)
        if x - w < 0 or x + w > width:
            continue
        if all(abs(x - tx) >= w + tw or abs(y - ty) >= h + th for tx, ty, tw, th in taken):
            return spot
    return None


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
    figure.savefig(buffer, format=fmt, dpi=DPI, bbox_inches="tight", metadata=metadata)
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
