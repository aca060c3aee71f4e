"""The rules page in a real Chromium, as a governance committee uses it: a card's sources by title
with their links, each test's inputs and expected flag, the sort by review date, a draft
submitted for review by its author and then approved by a second reviewer, each signed in
through a local OpenID Connect provider, only after the reviewer confirms the content hash read;
the ledger entry's identity and signature checked; the author refused their own approval.
Screenshots at desktop (1280 px) and tablet (820 px) width go to artifacts/."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.system.browser.harness import ARTIFACTS, Server
from tests.system.browser.sign_in import ROLE, SignInApp, app_with_sign_in, sign_in
from tests.system.browser.test_browser import TIMEOUT_MS, choose, open_app, shot
from tmrplan import paths
from tmrplan.rules.cards import load_rulebook
from tmrplan.rules.ledger import load_ledger

DESKTOP_1280 = {"width": 1280, "height": 900}
TABLET_820 = {"width": 820, "height": 1180}
AUTHOR = "tmrplan maintainers (draft)"
REVIEWER = "Dr Reviewer"


@pytest.fixture(scope="module")
def rules_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the shipped rules (drafts, as shipped): the test writes the ledger."""
    return shutil.copytree(paths.rules_dir(), tmp_path_factory.mktemp("browser") / "rules")


@pytest.fixture(scope="module")
def signed_in_app(
    validated: None, rules_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SignInApp]:
    ARTIFACTS.mkdir(exist_ok=True)
    reviewers = {AUTHOR: ROLE, REVIEWER: ROLE}
    secrets = tmp_path_factory.mktemp("secrets")
    with app_with_sign_in(ARTIFACTS / "rules-server.log", rules_copy, reviewers, secrets) as app:
        yield app


@pytest.fixture(scope="module")
def rules_server(signed_in_app: SignInApp) -> Server:
    return signed_in_app.server


def record(page: Page, card: str, action: str) -> None:
    """Fill the review form as the reviewer signed in and press Record."""
    choose(page, "Card", card)
    page.get_by_role("radiogroup").get_by_role("radio", name=action, exact=True).check(force=True)
    page.get_by_role("button", name="Record").click()


def open_card(page: Page, card_id: str) -> None:
    page.get_by_text(re.compile(f"^{re.escape(card_id)} v")).first.click()


def test_committee_reads_a_card_submits_a_draft_and_confirms_an_approval(
    signed_in_app: SignInApp, rules_copy: Path, page: Page, outside_requests: list[str]
) -> None:
    rules_server = signed_in_app.server
    page.set_viewport_size(DESKTOP_1280)
    open_app(page, rules_server, "rules")
    expect(page.get_by_text(re.compile(r"^All \d+ cards shown"))).to_be_visible(timeout=TIMEOUT_MS)
    choose(page, "Sort by", "review due, soonest first")
    open_card(page, "TMR-SIZE-MISMATCH")
    doi = page.get_by_role("link", name="DOI 10.3390/jpm13020344")
    expect(doi).to_be_visible(timeout=TIMEOUT_MS)
    expect(doi).to_have_attribute("href", "https://doi.org/10.3390/jpm13020344")
    expect(page.get_by_text("src_Salminger2023")).to_have_count(0)
    expect(page.get_by_role("columnheader", name="inputs").first).to_be_visible()
    shot(page, "rules-1280-card-open")
    page.get_by_role("row").filter(
        has_text="diameter ratio not stated"
    ).scroll_into_view_if_needed()
    shot(page, "rules-1280-card-tests")

    sign_in(page, signed_in_app, AUTHOR, outside_requests)
    record(page, "TMR-RISK-NONE", "submit for review")
    expect(page.get_by_text("Recorded: submit for review of TMR-RISK-NONE")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    # The reviewer signs in afresh (their own session), as a second person would.
    sign_in(page, signed_in_app, REVIEWER, outside_requests)
    record(page, "TMR-RISK-NONE", "approve")
    read = page.get_by_text(re.compile("^I have read TMR-RISK-NONE v1.0.0 at content hash"))
    expect(read).to_be_visible(timeout=TIMEOUT_MS)
    confirm = page.get_by_role("button", name="Confirm: approve TMR-RISK-NONE")
    expect(confirm).to_be_disabled()
    read.scroll_into_view_if_needed()
    shot(page, "rules-1280-confirm-approval")
    assert [e.action for e in load_ledger(rules_copy).entries] == ["submit"]
    read.click()
    expect(confirm).to_be_enabled(timeout=TIMEOUT_MS)
    confirm.click()
    expect(page.get_by_text("Recorded: approve of TMR-RISK-NONE")).to_be_visible(timeout=TIMEOUT_MS)
    expect(
        page.get_by_text(re.compile("^TMR-RISK-NONE v1.0.0 · active · approved"))
    ).to_be_visible()
    page.get_by_text("Recorded: approve of TMR-RISK-NONE").scroll_into_view_if_needed()
    shot(page, "rules-1280-approved")
    ledger = load_ledger(rules_copy)
    assert [(e.action, e.who, e.principal) for e in ledger.entries] == [
        ("submit", AUTHOR, signed_in_app.principal(AUTHOR)),
        ("approve", REVIEWER, signed_in_app.principal(REVIEWER)),
    ]
    # Signed by the server's key for the identity the provider signed in, and so counted.
    assert all(e.key == signed_in_app.server_public_key for e in ledger.entries)
    assert all(ledger.verdict(e).ok for e in ledger.entries) and not ledger.not_counted()
    assert "TMR-RISK-NONE" in load_rulebook(rules_copy).approved


def test_the_author_signed_in_cannot_approve_their_own_card(
    signed_in_app: SignInApp, rules_copy: Path, page: Page, outside_requests: list[str]
) -> None:
    sign_in(page, signed_in_app, AUTHOR, outside_requests)
    record(page, "TMR-RISK-LOW", "submit for review")
    expect(page.get_by_text("Recorded: submit for review of TMR-RISK-LOW")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    written = load_ledger(rules_copy).entries
    record(page, "TMR-RISK-LOW", "approve")
    expect(page.get_by_text(re.compile("is the card.s author"))).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Confirm: approve TMR-RISK-LOW")).to_have_count(0)
    assert load_ledger(rules_copy).entries == written
    assert "TMR-RISK-LOW" not in load_rulebook(rules_copy).approved


def test_rules_page_at_tablet_width(rules_server: Server, page: Page) -> None:
    page.set_viewport_size(TABLET_820)
    open_app(page, rules_server, "rules")
    expect(page.get_by_role("combobox", name="Sort by")).to_be_visible(timeout=TIMEOUT_MS)
    open_card(page, "TMR-ANTICOAGULANTS")
    row = page.get_by_role("row").filter(has_text="anticoagulants not stated")
    expect(row).to_be_visible(timeout=TIMEOUT_MS)
    expect(row).to_contain_text("no flag")
    for status in ("draft", "in_review", "active", "retired"):  # every chosen status in view
        expect(page.get_by_role("button", name=f"Remove {status}")).to_be_visible()
    # Nothing wider than the screen: the tests table wraps instead of hiding a column.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET_820["width"], width
    shot(page, "rules-820-card-open")
