"""The rules page as a governance committee uses it, driven in-process with AppTest: sources by
title with links, each test's inputs and expected flag, filter and sort, the draft → in review
step, a confirmation before approve and retire, and messages without the server's paths; the
ranking card listed, read and reviewed like the rule cards."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Checkbox, Expander

from tests.ui.review_form import TEST_ISSUER, configure_sign_in, record_review, sign_in
from tmrplan import paths
from tmrplan.governance.audit import AuditLog
from tmrplan.rules.cards import load_rulebook
from tmrplan.rules.ledger import load_ledger
from tmrplan.ui.resources import planner

APP = str(Path(__file__).resolve().parents[2] / "app.py")
RULES_PAGE = str(Path(__file__).resolve().parents[2] / "tmrplan" / "ui" / "pages" / "rules.py")
REVIEWER = "Dr Reviewer"
AUTHOR = "tmrplan maintainers (draft)"


def open_rules() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.switch_page(RULES_PAGE)
    app.run()
    assert not app.exception
    return app


def expander_of(app: AppTest, card_id: str) -> Expander:
    return next(e for e in app.expander if e.label.startswith(f"{card_id} v"))


def texts(element: Block) -> str:
    parts = [m.value for m in element.markdown] + [c.value for c in element.caption]
    return "\n".join(parts)


@pytest.fixture
def draft_rules(tmp_path: Path) -> Iterator[Path]:
    """The app over a private copy of the shipped rules (drafts, as shipped)."""
    folder = shutil.copytree(paths.rules_dir(), tmp_path / "rules")
    os.environ["TMRPLAN_RULES"] = str(folder)
    planner.clear()
    yield folder
    del os.environ["TMRPLAN_RULES"]
    planner.clear()


def fill(app: AppTest, card: str, action: str, who: str, text: str = "") -> AppTest:
    return record_review(app, Path(os.environ["TMRPLAN_RULES"]), card, action, who, text)


def confirm_box(app: AppTest) -> Checkbox:
    return next(c for c in app.checkbox if c.key and c.key.startswith("review_read_"))


def test_sources_show_as_titles_with_links_not_ids() -> None:
    app = open_rules()
    leaflet = texts(expander_of(app, "TMR-ANTICOAGULANTS"))
    assert "Patient information leaflet\\: TMR for neuroma pain" in leaflet
    assert "src\\_TMR\\_leaflet" not in leaflet and "src_TMR_leaflet" not in leaflet
    size = texts(expander_of(app, "TMR-SIZE-MISMATCH"))
    # The shared cite: the DOI is a link, exactly as in the plan's Markdown and PDF.
    assert "[DOI 10.3390/jpm13020344](https://doi.org/10.3390/jpm13020344)" in size
    assert "_Distal Nerve Transfers in High Peroneal Nerve Lesions" in size
    # A source with a web page but no DOI or PubMed id links its page.
    self_donor = texts(expander_of(app, "TMR-SELF-DONOR"))
    assert "[web page](https://www.scholars.northwestern.edu/" in self_donor


def test_each_test_shows_its_inputs_and_expected_flag() -> None:
    card = texts(expander_of(open_rules(), "TMR-ANTICOAGULANTS"))
    assert "| test | inputs | expected | result |" in card
    assert (
        "| on anticoagulants | anticoagulants = yes | flag preop.anticoagulants (warning) | pass |"
        in card
    )
    assert "| not stated | anticoagulants not stated | no flag | pass |" in card
    assert "Tests: 3/3 pass" in card


def test_cards_filter_by_status_and_due_date_and_sort_by_due_date() -> None:
    app = open_rules()
    book = load_rulebook()
    total = len(book.governed)  # the rule cards and the ranking card
    assert f"All {total} cards shown" in "\n".join(c.value for c in app.caption)
    app.selectbox(key="rules_sort").set_value("review due, latest first").run()
    labels = [e.label for e in app.expander]
    due = [label.split("review due ")[1][:10] for label in labels]
    assert due == sorted(due, reverse=True) and len(labels) == total
    app.multiselect(key="rules_status").set_value(["active"]).run()
    assert not app.expander
    captions = "\n".join(c.value for c in app.caption)
    assert f"0 of {total} cards shown (status: active" in captions
    assert f"{total} more hidden by the filter" in captions
    assert "No card matches the filter." in app.info[0].value
    app.multiselect(key="rules_status").set_value(["draft"]).run()
    app.selectbox(key="rules_due").set_value("overdue").run()
    overdue = [c for c in book.governed if c.status == "draft" and c.is_overdue()]
    assert len(app.expander) == len(overdue)


def test_a_draft_is_submitted_for_review_then_approved_after_confirmation(
    draft_rules: Path,
) -> None:
    audit = AuditLog()
    before = audit.count()
    app = open_rules()
    # A draft cannot be approved: the message names the card's file, never the server's path.
    app = fill(app, "TMR-RISK-NONE", "approve", REVIEWER)
    message = app.error[0].value
    assert "in\\_review first" in message and "risk\\_none.yaml" in message
    assert str(draft_rules) not in message and "/" not in message.replace("\\", "")
    # The draft → in review step, by its author.
    app = fill(app, "TMR-RISK-NONE", "submit for review", AUTHOR, "ready for governance")
    assert "Recorded\\: submit for review of TMR-RISK-NONE" in app.success[-1].value
    assert "· in_review · NOT APPROVED" in expander_of(app, "TMR-RISK-NONE").label
    assert load_rulebook(draft_rules).get("TMR-RISK-NONE").status == "in_review"
    # Approve asks first: nothing is written until the reviewer confirms the content read.
    app = fill(app, "TMR-RISK-NONE", "approve", REVIEWER)
    read_hash = load_rulebook(draft_rules).get("TMR-RISK-NONE").content_hash
    box = confirm_box(app)
    assert box.label == f"I have read TMR-RISK-NONE v1.0.0 at content hash {read_hash[:12]}"
    confirm = app.button(key="review_confirm")
    assert confirm.disabled
    assert [e.action for e in load_ledger(draft_rules).entries] == ["submit"]
    box.check().run()
    assert not app.button(key="review_confirm").disabled
    app.button(key="review_confirm").click().run()
    assert not app.exception
    assert "Recorded\\: approve of TMR-RISK-NONE" in app.success[-1].value
    assert "· active · approved" in expander_of(app, "TMR-RISK-NONE").label
    entries = load_ledger(draft_rules).entries
    assert [(e.action, e.who) for e in entries] == [("submit", AUTHOR), ("approve", REVIEWER)]
    assert entries[0].text == "ready for governance"
    events = audit.events()[before:]
    assert [(e.kind, e.actor) for e in events] == [("submission", AUTHOR), ("approval", REVIEWER)]
    assert audit.verify().ok
    assert not [c for c in app.checkbox if c.key and c.key.startswith("review_read_")]


def test_retire_can_be_cancelled_and_nothing_is_written(draft_rules: Path) -> None:
    app = fill(open_rules(), "TMR-SIZE-MISMATCH", "retire", REVIEWER, "superseded")
    assert "Retiring stops the card running" in app.warning[-1].value
    app.button(key="review_cancel").click().run()
    assert not app.exception
    assert not [c for c in app.checkbox if c.key and c.key.startswith("review_read_")]
    assert load_ledger(draft_rules).entries == ()
    assert load_rulebook(draft_rules).get("TMR-SIZE-MISMATCH").status == "draft"
    app = fill(app, "TMR-SIZE-MISMATCH", "retire", REVIEWER, "superseded")
    confirm_box(app).check().run()
    app.button(key="review_confirm").click().run()
    assert "Recorded\\: retire of TMR-SIZE-MISMATCH" in app.success[-1].value
    card = expander_of(app, "TMR-SIZE-MISMATCH")
    assert "· retired ·" in card.label
    assert "Tests: not run (the card is retired)" in texts(card)


def test_a_card_changed_after_it_was_read_is_not_approved(draft_rules: Path) -> None:
    card = draft_rules / "risk_none.yaml"
    card.write_text(card.read_text().replace("status: draft", "status: in_review"))
    app = fill(open_rules(), "TMR-RISK-NONE", "approve", REVIEWER)
    confirm_box(app).check().run()
    # Someone edits the card between reading and confirming.
    card.write_text(card.read_text().replace("title: ", "title: Edited, ", 1))
    app.button(key="review_confirm").click().run()
    assert not app.exception
    message = app.error[0].value
    assert "changed since it was read" in message and str(draft_rules) not in message
    assert load_ledger(draft_rules).entries == ()
    assert load_rulebook(draft_rules).get("TMR-RISK-NONE").status == "in_review"


RANKING = "TMR-RANKING"


def test_the_ranking_card_is_listed_and_reviewable_like_the_rule_cards() -> None:
    app = open_rules()
    book = load_rulebook()
    label = expander_of(app, RANKING).label
    ranking = book.ranking
    assert label == (
        f"{RANKING} v{ranking.version} · {ranking.status} · NOT APPROVED · ranking card · "
        f"review due {ranking.review_due.isoformat()}"
    )
    assert RANKING in app.selectbox(key="review_card").options
    # Filtered and sorted with the others: by status, and by review date.
    app.multiselect(key="rules_status").set_value(["active"]).run()
    assert not [e for e in app.expander if e.label.startswith(f"{RANKING} v")]
    app.multiselect(key="rules_status").set_value([ranking.status]).run()
    app.selectbox(key="rules_sort").set_value("review due, latest first").run()
    due = [e.label.split("review due ")[1][:10] for e in app.expander]
    assert due == sorted(due, reverse=True) and any(e.label == label for e in app.expander)


def test_the_ranking_card_opens_with_its_keys_in_words_sources_and_tests() -> None:
    card = texts(expander_of(open_rules(), RANKING))
    ranking = load_rulebook().ranking
    assert f"Keys, in order ({len(ranking.keys)}):" in card
    # Each key in words, in order, with what it reads and which value comes first, and why.
    assert (
        "1. **published in patients**\\: clinical pattern, yes first (a published pattern "
        "reports this donor in patients in this context (not only in cadavers))"
    ) in card
    assert (
        "**donor status**\\: donor status, least cautious first (redundant, then partial, then "
        "functional)" in card
    )
    assert "options flagged by TMR-DISTAL-TARGET after the others (the card “Target distal" in card
    assert f"   - Why: {ranking.keys[0].rationale}" in card
    # Sources by label and title, never by id; a DOI-less web source links its page.
    assert "Patient information leaflet\\: TMR for neuroma pain" in card
    assert "_Targeted reinnervation for transhumeral amputees" in card
    assert "[web page](https://www.scholars.northwestern.edu/" in card
    assert "src\\_" not in card and "src_" not in card
    # Its own tests: each option's facts in, the expected order out.
    assert f"Tests: {len(ranking.tests)}/{len(ranking.tests)} pass" in card
    assert "| test | inputs | expected order | result |" in card
    assert (
        "| a target the distal-target card flags comes after one that needs no graft | distal\\: "
        "flagged by TMR-DISTAL-TARGET, distance to entry = 1.0; proximal\\: no card fired, "
        "distance to entry = 1.5 | proximal, then distal | pass |"
    ) in card
    assert "| (a = b, tied) | pass |" in card
    assert "myoelectric prosthesis = yes" in card  # a test's case facts
    assert f"Content hash {ranking.content_hash} · file ranking.yaml, line " in card


def test_the_ranking_card_is_approved_only_after_confirmation(draft_rules: Path) -> None:
    audit = AuditLog()
    before = audit.count()
    app = fill(open_rules(), RANKING, "approve", REVIEWER)
    assert "in\\_review first" in app.error[0].value and "ranking.yaml" in app.error[0].value
    app = fill(app, RANKING, "submit for review", AUTHOR, "ranking ready for governance")
    assert f"Recorded\\: submit for review of {RANKING}" in app.success[-1].value
    assert "· in_review · NOT APPROVED · ranking card" in expander_of(app, RANKING).label
    app = fill(app, RANKING, "approve", REVIEWER)
    read_hash = load_rulebook(draft_rules).ranking.content_hash
    box = confirm_box(app)
    version = load_rulebook(draft_rules).ranking.version
    assert box.label == f"I have read {RANKING} v{version} at content hash {read_hash[:12]}"
    assert app.button(key="review_confirm").disabled
    assert [e.action for e in load_ledger(draft_rules).entries] == ["submit"]
    box.check().run()
    app.button(key="review_confirm").click().run()
    assert not app.exception
    assert f"Recorded\\: approve of {RANKING}" in app.success[-1].value
    assert "· active · approved · ranking card" in expander_of(app, RANKING).label
    book = load_rulebook(draft_rules)
    assert book.ranking.status == "active" and RANKING in book.approved
    assert [(e.action, e.who, e.card_id) for e in load_ledger(draft_rules).entries] == [
        ("submit", AUTHOR, RANKING),
        ("approve", REVIEWER, RANKING),
    ]
    events = audit.events()[before:]
    assert [(e.kind, e.actor) for e in events] == [("submission", AUTHOR), ("approval", REVIEWER)]
    # Retiring it is refused before any confirmation: plans need an order.
    app = fill(app, RANKING, "retire", REVIEWER)
    assert "cannot be retired" in app.error[0].value
    assert not [c for c in app.checkbox if c.key and c.key.startswith("review_read_")]
    assert [e.action for e in load_ledger(draft_rules).entries] == ["submit", "approve"]


def test_review_forms_are_off_and_say_why_until_a_listed_reviewer_signs_in(
    draft_rules: Path,
) -> None:
    def record_button(app: AppTest) -> Any:
        return next(b for b in app.button if b.label == "Record")

    app = open_rules()  # no identity provider configured: readable, review off, saying why
    assert any("Review is off: no identity provider is configured" in i.value for i in app.info)
    assert record_button(app).disabled and app.selectbox(key="review_card").disabled
    assert expander_of(app, "TMR-RISK-NONE")  # the cards are still there to read
    configure_sign_in(app)
    app.user = {"is_logged_in": False}
    app.run()
    assert any(i.value.startswith("Sign in to review") for i in app.info)
    assert [b.label for b in app.button if b.key == "sign_in"] == ["Sign in to review"]
    assert record_button(app).disabled
    # Signed in, but the committee has not listed them: off, with the line to send.
    principal = sign_in(app, None, "Dr Outsider")
    app.run()
    [why] = [i.value for i in app.info if "not in the signers file" in i.value]
    assert "Signed in as Dr Outsider" in texts(app.main)
    assert f"reviewer/{principal.partition('/')[2]}" in why and "ssh-ed25519 " in why
    assert record_button(app).disabled
    # Listed: the form is on, and the roles offered are the signers file's, nothing typed.
    sign_in(app, draft_rules, "Dr Reviewer", "surgeon")
    sign_in(app, draft_rules, "Dr Reviewer", "clinical governance lead")
    app.run()
    assert not record_button(app).disabled
    [roles] = [s for s in app.selectbox if (s.key or "").startswith("review_role")]
    assert sorted(roles.options) == ["clinical governance lead", "surgeon"]
    assert not [t for t in app.text_input if (t.key or "").startswith("review_")]
    roles.set_value("surgeon")
    app.text_area(key="review_text").set_value("cite the series")
    app.selectbox(key="review_card").set_value("TMR-RISK-NONE")
    record_button(app).click().run()
    [entry] = load_ledger(draft_rules).entries
    assert (entry.who, entry.role, entry.principal) == (
        "Dr Reviewer",
        "surgeon",
        f"surgeon/oidc:{TEST_ISSUER}#dr.reviewer",
    )
    assert load_ledger(draft_rules).verdict(entry).ok
    shown = texts(expander_of(app, "TMR-RISK-NONE"))
    assert "comment by Dr Reviewer (surgeon), v1.0.0" in shown
    assert f"cite the series · signed as {entry.principal}" in shown.replace("\\", "")


def test_an_identity_that_cannot_be_listed_or_a_missing_key_is_said_without_paths(
    draft_rules: Path, tmp_path: Path
) -> None:
    app = open_rules()
    configure_sign_in(app)
    app.user = {"is_logged_in": True, "iss": TEST_ISSUER, "sub": "x,admin/oidc:y", "name": "X"}
    app.run()
    [why] = [i.value for i in app.info if "cannot be listed" in i.value]
    assert "namespaces=" not in why  # no line to paste that would list someone else
    missing = tmp_path / "server-key-that-is-not-there"
    app.secrets["tmrplan"] = {"server_key": str(missing)}
    app.run()
    [off] = [i.value for i in app.info if i.value.startswith("Review is off")]
    assert "the server key" in off and str(tmp_path) not in off.replace("\\", "")
