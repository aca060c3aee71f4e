"""The Explore page in a real Chromium at desktop (1280 px) and tablet (820 px) width (issue 16):
depth 2 draws a figure that fits the page, says what it collapsed, names relations in words,
lists every root's path for a nerve, and the quiz marks the right answer. Screenshots go to
artifacts/ (explore-*.png) to be looked at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.system.browser.harness import ARTIFACTS, Server
from tests.system.browser.test_browser import TIMEOUT_MS, open_app, shot

pytestmark = pytest.mark.system

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "tablet": {"width": 820, "height": 1180}}


def fits_the_page(page: Page) -> None:
    """Nothing wider than the window: no sideways scrolling, the figure scaled to the page."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page scrolls sideways: {scroll} px in a {width} px window"
    figure = page.get_by_role("img", name=re.compile("^Neighbourhood of")).bounding_box()
    assert figure and figure["x"] >= 0 and figure["x"] + figure["width"] <= width, figure


@pytest.mark.parametrize("screen", list(WIDTHS))
def test_depth_two_draws_in_words_and_fits_the_screen(
    server: Server, page: Page, screen: str
) -> None:
    page.set_viewport_size(WIDTHS[screen])
    open_app(page, server, "explore")
    page.get_by_label("Find a structure").fill("median nerve")
    page.keyboard.press("Enter")
    figure = page.get_by_role("img", name="Neighbourhood of median nerve")
    expect(figure).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("Type: named nerve", exact=False)).to_be_visible()
    # Relations as words in the picker, not local names.
    expect(page.get_by_text("branch of", exact=True).first).to_be_visible()
    expect(page.get_by_text("branchOf", exact=True)).to_have_count(0)
    fits_the_page(page)
    shot(page, f"explore-{screen}-depth1")
    slider = page.get_by_role("slider", name=re.compile("Depth"))
    slider.focus()
    slider.press("ArrowRight")
    collapsed = page.get_by_text(re.compile(r"\d+ cutaneous nerves collapsed into one node"))
    expect(collapsed.first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("too many to draw", exact=False)).to_have_count(0)
    expect(figure).to_be_visible()
    fits_the_page(page)
    figure.scroll_into_view_if_needed()
    page.screenshot(path=_artifact(f"explore-{screen}-depth2-figure"))
    collapsed.first.scroll_into_view_if_needed()
    page.screenshot(path=_artifact(f"explore-{screen}-depth2-collapsed"))
    # Every root of the median nerve starts a path, not only the first.
    roots = page.get_by_text("From each root the median nerve carries (4):")
    expect(roots).to_be_visible()
    for root in ("C6", "C7", "C8", "T1"):
        expect(page.get_by_text(re.compile(f"^{root} root → .* → median nerve$"))).to_be_visible()
    roots.scroll_into_view_if_needed()
    page.screenshot(path=_artifact(f"explore-{screen}-paths"))


@pytest.mark.parametrize("screen", list(WIDTHS))
def test_quiz_marks_the_right_answer(server: Server, page: Page, screen: str) -> None:
    page.set_viewport_size(WIDTHS[screen])
    open_app(page, server, "explore")
    page.get_by_text("Quiz mode").click()
    expect(page.get_by_text(re.compile("question 1 of 5"))).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("radiogroup").get_by_role("radio").first.check(force=True)
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_text(re.compile(": the right answer")).first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(page.get_by_text(re.compile("^Why:"))).to_be_visible()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= WIDTHS[screen]["width"], scroll
    shot(page, f"explore-{screen}-quiz-answer")


def _artifact(name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")
