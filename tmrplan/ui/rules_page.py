"""Rules page (governance): every card with its status, approval, review dates, tests and ledger
entries, and the review actions (comment, approve, retire) recorded under a self-declared name."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from tmrplan.errors import TmrplanError
from tmrplan.governance.actions import approve, comment, retire
from tmrplan.rules.cards import RuleBook, load_rulebook
from tmrplan.rules.ledger import LedgerEntry, load_ledger
from tmrplan.rules.selftest import run_card_tests
from tmrplan.ui.resources import planner, record
from tmrplan.ui.widgets import bullet_list, md

_ACTIONS: dict[str, Callable[[RuleBook, str, str, str, str], LedgerEntry]] = {
    "comment": comment,
    "approve": approve,
    "retire": retire,
}
_AUDIT_KIND = {"comment": "comment", "approve": "approval", "retire": "retirement"}


def render() -> None:
    """Draw the rules page."""
    service = planner()
    book = service.rulebook
    st.title("Rule cards")
    st.caption(f"Rules {md(book.version)}")
    approved = len(book.approved)
    if book.unapproved:
        st.warning(
            f"{approved} of {len(book.running)} running cards are approved by clinical "
            "governance at their current content. Until all are, every plan is marked PREVIEW."
        )
    else:
        st.success(f"All {len(book.running)} running cards are approved at their current content.")
    show_cards(book)
    st.divider()
    review_form(book)
    st.divider()
    impact_view()


def impact_view() -> None:
    """What the working copy's cards and ontology change, against a git revision or directory."""
    st.subheader("Impact of the working copy")
    st.caption(
        "Plans every reference case under the base and under the current rules and ontology, and "
        "lists each plan that changes, with the card or triples that caused it."
    )
    base = st.text_input("Base (git revision or directory)", "HEAD", key="impact_base")
    if not st.button("Compare", key="impact_run"):
        return
    from tmrplan.governance.impact import (  # loads a second knowledge base: on request
        impact,
        to_markdown,
    )

    try:
        with st.spinner("Planning the reference cases under both…"):
            report = impact(base, planner(), sweep=False)
    except TmrplanError as error:
        st.error(md(str(error)))
        return
    # The report's own Markdown escapes every label it quotes.
    st.markdown(to_markdown(report))


def show_cards(book: RuleBook) -> None:
    """One expander per card: what it says, who wrote and reviewed it, its tests and ledger."""
    results = run_card_tests(book, planner().engine)
    ledger = load_ledger(book.directory)
    for card in book.cards:
        mine = [r for r in results if r.card is card]
        passed = sum(r.passed for r in mine)
        overdue = " · REVIEW OVERDUE" if card.is_overdue() else ""
        state = "approved" if card.id in book.approved else "NOT APPROVED"
        with st.expander(
            f"{md(card.id)} v{md(card.version)} · {card.status} · {state} · "
            f"{card.severity.value}{overdue}"
        ):
            st.write(f"**{md(card.title)}**")
            st.write(md(card.rationale))
            st.write(f"When: {md(card.conditions_in_words())}")
            st.write(f"Flag: {md(card.code)} — {md(card.message)}")
            st.write(
                f"Author: {md(card.author)} · reviewer: {md(card.reviewer)} · "
                f"review due {card.review_due.isoformat()}{overdue}"
            )
            st.write(f"Approval: {md(book.approval_state(card))}")
            st.caption(f"Content hash {card.content_hash}")
            st.write("Sources: " + md(", ".join(card.sources)))
            st.write(f"Tests: {passed}/{len(mine)} pass")
            st.dataframe(
                [
                    {
                        "test": r.test.name,
                        "expected": "fire" if r.test.expect_fire else "no fire",
                        "result": "pass" if r.passed else "FAIL",
                    }
                    for r in mine
                ],
                hide_index=True,
                key=f"tests_{card.id}",
            )
            entries = ledger.about(card.id)
            st.write("Ledger:")
            bullet_list(
                md(
                    f"{e.at} · {e.action} by {e.who} ({e.role}) · v{e.version} "
                    f"{e.content_hash[:12]}" + (f" · {e.text}" if e.text else "")
                )
                for e in entries
            )


def review_form(book: RuleBook) -> None:
    """Comment on, approve or retire a card; the entry goes to the ledger and the audit log."""
    st.subheader("Review a card")
    st.caption(
        "There is no login system yet: the name and role you type are recorded as given, in the "
        "approvals ledger released with the cards and in the audit log. An author cannot approve "
        "their own card; approving sets the card active at its current content."
    )
    with st.form("review", border=True):
        card_id = st.selectbox("Card", [c.id for c in book.cards], key="review_card")
        action = st.radio("Action", list(_ACTIONS), horizontal=True, key="review_action")
        left, right = st.columns(2)
        who = left.text_input("Your name", key="review_who")
        role = right.text_input("Your role", key="review_role")
        text = st.text_area(
            "Comment or note (about the rule card: never patient details)",
            key="review_text",
            max_chars=2000,
        )
        if not st.form_submit_button("Record"):
            return
    try:
        # Fresh from disk: another reviewer may have written since this page was drawn.
        current = load_rulebook(book.directory)
        entry = _ACTIONS[action](current, card_id, who, role, text)
    except TmrplanError as error:
        st.error(md(str(error)))
        return
    record(
        _AUDIT_KIND[action],
        actor=entry.who,
        card_id=entry.card_id,
        version=entry.version,
        content_hash=entry.content_hash,
        role=entry.role,
        **({"text": entry.text} if action == "comment" else {}),
    )
    planner.clear()  # the cards changed on disk: the next page load uses them
    st.success(md(f"Recorded: {action} of {entry.card_id} v{entry.version} by {entry.who}."))
