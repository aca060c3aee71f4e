"""The surgeon's report of a plan, for the Markdown and PDF exports: the answer first.

Page 1 is the summary: the case in words, the warnings of the case, each nerve's assigned option
with its status, risk, evidence and warnings, the unknowns, the versions and the notice. Then, per
nerve, its top options with what using each donor gives up (in words, and as a diagram where one is
drawn). The full option lists with every option's basis follow as an appendix, then the
alternatives, the risks, what the patient is told (the patient's own words are on the patient
sheet, ``patient_sheet``) and the unknowns again in full.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from tmrplan.model import Flag, NervePlan, Option, Plan, Severity
from tmrplan.planning.donor_loss import ActionLoss
from tmrplan.render import markdown
from tmrplan.render.document import (
    Block,
    Bullets,
    Document,
    Figure,
    Heading,
    Item,
    PageBreak,
    Paragraph,
    Quote,
    Span,
    Table,
    cite,
    fixed,
    flag_spans,
    notice_blocks,
    spans,
    term,
)
from tmrplan.render.plan import (
    PLAN_FOOTER,
    match_line,
    other_coaptation_line,
    pair_label,
    plan_title,
    rank_label,
    ranking_line,
)

# What a donor gives up, and its diagram (PNG), for one option of the plan: supplied by the
# caller that holds the planner (the CLI, the app); a report without them says so.
LossOf = Callable[[Option], Sequence[ActionLoss]]
PictureOf = Callable[[Option, Sequence[ActionLoss]], bytes]

TOP_OPTIONS = 3  # per nerve in the body of the report; every option is in the appendix
_WARNING_LEVELS = (Severity.WARNING, Severity.CAUTION)


def to_markdown(plan: Plan, exported_on: date | None = None, *, lost: LossOf | None = None) -> str:
    """The surgeon's report in Markdown, for the record (stamped with its date).

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> to_markdown(plan).splitlines()[0]
        '# TMR planning options — PREVIEW'
    """
    return markdown.to_markdown(plan_document(plan, exported_on, lost=lost))


def plan_document(
    plan: Plan,
    exported_on: date | None = None,
    *,
    lost: LossOf | None = None,
    picture: PictureOf | None = None,
) -> Document:
    """The surgeon's report of a plan, the same for the Markdown and the PDF export.

    Args:
        plan: the plan to render.
        exported_on: the export date, stamped in the summary and on every PDF page.
        lost: what using an option's donor gives up (``planning.donor_loss.what_is_lost``).
        picture: that loss as a diagram (PNG), drawn for each nerve's assigned option.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> doc = plan_document(plan, date(2026, 1, 2))
        >>> doc.title, doc.created
        ('TMR planning options: sural nerve (transtibial amputation)', datetime.date(2026, 1, 2))
    """
    preview = " — PREVIEW" if plan.is_preview else ""
    blocks: list[Block] = [
        Heading(1, (fixed("TMR planning options" + preview),)),
        Quote(tuple(_short_notice(plan))),
        *_summary(plan, exported_on),
        PageBreak(),
    ]
    for nerve in plan.nerves:
        blocks += _top_options(nerve, lost, picture)
    blocks += [
        PageBreak(),
        Heading(1, (fixed("Appendix: every option and its basis"),)),
        Paragraph(spans(ranking_line(plan))),
    ]
    for nerve in plan.nerves:
        blocks += _every_option(nerve)
    blocks += _clinical_content(plan)
    blocks += [
        Heading(2, (fixed("Unknowns"),)),
        Bullets(tuple(Item(spans(u)) for u in plan.unknowns), empty="none"),
        Heading(2, (fixed("Rule cards and notice"),)),
        *notice_blocks(plan),
    ]
    stamp = (
        ("PREVIEW (unapproved rule cards) · " if plan.is_preview else "")
        + f"TMR planning options · knowledge base {plan.kb_version} · rules {plan.rules_version}"
        + (f" · exported {exported_on.isoformat()}" if exported_on else "")
    )
    return Document(
        plan_title(plan), tuple(blocks), stamp=stamp, footer=PLAN_FOOTER, created=exported_on
    )


# ------------------------------------------------------------------------------ page 1
def case_in_words(plan: Plan) -> str:
    """E.g. "Right transhumeral amputation; neuroma nerves: median nerve, ulnar nerve"."""
    case = plan.case
    where = plan.where or case.level
    if plan.amputation:
        where += f" ({plan.amputation})"
    side = f"{case.side.capitalize()} side, " if case.side else "Side not stated, "
    return f"{side}{where}; neuroma nerves: {', '.join(n.nerve.label for n in plan.nerves)}."


def _summary(plan: Plan, exported_on: date | None) -> list[Block]:
    blocks: list[Block] = [
        Heading(2, (fixed("Summary"),)),
        Paragraph(spans(case_in_words(plan))),
    ]
    if plan.case.context:
        stated = ", ".join(f"{k} = {'yes' if v else 'no'}" for k, v in plan.case.context.items())
        blocks.append(Paragraph((term("Stated: "), Span(stated))))
    if plan.case_flags:
        blocks += [
            Heading(3, (fixed("Warnings for the whole case"),)),
            Bullets(tuple(Item(tuple(flag_in_words(f))) for f in plan.case_flags)),
        ]
    blocks += [
        Heading(3, (fixed("Assigned option per nerve (no donor used twice)"),)),
        Table(
            ("neuroma nerve", "assigned option", "status · risk · evidence", "warnings"),
            tuple(assignment_row(n) for n in plan.nerves),
            widths=(34, 60, 38, 48),
        ),
        Heading(3, (fixed("Unknowns"),)),
        Bullets(tuple(Item(spans(u)) for u in plan.unknowns), empty="none"),
        Paragraph(
            (
                term("Versions: "),
                Span(f"knowledge base {plan.kb_version}; rules {plan.rules_version}"),
                # The ledger's head lets a later reader see entries cut off after this export.
                *(
                    [Span(f"; approvals ledger {ledger.count} entries, head {ledger.head[:12]}")]
                    if (ledger := plan.approvals_ledger)
                    else []
                ),
                *([Span(f"; exported {exported_on.isoformat()}")] if exported_on else []),
            )
        ),
    ]
    return blocks


def _short_notice(plan: Plan) -> list[tuple[Span, ...]]:
    """The PREVIEW line and the intended-use notice, short enough for the summary page: the
    unapproved cards are named at the end of the report."""
    paragraphs: list[tuple[Span, ...]] = []
    if plan.is_preview:
        count = len(plan.preview_cards)
        paragraphs.append(
            (
                Span(
                    f"PREVIEW: {count} rule card(s) behind this plan are not approved by clinical "
                    "governance at their current content (named at the end). Not for clinical "
                    "decisions until they are approved.",
                    bold=True,
                ),
            )
        )
    paragraphs.append((Span(plan.notice),))
    return paragraphs


def assignment_row(nerve: NervePlan) -> tuple[str, ...]:
    """A nerve's row of the summary: the nerve, its assigned option (donor from its nerve →
    target), status · risk · evidence, and the option's warnings in words."""
    option = assigned(nerve)
    if option is None:
        reason = "no option" if not nerve.options else "none left that another nerve does not take"
        return (nerve.nerve.label, reason, "", "")
    return (
        nerve.nerve.label,
        f"option {option.rank}: {donor_words(option)} → {option.target_muscle.label}",
        f"{option.donor_status.value} · {option.strength_loss_risk.value} · {evidence_words(option)}",
        "\n".join(warning_words(option)) or "none",
    )


def assigned(nerve: NervePlan) -> Option | None:
    """The option the conflict-free assignment chose for this nerve, if any."""
    return next((o for o in nerve.options if o.rank == nerve.assigned_rank), None)


def donor_words(option: Option) -> str:
    """The donor branch with the nerve it comes from, where a surgeon finds it."""
    parent = f" (from the {option.donor_parent.label})" if option.donor_parent else ""
    return option.donor_nerve.label + parent


def evidence_words(option: Option) -> str:
    """The kind of evidence behind an option, in words."""
    if option.facts.get("clinical_pattern"):
        return "published in patients"
    if option.evidence:
        return "published (cadaver only)"
    return "anatomy only"


def warning_words(option: Option) -> list[str]:
    """An option's warnings and cautions in words (no rule ids): the severity and the message."""
    return [
        f"{f.severity.value}: {f.message}" for f in option.flags if f.severity in _WARNING_LEVELS
    ]


def flag_in_words(flag: Flag) -> list[Span]:
    """A flag for the summary: its severity and message, the rule id left to the appendix."""
    return [term(f"{flag.severity.value.capitalize()}: "), Span(flag.message)]


# ------------------------------------------------------------------------------ top options
def _top_options(nerve: NervePlan, lost: LossOf | None, picture: PictureOf | None) -> list[Block]:
    chosen = assigned(nerve)
    shown = list(nerve.options[:TOP_OPTIONS])
    if chosen is not None and chosen not in shown:
        shown.append(chosen)
    assignment = f"option {nerve.assigned_rank}" if nerve.assigned_rank else "none"
    blocks: list[Block] = [
        Heading(2, spans(nerve.nerve.label)),
        Paragraph(
            spans(
                f"Neuroma in the {nerve.region.label}; {len(nerve.options)} options; "
                f"assigned: {assignment}."
            )
        ),
        *([Paragraph(spans(matched + "."))] if (matched := match_line(nerve)) else []),
    ]
    for option in shown:
        mark = " (assigned)" if option is chosen else ""
        blocks += [
            Heading(3, (fixed(f"Option {rank_label(option)}{mark}: "), Span(pair_label(option)))),
            Paragraph(
                spans(
                    f"Donor from the {option.donor_parent.label if option.donor_parent else '?'}; "
                    f"{option.donor_status.value} donor; strength-loss risk "
                    f"{option.strength_loss_risk.value}; {evidence_words(option)}."
                )
            ),
        ]
        warnings = warning_words(option)
        if warnings:
            blocks.append(Bullets(tuple(Item(spans(w)) for w in warnings)))
        if lost is not None:
            losses = lost(option)
            blocks += _loss_blocks(option, losses)
            given_up = any(x.state == "given up" for x in losses)
            if picture is not None and option is chosen and given_up:
                blocks.append(
                    Figure(
                        picture(option, losses),
                        f"Diagram: what using {pair_label(option)} gives up",
                    )
                )
    hidden = len(nerve.options) - len(shown)
    if hidden > 0:
        blocks.append(Paragraph(spans(f"{hidden} more option(s) in the appendix.")))
    blocks += [Paragraph(spans(other_coaptation_line(e) + ".")) for e in nerve.other_coaptations]
    return blocks


def _loss_blocks(option: Option, losses: Sequence[ActionLoss]) -> list[Block]:
    muscle = option.target_muscle.label
    if not losses:
        return [Paragraph((term("What is lost: "), Span(f"no action of {muscle} is recorded.")))]
    gone = [x.action for x in losses if x.state == "already lost"]
    lines = []
    for loss in losses:
        if loss.state == "already lost":
            continue
        others = ", ".join(m for m, _ in loss.still_performed_by)
        still = f"still done by {others}" if others else "no other remaining muscle does it"
        lines.append(f"{loss.action} ({loss.role}): given up — {still}")
    if gone:
        lines.append(f"already lost with the amputation: {', '.join(gone)}")
    return [
        Paragraph((term(f"What using this donor gives up ({muscle}):"),)),
        Bullets(tuple(Item(spans(line)) for line in lines)),
    ]


# ------------------------------------------------------------------------------ appendix
def _every_option(nerve: NervePlan) -> list[Block]:
    blocks: list[Block] = [
        Heading(2, spans(nerve.nerve.label)),
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
                    rank_label(o),
                    pair_label(o) + ("\n(assigned)" if o.rank == nerve.assigned_rank else ""),
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
        assigned_mark = " (assigned)" if o.rank == nerve.assigned_rank else ""
        keys = ", ".join(f"{k} = {'unknown' if v is None else v}" for k, v in o.sort_keys.items())
        blocks += [
            Heading(3, (fixed(f"Option {o.rank}{assigned_mark}: "), Span(pair_label(o)))),
            Paragraph((term("Ranking keys: "), Span(keys))),
        ]
        if o.tied_with:
            tied = ", ".join(map(str, o.tied_with))
            blocks.append(Paragraph(spans(f"Tied after every ranking key with option(s) {tied}.")))
        items = [Item(tuple(flag_spans(f))) for f in o.flags]
        items += [_evidence_item(e) for e in o.evidence]
        if items:
            blocks.append(Bullets(tuple(items)))
    return blocks


def _evidence_item(evidence: dict[str, Any]) -> Item:
    """A published pattern: its label, then what its source states (coaptation, where, in how
    many, the outcome) and its citations, the primary study first, the review it was read in
    after it."""
    if evidence.get("recipient_nerve"):
        head = (term(other_coaptation_line(evidence).capitalize() + ": "), Span(evidence["label"]))
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
    return Item(head, Bullets(tuple(Item(line) for line in lines)))


def _clinical_content(plan: Plan) -> list[Block]:
    """Alternatives and risks as the knowledge base words them; what the patient is told is
    listed by topic only: its words are the patient's, on the patient sheet."""
    blocks: list[Block] = []
    for title, entries in (("Alternatives", plan.alternatives), ("Risks", plan.risks)):
        if entries:
            items = [
                Item(
                    (Span(e["label"], bold=True), Span(f": {e.get('text') or ''}")),
                    Bullets(tuple(Item(tuple(cite(s))) for s in e.get("sources", ())))
                    if e.get("sources")
                    else None,
                )
                for e in entries
            ]
            blocks += [Heading(2, (fixed(title),)), Bullets(tuple(items))]
    if plan.instructions:
        items = [
            Item(
                spans(f"{e['label']} ({e['phase']})" if e.get("phase") else e["label"]),
                Bullets(tuple(Item(tuple(cite(s))) for s in e.get("sources", ())))
                if e.get("sources")
                else None,
            )
            for e in plan.instructions
        ]
        blocks += [
            Heading(2, (fixed("What the patient is told (see the patient sheet)"),)),
            Bullets(tuple(items)),
        ]
    return blocks
