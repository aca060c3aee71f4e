"""Renderings of an impact report: JSON-ready data, terminal text, Markdown for review records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from tmrplan.governance.impact.records import Cause, Change, ImpactReport
from tmrplan.planning.sweep import describe_case
from tmrplan.text import escape_markdown


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


def to_text(report: ImpactReport, cases_shown: int = 50) -> str:
    """A terminal rendering: cards and triples that differ, then each changed case with causes.

    Args:
        cases_shown: how many changed sweep cases to list in full (reference cases always are).
    """
    lines = [f"Impact: {report.base} → {report.current}", *_summary(report)]
    lines += [f"note: {n}" for n in report.notes]
    lines.append("")
    lines.append(f"Cards that differ: {len(report.cards) or 'none'}")
    lines += [f"  {c.in_words()}" for c in report.cards]
    lines.append(f"Triples: +{len(report.triples_added)} -{len(report.triples_removed)}")
    lines += [f"  + {t}" for t in report.triples_added[:10]]
    lines += [f"  - {t}" for t in report.triples_removed[:10]]
    lines.append("")
    shown = [d for d in report.diffs if d.reference]
    sweep = [d for d in report.diffs if not d.reference]
    shown += sweep[:cases_shown]
    for diff in shown:
        lines.append(f"{diff.key} — {describe_case(diff.case)}")
        for where, changes in _grouped(diff.changes):
            lines.append(f"  {where}")
            for change, causes in changes:
                lines.append(f"    {change.values_in_words()}")
                for cause in causes:
                    lines.append(f"      cause: {cause.in_words()}")
                    lines += [f"        {t}" for t in cause.triples]
        lines.append("")
    if len(sweep) > cases_shown:
        lines.append(f"… {len(sweep) - cases_shown} more changed sweep case(s) (use --format json)")
        lines.append("")
    if report.violations:
        lines.append("Semantic versioning: VIOLATED")
        lines += [f"  - {v}" for v in report.violations]
    else:
        lines.append("Semantic versioning: ok")
    return "\n".join(lines).rstrip() + "\n"


def to_markdown(report: ImpactReport, cases_shown: int = 50) -> str:
    """A Markdown report for review records (labels escaped: they are data)."""
    md = escape_markdown
    out = [
        "# Impact of rule and ontology changes",
        "",
        f"- **Base:** {md(report.base)} · **Current:** {md(report.current)}",
        *[f"- {md(line)}" for line in _summary(report)],
        *[f"- _Note:_ {md(n)}" for n in report.notes],
        "",
        "## Cards that differ",
        "",
    ]
    if report.cards:
        out += ["| card | change | version | parts | MAJOR bumped |", "|---|---|---|---|---|"]
        for c in report.cards:
            out.append(
                f"| {md(c.rule_id)} | {c.change} | {c.old_version or '—'} → {c.new_version or '—'}"
                f" | {md(', '.join(c.parts)) or '—'} | {'yes' if c.major_bumped else 'no'} |"
            )
    else:
        out.append("None.")
    out += ["", "## Knowledge graph", ""]
    out.append(
        f"{len(report.triples_added)} triple(s) added, {len(report.triples_removed)} removed."
    )
    out += [""] + [f"- added: {md(t)}" for t in report.triples_added[:20]]
    out += [f"- removed: {md(t)}" for t in report.triples_removed[:20]]
    out += ["", "## Semantic versioning", ""]
    out += [f"- {md(v)}" for v in report.violations] or ["No violation."]
    out += ["", "## Plans that change", ""]
    if not report.diffs:
        out.append("None.")
    sweep = [d for d in report.diffs if not d.reference]
    for diff in [d for d in report.diffs if d.reference] + sweep[:cases_shown]:
        label = "reference" if diff.reference else "sweep"
        out += [f"### {md(diff.key)} ({label}): {md(describe_case(diff.case))}", ""]
        for where, changes in _grouped(diff.changes):
            out.append(f"- **{md(where)}**")
            for change, causes in changes:
                out.append(f"  - {md(change.values_in_words())}")
                for cause in causes:
                    out.append(f"    - _cause:_ {md(cause.in_words())}")
                    out += [f"      - {md(t)}" for t in cause.triples]
        out.append("")
    if len(sweep) > cases_shown:
        out.append(f"… and {len(sweep) - cases_shown} more changed sweep case(s).")
    return "\n".join(out).rstrip() + "\n"
