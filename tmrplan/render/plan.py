"""Plans as JSON-ready dicts and as documents: one :class:`~tmrplan.render.document.Document`
per plan for the Markdown and PDF exports, and a compact one for the terminal.

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
    cite,
    fixed,
    flag_line,
    flag_spans,
    notice_blocks,
    spans,
    term,
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
                    f" {mark}{_rank(option):>2}. {_pair(option)}  [donor "
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
        blocks += [_line(f"  {_other_coaptation(e)}") for e in nerve.other_coaptations]
        blocks.append(_line(""))
    if plan.case_flags:
        blocks.append(_line("Case:"))
        blocks.append(_bullets([spans(flag_line(f)) for f in plan.case_flags], marker=""))
    if plan.alternatives:
        blocks.append(_line("Alternatives: " + "; ".join(a["label"] for a in plan.alternatives)))
    if plan.unknowns:
        blocks.append(_line("Unknowns:"))
        blocks.append(_bullets([spans(u) for u in plan.unknowns]))
    blocks.append(_line(_ranking_line(plan)))
    return Document(_title(plan), tuple(blocks))


def _rank(option: Option) -> str:
    """``3`` for an option ranked alone, ``3 (=4,5)`` for one tied with options 4 and 5."""
    tied = ",".join(map(str, option.tied_with))
    return f"{option.rank} (={tied})" if tied else str(option.rank)


def _ranking_line(plan: Plan) -> str:
    if plan.ranking is None:
        return "Ranking: not recorded."
    return (
        f"Options {plan.ranking.in_words()}; unknown values rank after known ones; '(=n)' marks "
        "options tied after every key (listed by id, not ordered by them)."
    )


def to_markdown(plan: Plan, exported_on: date | None = None) -> str:
    """A Markdown report with every option's basis, for the record (stamped with its date).

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> to_markdown(plan).splitlines()[0]
        '# TMR planning options — PREVIEW'
    """
    return markdown.to_markdown(plan_document(plan, exported_on))


def plan_document(plan: Plan, exported_on: date | None = None) -> Document:
    """The full report of a plan, the same for the Markdown and the PDF export: the notices,
    the case, each nerve's options table and every option's basis, then the case flags,
    alternatives, instructions, risks and unknowns.

    Args:
        plan: the plan to render.
        exported_on: the export date, stamped in the case section and on every PDF page.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> doc = plan_document(plan, date(2026, 1, 2))
        >>> doc.title, doc.created
        ('TMR planning options: sural nerve (transtibial)', datetime.date(2026, 1, 2))
    """
    case = plan.case
    preview = " — PREVIEW" if plan.is_preview else ""
    stated = ", ".join(f"{k} = {'yes' if v else 'no'}" for k, v in case.context.items())
    facts = [
        ("Nerves: ", ", ".join(case.nerves)),
        ("Level: ", case.level),
        *([("Amputated: ", plan.amputation)] if plan.amputation else []),
        ("Region: ", case.region or "not stated"),
        ("Side: ", case.side or "not stated"),
        ("Context: ", stated or "none stated"),
        ("Shared targets allowed: ", "yes" if case.allow_shared_targets else "no"),
        ("Knowledge base: ", plan.kb_version),
        ("Rules: ", plan.rules_version),
        ("Ranking: ", _ranking_line(plan)),
        *([("Exported on: ", exported_on.isoformat())] if exported_on else []),
    ]
    blocks: list[Block] = [
        Heading(1, (fixed("TMR planning options" + preview),)),
        *notice_blocks(plan),
        Heading(2, (fixed("Case"),)),
        _bullets([(term(k), Span(v)) for k, v in facts]),
    ]
    for nerve in plan.nerves:
        blocks += _nerve_blocks(nerve)
    if plan.case_flags:
        blocks += [
            Heading(2, (fixed("Case flags"),)),
            _bullets([tuple(flag_spans(f)) for f in plan.case_flags]),
        ]
    for title, entries in (
        ("Alternatives", plan.alternatives),
        ("Instructions", plan.instructions),
        ("Risks", plan.risks),
    ):
        if entries:
            items = []
            for entry in entries:
                phase = f" ({entry['phase']})" if entry.get("phase") else ""
                sources = [tuple(cite(s)) for s in entry.get("sources", ())]
                items.append(
                    Item(
                        (
                            Span(entry["label"], bold=True),
                            Span(f"{phase}: {entry.get('text') or ''}"),
                        ),
                        _bullets(sources) if sources else None,
                    )
                )
            blocks += [Heading(2, (fixed(title),)), Bullets(tuple(items))]
    blocks += [
        Heading(2, (fixed("Unknowns"),)),
        Bullets(tuple(Item(spans(u)) for u in plan.unknowns), empty="none"),
    ]
    stamp = (
        ("PREVIEW (unapproved rule cards) · " if plan.is_preview else "")
        + f"TMR planning options · knowledge base {plan.kb_version} · rules {plan.rules_version}"
        + (f" · exported {exported_on.isoformat()}" if exported_on else "")
    )
    return Document(
        _title(plan), tuple(blocks), stamp=stamp, footer=PLAN_FOOTER, created=exported_on
    )


def _nerve_blocks(nerve: NervePlan) -> list[Block]:
    assignment = f"option {nerve.assigned_rank}." if nerve.assigned_rank else "none available."
    blocks: list[Block] = [
        Heading(2, spans(nerve.nerve.label)),
        Paragraph(
            (
                fixed("Neuroma in the "),
                Span(nerve.region.label),
                fixed(f". Conflict-free assignment: {assignment}"),
            )
        ),
        *([Paragraph(spans(matched + "."))] if (matched := match_line(nerve)) else []),
        Table(
            (
                "#",
                "donor branch → target muscle",
                "donor status",
                "strength-loss risk",
                "evidence",
                "flags",
            ),
            tuple(
                (
                    _rank(o),
                    _pair(o) + ("\n(assigned)" if o.rank == nerve.assigned_rank else ""),
                    o.donor_status.value,
                    o.strength_loss_risk.value,
                    "; ".join(e["evidence_type"] for e in o.evidence) or "anatomy only",
                    "\n".join(f"{f.rule_id} ({f.severity.value})" for f in o.flags),
                )
                for o in nerve.options
            ),
            widths=(7, 48, 17, 24, 21, 63),  # mm on A4; "strength-loss" and rule ids stay whole
        ),
    ]
    if nerve.other_coaptations:
        blocks.append(Bullets(tuple(_evidence_item(e) for e in nerve.other_coaptations)))
    for o in nerve.options:
        assigned = " (assigned)" if o.rank == nerve.assigned_rank else ""
        evidence = [_evidence_item(e) for e in o.evidence]
        blocks += [
            Heading(3, (fixed(f"Option {o.rank}{assigned}: "), Span(_pair(o)))),
            Paragraph(
                (
                    term("Ranking keys: "),
                    Span(
                        ", ".join(
                            f"{k} = {'unknown' if v is None else v}" for k, v in o.sort_keys.items()
                        )
                    ),
                )
            ),
        ]
        if o.tied_with:
            tied = ", ".join(map(str, o.tied_with))
            blocks.append(Paragraph(spans(f"Tied after every ranking key with option(s) {tied}.")))
        items = [Item(tuple(flag_spans(f))) for f in o.flags] + evidence
        if items:
            blocks.append(Bullets(tuple(items)))
    return blocks


def _other_coaptation(evidence: dict[str, Any]) -> str:
    """A published coaptation that is no option (end-to-side to a nerve), in one line."""
    recipient = evidence.get("recipient_nerve")
    to = f" to the {recipient['label']}" if recipient else ""
    sources = "; ".join(s["label"] for s in evidence["sources"])
    return (
        f"also published here, not a donor-branch option: {evidence['coaptation']}{to} ({sources})"
    )


def _evidence_item(evidence: dict[str, Any]) -> Item:
    """A published pattern: its label, then what its source states (coaptation, where, in how
    many, the outcome) and its citations, the primary study first, the review it was read in
    after it."""
    if evidence.get("recipient_nerve"):
        head = (term(_other_coaptation(evidence).capitalize() + ": "), Span(evidence["label"]))
    else:
        head = (term(f"Published ({evidence['evidence_type']}): "), Span(evidence["label"]))
    counted = [f"{evidence[k]} {k}" for k in ("patients", "limbs") if k in evidence]
    stated = [
        ("Coaptation: ", evidence["coaptation"]),
        *([("Where: ", evidence["where"])] if "where" in evidence else []),
        *([("Studied in: ", ", ".join(counted))] if counted else []),
        *([("Outcome: ", evidence["outcome"])] if "outcome" in evidence else []),
    ]
    lines: list[tuple[Span, ...]] = [(term(k), Span(v)) for k, v in stated]
    lines += [tuple(cite(s)) for s in evidence["sources"]]
    lines += [(term("Read in: "), *cite(s)) for s in evidence.get("reported_in", ())]
    return Item(head, _bullets(lines))


def _title(plan: Plan) -> str:
    return f"TMR planning options: {', '.join(plan.case.nerves)} ({plan.case.level})"


def _pair(option: Option) -> str:
    return f"{option.donor_nerve.label} → {option.target_muscle.label}"


def _line(words: str) -> Paragraph:
    return Paragraph((Span(words),))


def _bullets(lines: list[tuple[Span, ...]], marker: str = "-") -> Bullets:
    return Bullets(tuple(Item(line) for line in lines), marker=marker)
