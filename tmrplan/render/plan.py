"""Plans as JSON-ready dicts and as the terminal's compact document, with the labels every
rendering of a plan shares (the surgeon's report for Markdown and PDF is ``plan_report``, the
patient's sheet ``patient_sheet``).

Every rendering carries the versions, the unknowns and the intended-use notice; none shows a
single directive or a numeric score.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from enum import Enum
from typing import Any

from tmrplan.model import NervePlan, Option, Plan
from tmrplan.notice import PAGE_FOOTER
from tmrplan.render import text
from tmrplan.render.document import (
    Block,
    Bullets,
    Document,
    Item,
    Paragraph,
    Span,
    flag_line,
    notice_blocks,
    spans,
)

PLAN_FOOTER = PAGE_FOOTER


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
            "ranking": asdict(plan.ranking) if plan.ranking else None,
            "amputation": plan.amputation,
            "where": plan.where,
            "nerves": [
                {
                    "nerve": asdict(n.nerve),
                    "region": asdict(n.region),
                    "assigned_rank": n.assigned_rank,
                    "typed": n.typed,
                    "matched_name": n.matched_name,
                    "matched_by": n.matched_by,
                    "options": [_option(o) for o in n.options],
                    "other_coaptations": list(n.other_coaptations),
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
    if plan.approvals_ledger is not None:
        data["approvals_ledger"] = plan.approvals_ledger.to_dict()
    if exported_on is not None:
        data["exported_on"] = exported_on.isoformat()
    return data


def _option(option: Option) -> dict[str, Any]:
    return {
        "rank": option.rank,
        "donor_nerve": asdict(option.donor_nerve),
        "donor_parent": asdict(option.donor_parent) if option.donor_parent else None,
        "target_muscle": asdict(option.target_muscle),
        "donor_status": option.donor_status.value,
        "strength_loss_risk": option.strength_loss_risk.value,
        "sort_keys": option.sort_keys,
        "evidence": list(option.evidence),
        "flags": [asdict(f) for f in option.flags],
        "facts": option.facts,
        "tied_with": list(option.tied_with),
        "unranked_by": list(option.unranked_by),
    }


_MATCHED_BY = {
    "label": "the name",
    "synonym": "the synonym",
    "abbreviation": "the abbreviation",
    "normalised": "with its words normalised, the name",
    "partial": "as part of the name",
}


def match_line(nerve: NervePlan) -> str | None:
    """What a typed name was taken to be, when it is not the nerve's label (None when it is):
    every rendering shows it, so that a wrong resolution is seen, not silently planned.

    Example:
        >>> from tmrplan.model import Ref
        >>> nerve = NervePlan(Ref("X", "anterior interosseous nerve"), Ref("R", "forearm"), (),
        ...                   None, "AIN", "AIN", "abbreviation")
        >>> match_line(nerve)
        "typed 'AIN' — matched the abbreviation 'AIN'"
    """
    typed = nerve.typed.strip()
    if not typed or typed.casefold() == nerve.nerve.label.casefold():
        return None
    how = _MATCHED_BY.get(nerve.matched_by, f"by {nerve.matched_by}")
    if nerve.matched_by == "abbreviation" and nerve.matched_name.casefold() != typed.casefold():
        how = "as the initials of"  # an initialism made from the name, not one in the data
    return f"typed {typed!r} — matched {how} {nerve.matched_name!r}"


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_text(plan: Plan, options_per_nerve: int | None = None) -> str:
    """A terminal rendering: each nerve's options with status, risk, evidence and flags.

    Args:
        plan: the plan to render.
        options_per_nerve: show at most this many options per nerve (all when None).

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> to_text(plan, 1).splitlines()[0]
        'TMR options — sural nerve — transtibial'
    """
    return text.to_text(terminal_document(plan, options_per_nerve)).rstrip() + "\n"


def terminal_document(plan: Plan, options_per_nerve: int | None = None) -> Document:
    """The compact terminal view of a plan: one line per option, blank lines between nerves.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> terminal_document(plan, 1).blocks[1].spans[0].text.startswith("knowledge base ")
        True
    """
    case = plan.case
    where = case.level if case.level != "none" else f"intact limb, {case.region}"
    if plan.amputation:
        where += f" ({plan.amputation})"
    blocks: list[Block] = [
        _line(
            f"TMR options — {', '.join(case.nerves)} — {where}"
            + (f", {case.side}" if case.side else "")
        ),
        _line(f"knowledge base {plan.kb_version} · rules {plan.rules_version}"),
        *notice_blocks(plan),
        _line(""),
    ]
    for nerve in plan.nerves:
        assigned = (
            f"assignment: option {nerve.assigned_rank}" if nerve.assigned_rank else "no assignment"
        )
        blocks.append(
            _line(
                f"{nerve.nerve.label} (neuroma in the {nerve.region.label}) — "
                f"{len(nerve.options)} options; {assigned}"
            )
        )
        matched = match_line(nerve)
        if matched:
            blocks.append(_line(f"  {matched}"))
        shown = nerve.options[:options_per_nerve] if options_per_nerve else nerve.options
        for option in shown:
            mark = "*" if option.rank == nerve.assigned_rank else " "
            evidence = f"; published: {len(option.evidence)}" if option.evidence else ""
            blocks.append(
                _line(
                    f" {mark}{rank_label(option):>2}. {pair_label(option)}  [donor "
                    f"{option.donor_status.value}; strength-loss risk "
                    f"{option.strength_loss_risk.value}{evidence}]"
                )
            )
            blocks += [
                _line(f"       {flag_line(flag)}")
                for flag in option.flags
                if flag.severity.value != "info"
            ]
        if options_per_nerve and len(nerve.options) > options_per_nerve:
            hidden = len(nerve.options) - options_per_nerve
            blocks.append(_line(f"     … {hidden} more (use --all or --format json)"))
        blocks += [_line(f"  {other_coaptation_line(e)}") for e in nerve.other_coaptations]
        blocks.append(_line(""))
    if plan.case_flags:
        blocks.append(_line("Case:"))
        blocks.append(_bullets([spans(flag_line(f)) for f in plan.case_flags], marker=""))
    if plan.alternatives:
        blocks.append(_line("Alternatives: " + "; ".join(a["label"] for a in plan.alternatives)))
    if plan.unknowns:
        blocks.append(_line("Unknowns:"))
        blocks.append(_bullets([spans(u) for u in plan.unknowns]))
    blocks.append(_line(ranking_line(plan)))
    return Document(plan_title(plan), tuple(blocks))


def rank_label(option: Option) -> str:
    """``3`` for an option ranked alone, ``3 (=4,5)`` for one tied with options 4 and 5."""
    tied = ",".join(map(str, option.tied_with))
    return f"{option.rank} (={tied})" if tied else str(option.rank)


def ranking_line(plan: Plan) -> str:
    """Which ranking card ordered the options, and how ties and unknowns read."""
    if plan.ranking is None:
        return "Ranking: not recorded."
    return (
        f"Options {plan.ranking.in_words()}; unknown values rank after known ones; '(=n)' marks "
        "options tied after every key (listed by id, not ordered by them)."
    )


def other_coaptation_line(evidence: dict[str, Any]) -> str:
    """A published coaptation that is no option (end-to-side to a nerve), in one line."""
    recipient = evidence.get("recipient_nerve")
    to = f" to the {recipient['label']}" if recipient else ""
    sources = "; ".join(s["label"] for s in evidence["sources"])
    return (
        f"also published here, not a donor-branch option: {evidence['coaptation']}{to} ({sources})"
    )


def plan_title(plan: Plan) -> str:
    """E.g. ``TMR planning options: median nerve (intact limb: forearm)``."""
    return f"TMR planning options: {', '.join(plan.case.nerves)} ({plan.where or plan.case.level})"


def pair_label(option: Option) -> str:
    """``donor branch → target muscle``."""
    return f"{option.donor_nerve.label} → {option.target_muscle.label}"


def _line(words: str) -> Paragraph:
    return Paragraph((Span(words),))


def _bullets(lines: list[tuple[Span, ...]], marker: str = "-") -> Bullets:
    return Bullets(tuple(Item(line) for line in lines), marker=marker)
