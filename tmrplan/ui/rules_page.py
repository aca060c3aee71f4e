"""Rules page (governance): every card with its status, approval, review dates, sources, tests and
ledger entries, filtered and sorted by status and review date, and the review actions (comment,
submit for review, approve, retire) for a reviewer signed in through the hospital's identity
provider and listed in the signers file (:mod:`tmrplan.ui.reviewer`), each entry signed by the
server's key. Approve and retire ask for confirmation of the content read first."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from tmrplan.errors import TmrplanError
from tmrplan.governance.actions import (
    approve,
    check_approve,
    check_retire,
    comment,
    retire,
    submit_for_review,
)
from tmrplan.knowledge.describe import describe_source
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.render import markdown
from tmrplan.render.document import Document, Span, Table, cite, fixed
from tmrplan.rules.cards import RuleBook, RuleCard, load_rulebook
from tmrplan.rules.facts import FACTS
from tmrplan.rules.ledger import LedgerEntry, load_ledger
from tmrplan.rules.ranking import FIRED, OUTCOMES, RankingCard, RankingKey, RankingTest
from tmrplan.rules.selftest import (
    expected_in_words,
    inputs_in_words,
    run_card_tests,
    value_in_words,
)
from tmrplan.rules.signing import Signer
from tmrplan.ui.resources import planner, record
from tmrplan.ui.reviewer import Reviewer, current_reviewer, sign_in_panel
from tmrplan.ui.widgets import bullet_list, md

if TYPE_CHECKING:  # a name pytest would try to collect from this module's doctests
    from tmrplan.rules.selftest import TestResult

Action = Callable[..., LedgerEntry]
Card = RuleCard | RankingCard  # every governed card: the rule cards and the ranking card
# What each choice of the review form does, and the audit log's word for it.
_ACTIONS: dict[str, Action] = {
    "comment": comment,
    "submit for review": submit_for_review,
    "approve": approve,
    "retire": retire,
}
_AUDIT_KIND = {
    "comment": "comment",
    "submit for review": "submission",
    "approve": "approval",
    "retire": "retirement",
}
_CONFIRMED = ("approve", "retire")  # these two change what runs: a second step confirms them
_CONSEQUENCE = {
    "approve": "Approving sets the card active at exactly this content, with you as its reviewer; "
    "plans then use it without the PREVIEW mark once every running card is approved.",
    "retire": "Retiring stops the card running in any plan; it stays in the record and the ledger.",
}

STATUSES = ("draft", "in_review", "active", "retired")
SORTS: dict[str, Callable[[Card], Any]] = {
    "review due, soonest first": lambda c: (c.review_due, c.id),
    "review due, latest first": lambda c: (-c.review_due.toordinal(), c.id),
    "status (draft first), then review due": lambda c: (
        STATUSES.index(c.status),
        c.review_due,
        c.id,
    ),
    "card id": lambda c: c.id,
}
DUE = ("any date", "overdue", "within 90 days", "within a year")
_DUE_DAYS = {"within 90 days": 90, "within a year": 365}


def render() -> None:
    """Draw the rules page."""
    service = planner()
    book = service.rulebook
    st.title("Rule cards")
    st.caption(f"Rules {md(book.version)}")
    approved = len(book.approved)
    running = len(book.running) + 1  # and the ranking card, which every plan uses
    if book.unapproved:
        st.warning(
            f"{approved} of {running} running cards (the ranking card included) are approved by "
            "clinical governance at their current content. Until all are, every plan is marked "
            "PREVIEW."
        )
    else:
        st.success(f"All {running} running cards are approved at their current content.")
    try:
        show_cards(book, choose_cards(book))
    except TmrplanError as error:
        st.error(public_message(error, book.directory))
    st.divider()
    review_form(book)
    st.divider()
    impact_view()


def public_message(error: Exception, rules_dir: Path) -> str:
    """An error's message as safe Markdown without the server's paths: a file of the rules
    folder by its name there, any other path by its last part.

    Example:
        >>> from tmrplan.errors import RuleFileError
        >>> error = RuleFileError("bad", path="/srv/app/rules/risk_low.yaml", line=3, rule_id="R")
        >>> public_message(error, Path("/srv/app/rules"))
        'risk\\\\_low.yaml\\\\:3 \\\\[rule R\\\\]\\\\: bad'
    """
    text = str(error)
    for root in {str(rules_dir), str(rules_dir.resolve())}:
        text = text.replace(root + os.sep, "").replace(root, rules_dir.name)
    # Whatever else names a server path (a base folder, a git repository): its last part only.
    text = re.sub(r"(?<![\w.~-])(?:/[^\s/'\"():,]+)+/([^\s/'\"():,]+)", r"\1", text)
    return md(text)


def choose_cards(book: RuleBook) -> list[Card]:
    """The filter and sort controls, and the cards they choose (the ranking card among them),
    in order."""
    # Status on a row of its own: four chosen statuses fit a tablet's width there.
    statuses = st.multiselect("Status", STATUSES, default=list(STATUSES), key="rules_status")
    middle, right = st.columns(2)
    due = middle.selectbox("Review due", DUE, key="rules_due")
    order = right.selectbox("Sort by", list(SORTS), key="rules_sort")
    cards = sorted(
        (c for c in book.governed if c.status in statuses and _due_matches(c, due)),
        key=SORTS[order],
    )
    total = len(book.governed)
    if len(cards) == total:
        st.caption(f"All {total} cards shown, sorted by {order}.")
    else:
        shown = ", ".join(statuses) or "none"
        st.caption(
            f"{len(cards)} of {total} cards shown (status: {md(shown)}; review due: {due}), "
            f"sorted by {order}; {total - len(cards)} more hidden by the filter."
        )
    return cards


def _due_matches(card: Card, due: str, today: dt.date | None = None) -> bool:
    today = today or dt.date.today()
    if due == "overdue":
        return card.is_overdue(today)
    if due in _DUE_DAYS:
        return card.review_due <= today + dt.timedelta(days=_DUE_DAYS[due])
    return True


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

    service = planner()
    try:
        with st.spinner("Planning the reference cases under both…"):
            report = impact(base, service, sweep=False)
    except TmrplanError as error:
        st.error(public_message(error, service.rulebook.directory))
        return
    # The report's own Markdown escapes every label it quotes.
    st.markdown(to_markdown(report))


def source_line(kb: KnowledgeBase, source_id: str) -> str:
    """A card's source as safe Markdown: its label (the shared ``cite``, so a DOI or PubMed id
    links as everywhere else), kind and evidence type, its title, and its web page when it has
    no DOI or PubMed id to link."""
    source = describe_source(kb, TMR[source_id])
    parts = cite(source, details=[source.get("kind"), source.get("evidence_type")])
    title = source.get("title")
    if title and str(title) != str(source["label"]):
        parts += [fixed(" — "), Span(str(title), italic=True)]
    if source.get("url") and not (source.get("doi") or source.get("pmid")):
        parts += [fixed(" · "), Span("web page", link=str(source["url"]))]
    return markdown.inline(tuple(parts))


def source_label(kb: KnowledgeBase, source_id: str) -> str:
    """A source by its label alone as safe Markdown, its DOI or PubMed id linked (the shared
    ``cite``): where a list repeats sources whose titles are given once below it."""
    return markdown.inline(tuple(cite(describe_source(kb, TMR[source_id]))))


def show_cards(book: RuleBook, cards: list[Card]) -> None:
    """One expander per card: what it says, its sources, who wrote and reviewed it, each of its
    tests with inputs and expected outcome, and its ledger entries. The ranking card shows its
    keys in order, in words, where a rule card shows its conditions and flag."""
    service = planner()
    results = run_card_tests(book, service.engine)
    ledger = load_ledger(book.directory)
    if not cards:
        st.info("No card matches the filter.")
    for card in cards:
        overdue = " · REVIEW OVERDUE" if card.is_overdue() else ""
        state = "approved" if card.id in book.approved else "NOT APPROVED"
        kind = "ranking card" if isinstance(card, RankingCard) else card.severity.value
        with st.expander(
            f"{md(card.id)} v{md(card.version)} · {card.status} · {state} · "
            f"{kind} · review due {card.review_due.isoformat()}{overdue}"
        ):
            st.write(f"**{md(card.title)}**")
            st.write(md(card.rationale))
            if isinstance(card, RankingCard):
                ranking_body(book, service.kb, card)
            else:
                rule_body(book, service.kb, card, [r for r in results if r.card is card])
            st.write("Ledger:")
            bullet_list(md(ledger.in_words(e)) for e in ledger.about(card.id))


def _review_lines(book: RuleBook, card: Card) -> None:
    overdue = " · REVIEW OVERDUE" if card.is_overdue() else ""
    st.write(
        f"Author: {md(card.author)} · reviewer: {md(card.reviewer)} · "
        f"review due {card.review_due.isoformat()}{overdue}"
    )
    st.write(f"Approval: {md(book.approval_state(card))}")
    st.caption(f"Content hash {card.content_hash} · file {md(card.path.name)}, line {card.line}")


def rule_body(book: RuleBook, kb: KnowledgeBase, card: RuleCard, mine: list[TestResult]) -> None:
    """A rule card's conditions, flag, review facts, sources and tests."""
    st.write(f"When: {md(card.conditions_in_words())}")
    st.write(f"Flag: {md(card.code)} ({card.severity.value}) — {md(card.message)}")
    _review_lines(book, card)
    st.write("Sources:")
    bullet_list(source_line(kb, s) for s in card.sources)
    if card.runs:
        passed = sum(r.passed for r in mine)
        st.write(f"Tests: {passed}/{len(mine)} pass")
        rows = tuple(
            (
                r.test.name,
                inputs_in_words(card, r.test),
                expected_in_words(card, r.test),
                r.outcome_in_words(),
            )
            for r in mine
        )
    else:
        st.write(f"Tests: not run (the card is retired); {len(card.tests)} written")
        rows = tuple(
            (t.name, inputs_in_words(card, t), expected_in_words(card, t), "not run")
            for t in card.tests
        )
    table = Table(("test", "inputs", "expected", "result"), rows)
    # The Markdown backend escapes every cell: test names and values are data.
    st.markdown(markdown.to_markdown(Document("tests", (table,))))


def ranking_body(book: RuleBook, kb: KnowledgeBase, card: RankingCard) -> None:
    """The ranking card: its keys in order and in words (what each reads, which value comes
    first, why, and its sources), its review facts and sources, and its tests (each option's
    facts in, the expected order out)."""
    st.write(
        "Orders each nerve's donor options. The keys apply in turn: each decides only between "
        "options the keys before it leave equal. An option whose value for a key is not known "
        "comes after those whose value is known; options equal after every key are shown as "
        "tied."
    )
    st.write(f"Keys, in order ({len(card.keys)}):")
    st.markdown(
        "\n".join(
            f"{n}. {key_in_words(key, book)}\n   - Why: {md(key.rationale)}\n   - Sources: "
            + "; ".join(source_label(kb, s) for s in key.sources)
            for n, key in enumerate(card.keys, 1)
        )
    )
    _review_lines(book, card)
    st.write("Sources of the card and its keys:")
    every = dict.fromkeys([*card.sources, *(s for key in card.keys for s in key.sources)])
    bullet_list(source_line(kb, s) for s in every)
    failed = card.failing_tests()
    rows = tuple(
        (
            test.name,
            ranking_inputs_in_words(test),
            order_in_words(test.expect),
            "FAIL" if any(f.startswith(f"test {test.name!r}:") for f in failed) else "pass",
        )
        for test in card.tests
    )
    passed = sum(row[3] == "pass" for row in rows)
    st.write(f"Tests: {passed}/{len(rows)} pass (options in, the expected order out)")
    table = Table(("test", "inputs", "expected order", "result"), rows)
    # The Markdown backend escapes every cell: test names and values are data.
    st.markdown(markdown.to_markdown(Document("ranking tests", (table,))))


def key_in_words(key: RankingKey, book: RuleBook | None = None) -> str:
    """A ranking key as safe Markdown: its name in bold, what it reads and which value comes
    first, and what that means: a fact's meaning, an outcome's order, a rule card's title.

    Example:
        >>> from tmrplan.rules.cards import load_rulebook
        >>> keys = load_rulebook().ranking.keys
        >>> key_in_words(keys[0])  # doctest: +ELLIPSIS
        '**published in patients**\\\\: clinical pattern, yes first (a published pattern reports...'
        >>> key_in_words(next(k for k in keys if k.outcome == "donor_status"))
        '**donor status**\\\\: donor status, least cautious first (redundant, then partial, then functional)'
    """
    name, _, rest = key.in_words().partition(": ")
    if key.fact is not None:
        meaning: str | None = FACTS[key.fact].meaning
    elif key.outcome is not None:
        order = OUTCOMES[key.outcome]
        meaning = ", then ".join(
            sorted((v for v in order if v != "unknown"), key=lambda v: order[v])
        )
    else:
        # The rulebook refuses a ranking key that reads no running card: get() finds it.
        meaning = f"the card “{book.get(key.rule).title}”" if book and key.rule else None
    return f"**{md(name)}**" + md(f": {rest}" + (f" ({meaning})" if meaning else ""))


def ranking_inputs_in_words(test: RankingTest) -> str:
    """A ranking test's inputs: the case's facts, then each option with the facts it states
    (the rule cards that fired for it in words), in the test's order.

    Example:
        >>> test = RankingTest(
        ...     "t", {"myoelectric_prosthesis": True},
        ...     {"a": {"septa_crossed": 0, "fired_rules": ["TMR-DISTAL-TARGET"]}, "b": {}},
        ...     (("a",), ("b",)),
        ... )
        >>> ranking_inputs_in_words(test)
        'case: myoelectric prosthesis = yes; a: septa crossed = 0, flagged by TMR-DISTAL-TARGET; b: nothing stated'
    """
    parts = []
    if test.case:
        parts.append("case: " + _facts_in_words(test.case))
    for name, facts in test.options.items():
        parts.append(f"{name}: {_facts_in_words(facts) or 'nothing stated'}")
    return "; ".join(parts)


def _facts_in_words(facts: dict[str, Any]) -> str:
    words = []
    for name, value in facts.items():
        if name == FIRED:
            words.append(f"flagged by {' and '.join(value)}" if value else "no card fired")
        else:
            words.append(f"{name.replace('_', ' ')} = {value_in_words(value)}")
    return ", ".join(words)


def order_in_words(groups: tuple[tuple[str, ...], ...]) -> str:
    """An expected order: ``a before b``, a tie as ``(b = c, tied)``.

    Example:
        >>> order_in_words((("a",), ("b", "c")))
        'a, then (b = c, tied)'
    """
    return ", then ".join(g[0] if len(g) == 1 else f"({' = '.join(g)}, tied)" for g in groups)


def review_form(book: RuleBook) -> None:
    """Comment on, submit for review, approve or retire a card; the signed entry goes to the
    ledger and the event to the audit log. Approve and retire wait for a confirmation of the
    content read. Off, saying why, until a listed reviewer signs in."""
    st.subheader("Review a card")
    st.caption(
        "Reviews are signed: you sign in through the hospital's identity provider, your roles "
        "come from the signers file the committee reviews, and the server signs each entry of "
        "the approvals ledger with its key, naming your identity. A draft is submitted for "
        "review first; an author cannot approve their own card; approving sets the card active "
        "at its current content."
    )
    reviewer = current_reviewer(book.directory)
    sign_in_panel(reviewer)
    off = not isinstance(reviewer, Reviewer)
    if isinstance(reviewer, str):
        st.info(reviewer)
    with st.form("review", border=True):
        card_id = st.selectbox(
            "Card", [c.id for c in book.governed], key="review_card", disabled=off
        )
        action = st.radio(
            "Action", list(_ACTIONS), horizontal=True, key="review_action", disabled=off
        )
        roles = [s.role for s in reviewer.signers] if isinstance(reviewer, Reviewer) else []
        role = st.selectbox(
            "Your role (from the signers file)",
            roles,
            # Keyed by the roles offered: another reviewer signing in gets their own choice.
            key=f"review_role:{'|'.join(roles)}",
            disabled=off,
        )
        text = st.text_area(
            "Comment or note (about the rule card: never patient details)",
            key="review_text",
            max_chars=2000,
            disabled=off,
        )
        submitted = st.form_submit_button("Record", disabled=off)
    done = st.session_state.pop("review_done", None)
    if done:  # below the form, where the reviewer's eyes are after Record or Confirm
        st.success(done)
    failed = st.session_state.pop("review_failed", None)
    if failed:
        st.error(failed)
    if submitted and isinstance(reviewer, Reviewer):
        st.session_state.pop("review_pending", None)
        _recorded(book, action, card_id, reviewer, role, text)
    confirmation(book, reviewer)


def _recorded(
    book: RuleBook, action: str, card_id: str, reviewer: Reviewer, role: str | None, text: str
) -> None:
    """Record a comment or submission now; check an approval or retirement and ask to confirm."""
    signer = reviewer.as_role(role or "")
    if signer is None:
        st.error("Choose your role: the signers file lists the roles you may review in.")
        return
    try:
        # Fresh from disk: another reviewer may have written since this page was drawn.
        current = load_rulebook(book.directory)
        if action not in _CONFIRMED:
            _finish(current, action, card_id, signer, text)
            return
        card = (
            check_approve(current, card_id, signer)
            if action == "approve"
            else check_retire(current, card_id)
        )
    except TmrplanError as error:
        st.error(public_message(error, book.directory))
        return
    st.session_state["review_pending"] = {
        "action": action,
        "card_id": card.id,
        "version": card.version,
        "content_hash": card.content_hash,
        "principal": signer.principal,
        "text": text,
    }


def confirmation(book: RuleBook, reviewer: Reviewer | str) -> None:
    """The second step of an approval or retirement: the reviewer confirms they read the card at
    the content hash the ledger will record; nothing is written until then (nor if the reviewer
    signed out, or in as someone else, since)."""
    pending = st.session_state.get("review_pending")
    if not pending:
        return
    signer = next(
        (s for s in getattr(reviewer, "signers", ()) if s.principal == pending["principal"]),
        None,
    )
    if signer is None:
        st.session_state.pop("review_pending", None)
        st.error(
            "The reviewer who asked to confirm is no longer signed in, or no longer listed in "
            "the signers file with that role: nothing was written."
        )
        return
    action, card_id, short = pending["action"], pending["card_id"], pending["content_hash"][:12]
    with st.container(border=True, key="review_confirmation"):
        st.warning(
            md(
                f"Confirm: {action} {card_id} v{pending['version']} as {signer.name} "
                f"({signer.principal})."
            )
            + " "
            + _CONSEQUENCE[action]
        )
        st.caption(
            "Read the card's wording, conditions, sources and tests above first: the ledger "
            "records the content hash you confirm, and refuses if the card changed since."
        )
        read = st.checkbox(
            md(f"I have read {card_id} v{pending['version']} at content hash {short}"),
            key=f"review_read_{card_id}_{short}",  # a fresh box for each content read
        )
        left, right = st.columns(2)
        confirmed = left.button(
            f"Confirm: {action} {card_id}", key="review_confirm", disabled=not read, type="primary"
        )
        if right.button("Cancel", key="review_cancel"):
            st.session_state.pop("review_pending", None)
            st.rerun()
    if not confirmed:
        return
    try:
        current = load_rulebook(book.directory)
        _finish(
            current, action, card_id, signer, pending["text"], read_hash=pending["content_hash"]
        )
    except TmrplanError as error:
        st.session_state.pop("review_pending", None)
        # Drawn again without the confirmation box, which would offer to confirm once more.
        st.session_state["review_failed"] = public_message(error, book.directory)
        st.rerun()


def _finish(
    book: RuleBook, action: str, card_id: str, signer: Signer, text: str, **checks: str
) -> None:
    """Write the signed ledger entry and the audit event, then redraw the page from the new
    cards."""
    entry = _ACTIONS[action](book, card_id, signer, text, **checks)
    record(
        _AUDIT_KIND[action],
        actor=entry.who,
        card_id=entry.card_id,
        version=entry.version,
        content_hash=entry.content_hash,
        role=entry.role,
        **({"text": entry.text} if action == "comment" else {}),
    )
    st.session_state.pop("review_pending", None)
    st.session_state["review_done"] = md(
        f"Recorded: {action} of {entry.card_id} v{entry.version} by {entry.who}, signed as "
        f"{entry.principal} (content hash {entry.content_hash[:12]})."
    )
    planner.clear()  # the cards changed on disk: the redrawn page uses them
    st.rerun()
