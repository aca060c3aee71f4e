"""Renderings of an impact report: JSON-ready data, and one :class:`Document` drawn as terminal
text or as Markdown for review records (labels are data: the Markdown backend escapes them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from tmrplan.governance.impact.records import Cause, Change, ImpactReport
from tmrplan.planning.sweep import describe_case
from tmrplan.render import markdown, text
from tmrplan.render.document import (
    Block,
    Bullets,
    Document,
    Heading,
    Item,
    Paragraph,
    Span,
    Table,
    fixed,
    spans,
    term,
)

TITLE = "Impact of rule and ontology changes"
# Triples of the graphs' difference listed in full in a rendering (the JSON lists every one).
TRIPLES_SHOWN = 20


def to_json_dict(report: ImpactReport) -> dict[str, Any]:
    """The report as JSON-ready data (every change, every triple)."""
    return {
        "base": report.base,
        "current": report.current,
        "versions": report.versions,
        "cards": [{**asdict(c), "major_bumped": c.major_bumped} for c in report.cards],
        "triples": {"added": list(report.triples_added), "removed": list(report.triples_removed)},
        "compared": {
            "reference_cases": report.reference_cases,
            "sweep_cases": report.sweep_cases,
            "seconds": report.seconds,
        },
        "changed_cases": len(report.diffs),
        "cases": [
            {
                "key": d.key,
                "reference": d.reference,
                "case": d.case.to_dict(),
                "changes": [_change_dict(c) for c in d.changes],
            }
            for d in report.diffs
        ],
        "semver_violations": list(report.violations),
        "notes": list(report.notes),
    }


def _change_dict(change: Change) -> dict[str, Any]:
    data = asdict(change)
    data["causes"] = [
        {**asdict(c), "card": asdict(c.card) if c.card else None} for c in change.causes
    ]
    return data


def _summary(report: ImpactReport) -> list[str]:
    references = sum(d.reference for d in report.diffs)
    return [
        f"compared {report.reference_cases} reference case(s) and {report.sweep_cases} sweep "
        f"case(s) in {report.seconds:.1f} s: {len(report.diffs)} plan(s) change "
        f"({references} reference)",
        f"knowledge base {report.versions['base']['kb']} → {report.versions['current']['kb']}; "
        f"rules {report.versions['base']['rules']} → {report.versions['current']['rules']}",
    ]


def _grouped(
    changes: Sequence[Change],
) -> list[tuple[str, list[tuple[Change, tuple[Cause, ...]]]]]:
    """Changes grouped by nerve and option, each with its causes unless the previous had them."""
    groups: dict[str, list[tuple[Change, tuple[Cause, ...]]]] = {}
    for change in changes:
        group = groups.setdefault(change.where, [])
        repeated = bool(group) and group[-1][0].causes == change.causes
        group.append((change, () if repeated else change.causes))
    return list(groups.items())


def to_document(report: ImpactReport, cases_shown: int = 50) -> Document:
    """The report as a document: summary, cards and triples that differ, the semantic-versioning
    verdict, then each changed case with its changes and their causes.

    Args:
        report: what :func:`~tmrplan.governance.impact.impact` found.
        cases_shown: how many changed sweep cases to list in full (reference cases always are).

    Example:
        >>> from tmrplan.governance.impact.records import ImpactReport
        >>> versions = {side: {"kb": "k", "rules": "r"} for side in ("base", "current")}
        >>> doc = to_document(ImpactReport("HEAD", "working copy", versions, (), (), (), 3, 0, ()))
        >>> doc.blocks[0]
        Heading(level=1, text='Impact of rule and ontology changes')
    """
    facts = [
        Item(spans(term("Base: "), report.base, fixed(" · "), term("Current: "), report.current)),
        *[Item(spans(line)) for line in _summary(report)],
        *[
            Item(spans(Span("Note:", italic=True, template=True), fixed(" "), n))
            for n in report.notes
        ],
    ]
    blocks: list[Block] = [Heading(1, TITLE), Bullets(tuple(facts), marker="")]
    blocks.append(Heading(2, "Cards that differ"))
    if report.cards:
        rows = tuple(
            (
                c.rule_id,
                c.change,
                f"{c.old_version or '—'} → {c.new_version or '—'}",
                ", ".join(c.parts) or "—",
                "yes" if c.major_bumped else "no",
            )
            for c in report.cards
        )
        blocks.append(Table(("card", "change", "version", "parts", "MAJOR bumped"), rows))
    else:
        blocks.append(Paragraph(spans("None.")))
    added, removed = report.triples_added, report.triples_removed
    blocks += [
        Heading(2, "Knowledge graph"),
        Paragraph(spans(f"{len(added)} triple(s) added, {len(removed)} removed.")),
    ]
    for word, found in (("added", added), ("removed", removed)):
        if not found:
            continue
        if len(found) > TRIPLES_SHOWN:
            blocks.append(
                Paragraph(
                    spans(
                        f"{TRIPLES_SHOWN} of {len(found)} {word} triples shown (the JSON lists "
                        "every one):"
                    )
                )
            )
        listed = [Item(spans(fixed(f"{word}: "), t)) for t in found[:TRIPLES_SHOWN]]
        if len(found) > TRIPLES_SHOWN:
            more = len(found) - TRIPLES_SHOWN
            listed.append(Item(spans(f"… and {more} more {word} triple(s)")))
        blocks.append(Bullets(tuple(listed)))
    verdict = "VIOLATED" if report.violations else "ok"
    blocks.append(Heading(2, (fixed(f"Semantic versioning: {verdict}"),)))
    if report.violations:
        blocks.append(Bullets(tuple(Item(spans(v)) for v in report.violations)))
    else:
        blocks.append(Paragraph(spans("No violation.")))
    blocks.append(Heading(2, "Plans that change"))
    if not report.diffs:
        blocks.append(Paragraph(spans("None.")))
    sweep = [d for d in report.diffs if not d.reference]
    for diff in [d for d in report.diffs if d.reference] + sweep[:cases_shown]:
        label = "reference" if diff.reference else "sweep"
        blocks.append(Heading(3, f"{diff.key} — {describe_case(diff.case)} ({label})"))
        items = tuple(_where_item(w, c) for w, c in _grouped(diff.changes))
        blocks.append(Bullets(items, marker=""))
    if len(sweep) > cases_shown:
        more = len(sweep) - cases_shown
        blocks.append(
            Paragraph(spans(f"… and {more} more changed sweep case(s) (the JSON lists every one)."))
        )
    return Document(TITLE, tuple(blocks))


def _where_item(where: str, changes: list[tuple[Change, tuple[Cause, ...]]]) -> Item:
    """One nerve (and option), its changes nested under it, their causes under each.

    The text backend shows the nesting by indentation alone (no markers): these lines are long.
    """
    items = []
    for change, causes in changes:
        under = tuple(
            Item(
                spans(Span("cause:", italic=True, template=True), fixed(" "), cause.in_words()),
                Bullets(tuple(Item(spans(t)) for t in cause.triples), marker="")
                if cause.triples
                else None,
            )
            for cause in causes
        )
        items.append(
            Item(spans(change.values_in_words()), Bullets(under, marker="") if under else None)
        )
    return Item((Span(where, bold=True),), Bullets(tuple(items), marker=""))


def to_text(report: ImpactReport, cases_shown: int = 50) -> str:
    """The report for a terminal (see :func:`to_document`).

    Args:
        report: what :func:`~tmrplan.governance.impact.impact` found.
        cases_shown: how many changed sweep cases to list in full (reference cases always are).

    Example:
        >>> from tmrplan.governance.impact.records import ImpactReport
        >>> versions = {side: {"kb": "k", "rules": "r"} for side in ("base", "current")}
        >>> report = ImpactReport("HEAD", "working copy", versions, (), (), (), 3, 0, ())
        >>> print(to_text(report), end="")  # doctest: +ELLIPSIS
        Impact of rule and ontology changes
          Base: HEAD · Current: working copy
          compared 3 reference case(s) and 0 sweep case(s) in 0.0 s: 0 plan(s) change (0 reference)
          knowledge base k → k; rules r → r
        <BLANKLINE>
        Cards that differ
        None.
        <BLANKLINE>
        Knowledge graph
        0 triple(s) added, 0 removed.
        <BLANKLINE>
        Semantic versioning: ok
        No violation.
        <BLANKLINE>
        Plans that change
        None.
    """
    return text.to_text(to_document(report, cases_shown)).rstrip() + "\n"


def to_markdown(report: ImpactReport, cases_shown: int = 50) -> str:
    """The report as Markdown for review records (labels escaped: they are data).

    Args:
        report: what :func:`~tmrplan.governance.impact.impact` found.
        cases_shown: how many changed sweep cases to list in full (reference cases always are).

    Example:
        >>> from tmrplan.governance.impact.records import ImpactReport
        >>> versions = {side: {"kb": "k", "rules": "r"} for side in ("base", "current")}
        >>> report = ImpactReport("ref:x_y", "working copy", versions, (), (), (), 3, 0, ())
        >>> to_markdown(report).splitlines()[2]
        '- **Base:** ref\\\\:x\\\\_y · **Current:** working copy'
    """
    return markdown.to_markdown(to_document(report, cases_shown)).rstrip() + "\n"
