"""The patient information sheet of a planned case: plain words from the knowledge base's leaflet
facts (what TMR is, before and after the operation, the risks and the other treatments) and, for
each nerve's assigned option, which muscle may lose strength, said as a patient would follow it.

It speaks to the patient and carries the versions and the intended-use notice, but never a rule
id, a ranking key or a score: the surgeon's plan (``plan_report``) holds the reasoning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from tmrplan.model import NervePlan, Plan
from tmrplan.notice import PAGE_FOOTER
from tmrplan.planning.donor_loss import ActionLoss
from tmrplan.render.document import (
    Block,
    Bullets,
    Document,
    Heading,
    Item,
    Paragraph,
    Quote,
    Span,
    fixed,
    spans,
)
from tmrplan.render.plan_report import LossOf, assigned

_BEFORE, _AFTER = "before surgery", "after surgery"  # the phases' labels in ontology/tmr.ttl

SHEET_NOTICE = (
    "This sheet gives general information from the tool your surgical team uses to plan the "
    "operation. It does not replace what your surgeon and care team tell you: ask them about "
    "anything that is unclear. Your surgeon decides with you which nerve and muscle to use, "
    "during the operation if needed."
)


def patient_document(
    plan: Plan,
    about: Mapping[str, Any],
    *,
    lost: LossOf | None = None,
    exported_on: date | None = None,
) -> Document:
    """The sheet for ``plan``.

    Args:
        plan: the planned case.
        about: what TMR is (``Planner.about_tmr``: label, text, sources).
        lost: what using an option's donor gives up (``planning.donor_loss.option_loss``).
        exported_on: the date printed on the sheet.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> from tmrplan.render.markdown import to_markdown
        >>> planner = load_planner()
        >>> plan = planner.plan(Case(("sural nerve",), "transtibial"))
        >>> text = to_markdown(patient_document(plan, planner.about_tmr))
        >>> text.splitlines()[0]
        '# Targeted muscle reinnervation (TMR): information for you'
        >>> "TMR-" in text or "ranking" in text
        False
    """
    nerves = ", ".join(n.nerve.label for n in plan.nerves)
    blocks: list[Block] = [
        Heading(1, (fixed("Targeted muscle reinnervation (TMR): information for you"),)),
        Quote(((Span(SHEET_NOTICE),),)),
        Paragraph(spans(f"Your planned operation is for pain from a neuroma of the {nerves}.")),
        Heading(2, (fixed("What TMR is"),)),
        Paragraph(spans(about.get("text") or "")),
        *_phase(plan, _BEFORE, "Before the operation"),
        *_phase(plan, _AFTER, "After the operation"),
        Heading(2, (fixed("Which muscle may lose strength"),)),
        *_muscles(plan, lost),
        *_listed("Risks", plan.risks),
        *_listed("Other treatments your surgeon may discuss", plan.alternatives),
        Heading(2, (fixed("About this sheet"),)),
        Paragraph(
            spans(
                f"Made{f' on {exported_on.isoformat()}' if exported_on else ''} from knowledge "
                f"base {plan.kb_version} and rules {plan.rules_version}."
                + (
                    " Some of the planning rules have not yet been approved by the hospital's "
                    "clinical governance team (PREVIEW); your surgeon checks every option."
                    if plan.is_preview
                    else ""
                )
            )
        ),
        Paragraph(spans(plan.notice)),
    ]
    stamp = (
        f"Information for patients · knowledge base {plan.kb_version} · rules {plan.rules_version}"
    )
    if exported_on:
        stamp += f" · {exported_on.isoformat()}"
    return Document(
        "TMR: information for you",
        tuple(blocks),
        stamp=stamp,
        footer=PAGE_FOOTER,
        created=exported_on,
    )


def _phase(plan: Plan, phase: str, title: str) -> list[Block]:
    items = [e for e in plan.instructions if e.get("phase") == phase]
    if not items:
        return []
    return [Heading(2, (fixed(title),)), _bullets(items)]


def _listed(title: str, entries: Sequence[Mapping[str, Any]]) -> list[Block]:
    return [Heading(2, (fixed(title),)), _bullets(entries)] if entries else []


def _bullets(entries: Sequence[Mapping[str, Any]]) -> Bullets:
    return Bullets(
        tuple(
            Item((Span(_sentence(e["label"]), bold=True), Span(f" {e.get('text') or ''}")))
            for e in entries
        )
    )


def _sentence(label: str) -> str:
    return label[:1].upper() + label[1:] + "."


def _muscles(plan: Plan, lost: LossOf | None) -> list[Block]:
    """Per nerve, the muscle whose nerve the plan's assigned option would use, and what that
    muscle does that nothing else does (in the patient's words: movements, not codes)."""
    blocks: list[Block] = [
        Paragraph(
            spans(
                "TMR uses the small nerve of a nearby muscle. Your surgeon chooses one whose work "
                "other muscles can do, or whose work was already lost, so that you lose as little "
                "strength as possible. The plan proposes, for each nerve (your surgeon may choose another):"
            )
        )
    ]
    for nerve in plan.nerves:
        blocks.append(Paragraph(spans(_muscle_words(nerve, lost))))
    return blocks


def _muscle_words(nerve: NervePlan, lost: LossOf | None) -> str:
    option = assigned(nerve)
    if option is None:
        return (
            f"For the {nerve.nerve.label}: the plan found no suitable muscle nerve; your surgeon "
            "will talk with you about other treatments."
        )
    muscle = option.target_muscle.label
    head = f"For the {nerve.nerve.label}: the nerve of the {muscle}."
    if lost is None:
        return head + " Ask your surgeon what this muscle does and whether you would miss it."
    losses: Sequence[ActionLoss] = lost(option)
    given_up = [x for x in losses if x.state == "given up"]
    if not given_up:
        return head + (
            " Its work was already lost with the amputation, so using it should not make you "
            "weaker."
        )
    alone = [x.action for x in given_up if not x.still_performed_by]
    shared = [x.action for x in given_up if x.still_performed_by]
    words = [head]
    if shared:
        words.append(
            f" Other muscles still do {_and(shared)}, so you may notice little or no weakness."
        )
    if alone:
        words.append(
            f" No other muscle does {_and(alone)}: this movement may become weaker. Your surgeon "
            "will discuss whether that matters for you."
        )
    return "".join(words)


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
