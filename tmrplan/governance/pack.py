"""The governance pack: every rule card as a one-page sheet (Markdown or PDF), and an indented
CSV on which reviewers mark Include / Exclude and write notes.

Each sheet carries what a reviewer needs to decide: rationale, conditions in words, the flag it
raises, sources, its own tests with their inputs, expected flag and results, how often it fired
across the exhaustive sweep (every neuroma nerve at every level it reaches), review dates,
approval state and ledger entries.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tmrplan.hashchain import GENESIS, ChainHead
from tmrplan.knowledge.describe import describe_source
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.planner import Planner
from tmrplan.planning.sweep import fire_counts, plan_all, sweep_cases
from tmrplan.render import markdown
from tmrplan.render.document import (
    Block,
    Bullets,
    Document,
    Heading,
    Inline,
    Item,
    PageBreak,
    Paragraph,
    Span,
    Table,
    cite,
    fixed,
    spans,
    term,
)
from tmrplan.rules.cards import RuleCard
from tmrplan.rules.ledger import load_ledger
from tmrplan.rules.ranking import RankingCard
from tmrplan.rules.selftest import expected_in_words, inputs_in_words, run_card_tests

if TYPE_CHECKING:
    # Under TYPE_CHECKING only: a module-level name starting with "Test" is collected by pytest's
    # doctest run of this module, and its collection warning is an error there.
    from tmrplan.rules.selftest import TestResult


@dataclass(frozen=True)
class CardSheet:
    """Everything one card's page shows."""

    card: RuleCard
    approval: str
    tests: tuple[TestResult, ...]
    fired: int
    sources: tuple[str, ...]  # the citations as plain text, for the CSV
    ledger: tuple[str, ...]  # its ledger entries in words, with whether each counts
    citations: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class RankingSheet:
    """What the ranking card's page shows: its keys in order, approval, sources and ledger."""

    card: RankingCard
    approval: str
    ledger: tuple[str, ...]  # its ledger entries in words, with whether each counts
    citations: tuple[Inline, ...] = ()


NO_LEDGER = ChainHead(0, GENESIS)
"""The head of an empty (or absent) approvals ledger."""


@dataclass(frozen=True)
class GovernancePack:
    """The sheets of every card, with the sweep they were counted over."""

    rules_version: str
    kb_version: str
    sweep_cases: int
    made_on: dt.date
    sheets: tuple[CardSheet, ...]
    ranking: RankingSheet | None = None
    # The approvals ledger the approvals were read from: its count and newest hash.
    ledger_head: ChainHead = NO_LEDGER


def build_pack(planner: Planner, made_on: dt.date | None = None) -> GovernancePack:
    """Run every card's tests and the sweep, and gather each card's sheet."""
    book, kb = planner.rulebook, planner.kb
    results = run_card_tests(book, planner.engine)
    cases = sweep_cases(kb, planner.index)
    fired = fire_counts(plan_all(planner, cases))
    ledger = load_ledger(book.directory)
    sheets = []
    for card in book.cards:
        citations = tuple(
            tuple(cite(source, details=[source.get("kind", "source")]))
            for source in (describe_source(kb, TMR[s]) for s in card.sources)
        )
        sheets.append(
            CardSheet(
                card=card,
                approval=book.approval_state(card),
                tests=tuple(r for r in results if r.card is card),
                fired=fired.get(card.id, 0),
                sources=tuple("".join(span.text for span in c) for c in citations),
                ledger=tuple(map(ledger.in_words, ledger.about(card.id))),
                citations=citations,
            )
        )
    ranking = RankingSheet(
        card=book.ranking,
        approval=book.approval_state(book.ranking),
        ledger=tuple(map(ledger.in_words, ledger.about(book.ranking.id))),
        citations=tuple(
            tuple(cite(source, details=[source.get("kind", "source")]))
            for source in (describe_source(kb, TMR[s]) for s in book.ranking.sources)
        ),
    )
    return GovernancePack(
        book.version,
        kb.version,
        len(cases),
        made_on or dt.date.today(),
        tuple(sheets),
        ranking,
        ledger.head,
    )


def _review_facts(card: RuleCard | RankingCard, approval: str) -> list[tuple[str, str]]:
    """What every governed card's page opens with: version, status, approval and review."""
    overdue = " — REVIEW OVERDUE" if card.is_overdue() else ""
    return [
        ("Version", card.version),
        ("Status", card.status),
        ("Approval", approval),
        ("Author", card.author),
        ("Reviewer", card.reviewer),
        ("Review due", card.review_due.isoformat() + overdue),
    ]


def _ranking_blocks(sheet: RankingSheet) -> list[Block]:
    card = sheet.card
    facts = [
        *_review_facts(card, sheet.approval),
        ("Content hash", card.content_hash),
        ("File", f"{card.path.name}, line {card.line}"),
    ]
    return [
        PageBreak(),
        Heading(2, (Span(card.id), fixed(": "), Span(card.title))),
        Bullets(tuple(Item((term(f"{k}: "), Span(v))) for k, v in facts)),
        Paragraph((term("Rationale. "), Span(card.rationale))),
        Heading(3, "Keys, in order"),
        Table(
            ("#", "key", "rationale", "sources"),
            tuple(
                (str(n), key.in_words(), key.rationale, ", ".join(key.sources))
                for n, key in enumerate(card.keys, 1)
            ),
        ),
        Paragraph(
            spans(
                "An option whose value for a key is unknown comes after those whose value is "
                "known; options equal after every key are shown as tied."
            )
        ),
        Heading(3, "Sources"),
        Bullets(tuple(Item(c) for c in sheet.citations), empty="none"),
        Heading(3, "Tests"),
        Table(
            ("test", "expected order", "result"),
            tuple((t.name, _order(t.expect), "pass") for t in card.tests),
        ),
        Heading(3, "Ledger"),
        Bullets(tuple(Item(spans(line)) for line in sheet.ledger), empty="no entries"),
    ]


def _order(groups: tuple[tuple[str, ...], ...]) -> str:
    return " > ".join(g[0] if len(g) == 1 else "(" + " = ".join(g) + " tied)" for g in groups)


def _facts(sheet: CardSheet) -> list[tuple[str, str]]:
    card = sheet.card
    return [
        *_review_facts(card, sheet.approval),
        ("When", card.conditions_in_words()),
        ("Flag", f"{card.code} ({card.severity.value}): {card.message}"),
        ("Fired across the sweep", f"{sheet.fired} time(s)"),
        ("Content hash", card.content_hash),
        ("File", f"{card.path.name}, line {card.line}"),
    ]


def pack_document(pack: GovernancePack) -> Document:
    """The pack as one document: an introduction, then each card on a page of its own.

    Example:
        >>> pack = GovernancePack("rules 1", "kb 1", 0, dt.date(2026, 1, 2), ())
        >>> pack_document(pack).blocks[0]
        Heading(level=1, text='Rule cards for clinical governance review')
    """
    blocks: list[Block] = [
        Heading(1, "Rule cards for clinical governance review"),
        Paragraph(
            spans(
                f"Rules {pack.rules_version} · knowledge base {pack.kb_version} · made "
                f"{pack.made_on.isoformat()} · fire counts over {pack.sweep_cases} sweep cases "
                "(every neuroma nerve at every level it reaches, with no context stated, so rules "
                "on the case's context count 0 there)"
            )
        ),
        Paragraph(
            spans(
                f"Approvals ledger at {pack.ledger_head.in_words()} (full hash "
                f"{pack.ledger_head.head}): a ledger found later with fewer entries, or another "
                "entry there, was cut or replaced."
            )
        ),
    ]
    if pack.ranking is not None:
        blocks += _ranking_blocks(pack.ranking)
    for sheet in pack.sheets:
        card = sheet.card
        blocks += [
            PageBreak(),
            Heading(2, (Span(card.id), fixed(": "), Span(card.title))),
            Bullets(tuple(Item((term(f"{k}: "), Span(v))) for k, v in _facts(sheet))),
            Paragraph((term("Rationale. "), Span(card.rationale))),
            Heading(3, "Sources"),
            Bullets(tuple(Item(c) for c in sheet.citations), empty="none"),
            Heading(3, "Tests"),
            Table(
                ("test", "inputs", "expected", "result"),
                tuple(
                    (
                        r.test.name,
                        inputs_in_words(card, r.test),
                        expected_in_words(card, r.test),
                        r.outcome_in_words(),
                    )
                    for r in sheet.tests
                ),
            ),
            Heading(3, "Ledger"),
            Bullets(tuple(Item(spans(line)) for line in sheet.ledger), empty="no entries"),
        ]
    return Document(
        "Rule cards for clinical governance review",
        tuple(blocks),
        stamp=f"tmrplan rule cards · rules {pack.rules_version} · ledger "
        f"{pack.ledger_head.count}/{pack.ledger_head.head[:12]} · made {pack.made_on.isoformat()}",
        footer="For clinical governance review of tmrplan's rule cards.",
        created=pack.made_on,
    )


def to_markdown(pack: GovernancePack) -> str:
    """The pack as Markdown: one section per card, each after a rule so it prints on its own page."""
    return markdown.to_markdown(pack_document(pack))


def to_pdf(pack: GovernancePack) -> bytes:
    """The pack as a PDF, one card per page."""
    from tmrplan.render.pdf import to_pdf as render_pdf  # fpdf2 only when a PDF is asked for

    return render_pdf(pack_document(pack))


def to_review_csv(pack: GovernancePack) -> str:
    """An indented CSV: a row per card, then its conditions, tests and sources indented under
    it, each with empty Include / Exclude / Notes columns for the reviewer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["item", "detail", "Include", "Exclude", "Notes"])
    if pack.ranking is not None:
        ranking = pack.ranking.card
        writer.writerow(
            [
                ranking.id,
                f"v{ranking.version} · {ranking.status} · {pack.ranking.approval} · {ranking.title}",
                "",
                "",
                "",
            ]
        )
        writer.writerow(["  rationale", ranking.rationale, "", "", ""])
        for n, key in enumerate(ranking.keys, 1):
            writer.writerow([f"  key {n}", f"{key.in_words()} — {key.rationale}", "", "", ""])
    for sheet in pack.sheets:
        card = sheet.card
        writer.writerow(
            [
                card.id,
                f"v{card.version} · {card.status} · {sheet.approval} · {card.title}",
                "",
                "",
                "",
            ]
        )
        writer.writerow(["  rationale", card.rationale, "", "", ""])
        for condition in card.conditions:
            writer.writerow(["  condition", condition.in_words(), "", "", ""])
        writer.writerow(
            ["  flag", f"{card.code} ({card.severity.value}): {card.message}", "", "", ""]
        )
        writer.writerow(["  fired across the sweep", str(sheet.fired), "", "", ""])
        for result in sheet.tests:
            outcome = "pass" if result.passed else "FAIL"
            detail = (
                f"{result.test.name} ({_expect(result)}; inputs: "
                f"{inputs_in_words(card, result.test)}): {outcome}"
            )
            writer.writerow(["  test", detail, "", "", ""])
        for source in sheet.sources:
            writer.writerow(["  source", source, "", "", ""])
    return buffer.getvalue()


def _expect(result: TestResult) -> str:
    return "should fire" if result.test.expect_fire else "should not fire"
