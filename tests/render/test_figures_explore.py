"""The Explore figure reads on a tablet (issue 16): its smallest text is at least 11 px high on
screen at 820 px and at 1280 px, measured from the PNG the page shows (its font sizes in points,
its dpi and its width) and the width of the column ``st.image`` shows it in.

The columns are as measured in Chromium on the app's Explore page (Streamlit 1.67, wide layout):
788 px wide in an 820-px window, 1120 px in a 1280-px one; ``st.image`` shows a PNG at its own
width, shrunk to the column when wider. The browser test
``test_explore_figure_text_is_readable_on_a_tablet`` measures the same in the real page."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from rdflib import URIRef

from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.planner import Planner
from tmrplan.render.figures import (
    DPI,
    FIGURE_WIDTH,
    SMALLEST_FONT,
    neighbourhood_figure,
    on_screen_px,
    to_png,
)
from tmrplan.teaching.views import drawable, neighbourhood
from tmrplan.ui.explore_page import BOXES_PER_BAND

COLUMN_PX = {820: 788, 1280: 1120}  # window width → the page's column, measured in Chromium
READABLE_PX = 11.0
MEDIAN, BICEPS, ELBOW = TMR.MedianNerve, TMR.BicepsBrachii, TMR.ElbowJoint


def png_width(png: bytes) -> int:
    """The width in the PNG's IHDR chunk (bytes 16-19, big-endian)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big")


def texts(figure: Figure) -> list[Text]:
    """Every piece of text the figure shows: box labels, edge labels, the legend and its title."""
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def explore_figure(kb: KnowledgeBase, entity: URIRef, depth: int) -> Figure:
    """The figure as the Explore page draws it (every relation, two lines of boxes a kind)."""
    graph, _ = drawable(kb, neighbourhood(kb, entity, depth), entity, per_column=BOXES_PER_BAND)
    return neighbourhood_figure(graph)


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("entity", [MEDIAN, BICEPS, ELBOW], ids=["nerve", "muscle", "joint"])
def test_smallest_text_is_readable_at_tablet_and_desktop_width(
    planner: Planner, entity: URIRef, depth: int
) -> None:
    figure = explore_figure(planner.kb, entity, depth)
    shown = texts(figure)
    assert any(t.get_text().startswith(planner.kb.label(entity)) for t in shown)
    smallest = min(t.get_fontsize() for t in shown)
    assert smallest >= SMALLEST_FONT
    width = png_width(to_png(figure))
    # A figure no wider than FIGURE_WIDTH (what sticks out past the axes included, a little).
    assert width <= (FIGURE_WIDTH + 0.4) * DPI, width
    for window, column in COLUMN_PX.items():
        px = on_screen_px(smallest, width, column)
        assert px >= READABLE_PX, (
            f"{planner.kb.label(entity)} at depth {depth}: {smallest} pt text in a {width}-px "
            f"PNG shows {px:.1f} px high in a {window}-px window ({column}-px column)"
        )


def test_the_old_wide_figure_would_have_failed_the_measure() -> None:
    """The measure itself: the figure before (1905 px wide, 7.5-pt edge labels, 10-pt boxes for
    the median nerve at depth 2) came out about 8 px high on a tablet, as the issue saw."""
    assert round(on_screen_px(10.0, 1905, COLUMN_PX[820]), 1) == 8.6
    assert on_screen_px(7.5, 1395, COLUMN_PX[820]) < READABLE_PX
    # A PNG narrower than the column is shown at its own size: one point is DPI / 72 px.
    assert on_screen_px(8.0, 600, COLUMN_PX[1280]) == pytest.approx(8.0 * DPI / 72)


def test_depth_two_grows_down_not_across(kb: KnowledgeBase) -> None:
    """Depth 2 of the median nerve draws more boxes than depth 1 in a figure of the same width:
    the bands wrap onto more lines and the figure gets taller instead."""
    one, two = explore_figure(kb, MEDIAN, 1), explore_figure(kb, MEDIAN, 2)
    (w1, h1), (w2, h2) = one.get_size_inches(), two.get_size_inches()
    assert w1 == w2 == FIGURE_WIDTH
    assert h2 > h1
    assert len(texts(two)) > len(texts(one))
