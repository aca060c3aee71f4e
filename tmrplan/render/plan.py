"""Render plans: JSON-ready dicts, plain text and Markdown. Every rendering carries the versions,
the unknowns and the intended-use notice; none shows a single directive or a numeric score."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from enum import Enum
from typing import Any

from tmrplan.model import Flag, Option, Plan
from tmrplan.notice import preview_notice
from tmrplan.text import escape_markdown


def to_json_dict(plan: Plan, exported_on: date | None = None) -> dict[str, Any]:
    """The plan as JSON-ready data, with the fields of DESIGN.md's CLI contract.

    Args:
        exported_on: stamped as ``exported_on`` when given (exports carry their date; the
            CLI's own JSON stays byte-stable for the golden cases).
    """
    data: dict[str, Any] = _plain(
        {
            "case": plan.case.to_dict(),
            "kb_version": plan.kb_version,
            "rules_version": plan.rules_version,
            "notice": plan.notice,
            "preview": plan.is_preview,
            "preview_cards": list(plan.preview_cards),
            "nerves": [
                {
                    "nerve": asdict(n.nerve),
                    "region": asdict(n.region),
                    "assigned_rank": n.assigned_rank,
                    "options": [_option(o) for o in n.options],
                }
                for n in plan.nerves
            ],
            "case_flags": [asdict(f) for f in plan.case_flags],
            "alternatives": list(plan.alternatives),
            "instructions": list(plan.instructions),
            "risks": list(plan.risks),
            "unknowns": list(plan.unknowns),
        }
    )
    if exported_on is not None:
        data["exported_on"] = exported_on.isoformat()
    return data


def _option(option: Option) -> dict[str, Any]:
    return {
        "rank": option.rank,
        "donor_nerve": asdict(option.donor_nerve),
        "target_muscle": asdict(option.target_muscle),
        "donor_status": option.donor_status.value,
        "strength_loss_risk": option.strength_loss_risk.value,
        "sort_keys": option.sort_keys,
        "evidence": list(option.evidence),
        "flags": [asdict(f) for f in option.flags],
        "facts": option.facts,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _flag_line(flag: Flag) -> str:
    notes = f" [{'; '.join(flag.notes)}]" if flag.notes else ""
    return (
        f"{flag.severity.value.upper()} {flag.rule_id} v{flag.rule_version}: {flag.message}{notes}"
    )


def to_text(plan: Plan, options_per_nerve: int | None = None) -> str:
    """A terminal rendering: each nerve's options with status, risk, evidence and flags."""
    case = plan.case
    where = case.level if case.level != "none" else f"intact limb, {case.region}"
    lines = [
        f"TMR options — {', '.join(case.nerves)} — {where}"
        + (f", {case.side}" if case.side else ""),
        f"knowledge base {plan.kb_version} · rules {plan.rules_version}",
        *([preview] if (preview := preview_notice(plan)) else []),
        plan.notice,
        "",
    ]
    for nerve in plan.nerves:
        assigned = (
            f"assignment: option {nerve.assigned_rank}" if nerve.assigned_rank else "no assignment"
        )
        lines.append(
            f"{nerve.nerve.label} (neuroma in the {nerve.region.label}) — {len(nerve.options)} options; {assigned}"
        )
        shown = nerve.options[:options_per_nerve] if options_per_nerve else nerve.options
        for option in shown:
            mark = "*" if option.rank == nerve.assigned_rank else " "
            evidence = f"; published: {len(option.evidence)}" if option.evidence else ""
            lines.append(
                f" {mark}{option.rank:>2}. {option.donor_nerve.label} → {option.target_muscle.label}"
                f"  [donor {option.donor_status.value}; strength-loss risk {option.strength_loss_risk.value}{evidence}]"
            )
            for flag in option.flags:
                if flag.severity.value != "info":
                    lines.append(f"       {_flag_line(flag)}")
        if options_per_nerve and len(nerve.options) > options_per_nerve:
            lines.append(
                f"     … {len(nerve.options) - options_per_nerve} more (use --all or --format json)"
            )
        lines.append("")
    if plan.case_flags:
        lines.append("Case:")
        lines += [f"  {_flag_line(f)}" for f in plan.case_flags]
    if plan.alternatives:
        lines.append("Alternatives: " + "; ".join(a["label"] for a in plan.alternatives))
    if plan.unknowns:
        lines.append("Unknowns:")
        lines += [f"  - {u}" for u in plan.unknowns]
    lines.append(
        "Ranking keys: donor status, strength-loss risk, published pattern, region distance, nerve distance, warnings, name."
    )
    return "\n".join(lines).rstrip() + "\n"


def to_markdown(plan: Plan, exported_on: date | None = None) -> str:
    """A Markdown report with every option's basis, for the record (stamped with its date)."""
    case = plan.case
    out = [
        "# TMR planning options" + (" — PREVIEW" if plan.is_preview else ""),
        "",
        *([f"> **{preview}**", ">"] if (preview := preview_notice(plan)) else []),
        f"> {plan.notice}",
        "",
        f"- **Case:** nerves {', '.join(case.nerves)}; level `{case.level}`"
        + (f"; region `{case.region}`" if case.region else "")
        + (f"; side {case.side}" if case.side else "; side not stated"),
        f"- **Knowledge base:** `{plan.kb_version}` · **Rules:** `{plan.rules_version}`",
        *([f"- **Exported:** {exported_on.isoformat()}"] if exported_on else []),
        "",
    ]
    for nerve in plan.nerves:
        out += [f"## {nerve.nerve.label}", ""]
        out.append(
            f"Neuroma in the {nerve.region.label}. Conflict-free assignment: "
            + (f"option {nerve.assigned_rank}." if nerve.assigned_rank else "none available.")
        )
        out += [
            "",
            "| # | donor branch → target | donor status | strength-loss risk | evidence | flags |",
            "|---|---|---|---|---|---|",
        ]
        for o in nerve.options:
            flags = ", ".join(f"{f.rule_id} ({f.severity.value})" for f in o.flags)
            evidence = "; ".join(e["evidence_type"] for e in o.evidence) or "anatomy only"
            mark = " (assigned)" if o.rank == nerve.assigned_rank else ""
            out.append(
                f"| {o.rank}{mark} | {escape_markdown(o.donor_nerve.label)} → {escape_markdown(o.target_muscle.label)} | {o.donor_status.value}"
                f" | {o.strength_loss_risk.value} | {escape_markdown(evidence)} | {escape_markdown(flags)} |"
            )
        out.append("")
        for o in nerve.options:
            out.append(
                f"### Option {o.rank}: {escape_markdown(o.donor_nerve.label)} → {escape_markdown(o.target_muscle.label)}"
            )
            out.append("")
            out.append("Ranking keys: " + ", ".join(f"{k} = {v}" for k, v in o.sort_keys.items()))
            out.append("")
            for flag in o.flags:
                facts = ", ".join(f"{k} = {v}" for k, v in flag.facts.items())
                out.append(
                    f"- **{flag.severity.value}** {flag.rule_id} v{flag.rule_version}: {escape_markdown(flag.message)}"
                    f" _(facts: {facts}; sources: {', '.join(flag.sources)})_"
                )
            for e in o.evidence:
                cites = "; ".join(_cite(s) for s in e["sources"])
                out.append(
                    f"- Published ({e['evidence_type']}): {escape_markdown(e['label'])} — {cites}"
                )
            out.append("")
    if plan.case_flags:
        out += ["## Case flags", ""] + [f"- {_flag_line(f)}" for f in plan.case_flags] + [""]
    for title, items in (
        ("Alternatives", plan.alternatives),
        ("Instructions", plan.instructions),
        ("Risks", plan.risks),
    ):
        if items:
            out += [f"## {title}", ""]
            for item in items:
                phase = f" ({item['phase']})" if item.get("phase") else ""
                out.append(
                    f"- **{escape_markdown(item['label'])}**{phase}: {escape_markdown(item.get('text') or '')}"
                )
            out.append("")
    out += ["## Unknowns", ""] + [f"- {u}" for u in plan.unknowns or ["none"]] + [""]
    return "\n".join(out)


def _cite(source: dict[str, Any]) -> str:
    ids = " ".join(f"{k.upper()} {source[k]}" for k in ("doi", "pmid") if k in source)
    return f"{escape_markdown(source['label'])}{' (' + ids + ')' if ids else ''}"
