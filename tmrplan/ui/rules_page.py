"""Rules page (governance, read-only): every card with its status, review dates and test results."""

from __future__ import annotations

import streamlit as st

from tmrplan.ruletests import run_card_tests
from tmrplan.ui.resources import planner
from tmrplan.ui.widgets import md


def render() -> None:
    """Draw the rules page."""
    service = planner()
    book = service.rulebook
    st.title("Rule cards")
    st.caption(
        f"Rules {book.version}. Read-only here. Every shipped card is a draft awaiting clinical review."
    )
    results = run_card_tests(book, service.engine)
    for card in book.cards:
        mine = [r for r in results if r.card is card]
        passed = sum(r.passed for r in mine)
        overdue = " · REVIEW OVERDUE" if card.is_overdue() else ""
        with st.expander(
            f"{md(card.id)} v{md(card.version)} · {card.status} · {card.severity.value}{overdue}"
        ):
            st.write(f"**{md(card.title)}**")
            st.write(md(card.rationale))
            st.write(f"When: {md(card.conditions_in_words())}")
            st.write(f"Flag: {md(card.code)} — {md(card.message)}")
            st.write(
                f"Author: {md(card.author)} · reviewer: {md(card.reviewer)} · "
                f"review due {card.review_due.isoformat()}{overdue}"
            )
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
