"""The governance pack: every rule card as a one-page sheet (Markdown or PDF), and an indented
CSV on which reviewers mark Include / Exclude and write notes.

Each sheet carries what a reviewer needs to decide: rationale, conditions in words, the flag it
raises, sources, its own tests with results, how often it fired across the exhaustive sweep
(every neuroma nerve at every level it reaches), review dates, approval state and ledger entries.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from tmrplan.knowledge.describe import describe_source
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.planner import Planner
from tmrplan.planning.sweep import fire_counts, plan_all, sweep_cases
from tmrplan.rules.cards import RuleCard
from tmrplan.rules.ledger import LedgerEntry, load_ledger
from tmrplan.rules.selftest import TestResult, run_card_tests
from tmrplan.text import escape_markdown as md


@dataclass(frozen=True)
class CardSheet:
    """Everything one card's page shows."""

    card: RuleCard
    approval: str
    tests: tuple[TestResult, ...]
    fired: int
    sources: tuple[str, ...]
    ledger: tuple[LedgerEntry, ...]


@dataclass(frozen=True)
class GovernancePack:
    """The sheets of every card, with the sweep they were counted over."""

    rules_version: str
    kb_version: str
    sweep_cases: int
    made_on: dt.date
    sheets: tuple[CardSheet, ...]


def build_pack(planner: Planner, made_on: dt.date | None = None) -> GovernancePack:
    """Run every card's tests and the sweep, and gather each card's sheet."""
    book, kb = planner.rulebook, planner.kb
    results = run_card_tests(book, planner.engine)
    cases = sweep_cases(kb, planner.index)
    fired = fire_counts(plan_all(planner, cases))
    ledger = load_ledger(book.directory)
    sheets = []
    for card in book.cards:
        sources = tuple(_cite(describe_source(kb, TMR[s])) for s in card.sources)
        sheets.append(
            CardSheet(
                card=card,
                approval=book.approval_state(card),
                tests=tuple(r for r in results if r.card is card),
                fired=fired.get(card.id, 0),
                sources=sources,
                ledger=ledger.about(card.id),
            )
        )
    return GovernancePack(
        book.version, kb.version, len(cases), made_on or dt.date.today(), tuple(sheets)
    )


def _cite(source: dict[str, str]) -> str:
    ids = " ".join(f"{k.upper()} {source[k]}" for k in ("doi", "pmid") if source.get(k))
    return f"{source['label']} ({source.get('kind', 'source')})" + (f" — {ids}" if ids else "")


def _facts(sheet: CardSheet) -> list[tuple[str, str]]:
    card = sheet.card
    overdue = " — REVIEW OVERDUE" if card.is_overdue() else ""
    return [
        ("Version", card.version),
        ("Status", card.status),
        ("Approval", sheet.approval),
        ("Author", card.author),
        ("Reviewer", card.reviewer),
        ("Review due", card.review_due.isoformat() + overdue),
        ("When", card.conditions_in_words()),
        ("Flag", f"{card.code} ({card.severity.value}): {card.message}"),
        ("Fired across the sweep", f"{sheet.fired} time(s)"),
        ("Content hash", card.content_hash),
        ("File", f"{card.path.name}, line {card.line}"),
    ]


def to_markdown(pack: GovernancePack) -> str:
    """The pack as Markdown: one section per card, meant to print one card per page."""
    out = [
        "# Rule cards for clinical governance review",
        "",
        f"Rules `{pack.rules_version}` · knowledge base `{pack.kb_version}` · made "
        f"{pack.made_on.isoformat()} · fire counts over {pack.sweep_cases} sweep cases "
        "(every neuroma nerve at every level it reaches, with no context stated, so rules on "
        "the case's context count 0 there)",
        "",
    ]
    for sheet in pack.sheets:
        card = sheet.card
        out += [f"## {md(card.id)}: {md(card.title)}", ""]
        out += [f"- **{k}:** {md(v)}" for k, v in _facts(sheet)]
        out += ["", f"**Rationale.** {md(card.rationale)}", "", "**Sources**", ""]
        out += [f"- {md(s)}" for s in sheet.sources] + ["", "**Tests**", ""]
        out += [
            f"- {'pass' if r.passed else 'FAIL'}: {md(r.test.name)} ({_expect(r)})"
            for r in sheet.tests
        ]
        out += ["", "**Ledger**", ""]
        out += [f"- {md(_entry(e))}" for e in sheet.ledger] or ["- no entries"]
        out += ["", "---", ""]
    return "\n".join(out)


def to_pdf(pack: GovernancePack) -> bytes:
    """The pack as a PDF, one card per page."""
    from tmrplan.render.pdf import PdfDocument, Span  # fpdf2 only when a PDF is asked for

    doc = PdfDocument(
        "Rule cards for clinical governance review",
        stamp=f"tmrplan rule cards · rules {pack.rules_version} · made {pack.made_on.isoformat()}",
        footer="For clinical governance review of tmrplan's rule cards.",
        created=pack.made_on,
    )
    doc.heading("Rule cards for clinical governance review", 1)
    doc.paragraph(
        f"Rules {pack.rules_version} · knowledge base {pack.kb_version} · fire counts over "
        f"{pack.sweep_cases} sweep cases (every neuroma nerve at every level it reaches)."
    )
    for sheet in pack.sheets:
        doc.new_page()
        doc.heading(f"{sheet.card.id}: {sheet.card.title}", 2)
        for key, value in _facts(sheet):
            doc.bullet(Span(f"{key}: ", bold=True), value)
        doc.paragraph(Span("Rationale. ", bold=True), sheet.card.rationale)
        doc.heading("Sources", 3)
        for source in sheet.sources:
            doc.bullet(source)
        doc.heading("Tests", 3)
        doc.table(
            ["test", "expected", "result"],
            [[r.test.name, _expect(r), "pass" if r.passed else "FAIL"] for r in sheet.tests],
        )
        doc.heading("Ledger", 3)
        for entry in sheet.ledger or ():
            doc.bullet(_entry(entry))
        if not sheet.ledger:
            doc.paragraph("no entries")
    return doc.to_bytes()


def to_review_csv(pack: GovernancePack) -> str:
    """An indented CSV: a row per card, then its conditions, tests and sources indented under
    it, each with empty Include / Exclude / Notes columns for the reviewer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["item", "detail", "Include", "Exclude", "Notes"])
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
            writer.writerow(
                ["  test", f"{result.test.name} ({_expect(result)}): {outcome}", "", "", ""]
            )
        for source in sheet.sources:
            writer.writerow(["  source", source, "", "", ""])
    return buffer.getvalue()


def _expect(result: TestResult) -> str:
    return "should fire" if result.test.expect_fire else "should not fire"


def _entry(entry: LedgerEntry) -> str:
    note = f": {entry.text}" if entry.text else ""
    return f"{entry.at} {entry.action} by {entry.who} ({entry.role}), v{entry.version}{note}"
