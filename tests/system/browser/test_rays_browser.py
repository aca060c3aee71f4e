"""A partial-hand case in a real Chromium: the digit picker and the through choice appear for the
hand level, the figure of what is lost redraws as they change, and the plan says it in words."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.system.browser.harness import Server, show_options
from tests.system.browser.test_browser import TIMEOUT_MS, choose, enter_nerve, open_app, shot


def test_surgeon_names_the_digits_and_through_level_of_a_partial_hand(
    server: Server, page: Page
) -> None:
    open_app(page, server)
    expect(page.get_by_role("combobox", name=re.compile("^Digits amputated"))).to_have_count(0)
    choose(page, "Amputation level", "partial hand amputation")
    digits = page.get_by_role("combobox", name=re.compile("^Digits amputated"))
    expect(digits).to_be_visible(timeout=TIMEOUT_MS)
    figure = page.get_by_role("img", name=re.compile("^Figure: what is amputated"))
    expect(figure).to_have_accessible_name(re.compile("which digits: not stated"))
    for digit in ("index finger", "middle finger"):
        choose(page, re.compile("^Digits amputated"), digit)
    page.keyboard.press("Escape")
    choose(page, re.compile("^Through"), "through the proximal interphalangeal joint")
    expect(figure).to_have_accessible_name(
        re.compile("index finger and middle finger through the proximal interphalangeal joint"),
        timeout=TIMEOUT_MS,
    )
    shot(page, "08-partial-hand-pickers")
    # Its words, not its whole label: the picker says what they matched.
    enter_nerve(
        page,
        "proper palmar digital nerves of the median",
        "proper palmar digital nerves of the median nerve",
        "normalised",
    )
    show_options(page)
    expect(
        page.get_by_text(re.compile("partial hand amputation \\(index finger and middle")).first
    ).to_be_visible(timeout=TIMEOUT_MS)
    expect(
        page.get_by_text(re.compile("thumb, ring finger and little finger spared")).first
    ).to_be_visible()
    shot(page, "09-partial-hand-plan")
