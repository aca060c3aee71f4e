"""Plan page (surgeons): a case form in; each nerve's options, their basis and the exports out."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import partial

import streamlit as st

from tmrplan.errors import TmrplanError
from tmrplan.knowledge.describe import describe_source
from tmrplan.knowledge.kb import local_name
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import CONTEXT_FIELDS, LEVEL_IDS, Case, Flag, NervePlan, Option, Plan
from tmrplan.notice import NOTICE, preview_notice
from tmrplan.planning.donor_loss import ActionLoss, option_loss, what_is_lost
from tmrplan.render import drawing
from tmrplan.render.document import Document, flag_headline, with_copy_reference
from tmrplan.render.markdown import inline
from tmrplan.render.markdown import to_markdown as render_markdown
from tmrplan.render.patient_sheet import patient_document
from tmrplan.render.plan import match_line, other_coaptation_line, rank_label, to_json_dict
from tmrplan.render.plan_report import (
    TOP_OPTIONS,
    assignment_row,
    case_in_words,
    donor_words,
    evidence_words,
    flag_in_words,
    plan_document,
    warning_words,
)
from tmrplan.ui.amputation_form import amputation_inputs
from tmrplan.ui.nerve_picker import case_site, nerve_picker
from tmrplan.ui.resources import cross_references, diagram_workers, planner, record
from tmrplan.ui.widgets import bullet_list, md, show_picture, source_line

_TRISTATE = {"not stated": None, "yes": True, "no": False}


def render() -> None:
    """Draw the plan page."""
    st.title("TMR options")
    st.caption(f"{NOTICE} Case details stay in this browser session and are not stored.")
    case = case_form()
    if case is not None:
        started = time.perf_counter()
        try:
            made = planner().plan(case)
            st.session_state["plan"] = made
            st.session_state["plan_seconds"] = time.perf_counter() - started
            st.session_state["scroll_to_summary"] = True
            # Once per plan, not at every rerun (opening a basis reruns the page).
            st.session_state["plan_context_effect"] = context_effect(made)
            record_plan(made)
        except TmrplanError as error:
            st.session_state.pop("plan", None)
            st.error(md(str(error)))
    plan = st.session_state.get("plan")
    if isinstance(plan, Plan):
        show_plan(plan)
    diagram_workers()  # after the page, not before it: see diagram_workers


def record_plan(plan: Plan) -> None:
    """Audit: a plan was made, under which versions, and whether as a PREVIEW. Nothing derived
    from the case: not the cards that fired (a case-scope card fires only on stated context),
    not how many nerves or options it had."""
    record(
        "plan_generated",
        kb_version=plan.kb_version,
        rules_version=plan.rules_version,
        preview=plan.is_preview,
    )


def _basis_opened(key: str, plan: Plan, option: Option) -> None:
    # The option itself (its rank, the cards that flagged it) is the case's: not recorded.
    if st.session_state.get(key):  # opened, not closed
        record(
            "basis_viewed",
            kb_version=plan.kb_version,
            rules_version=plan.rules_version,
            preview=plan.is_preview,
        )


def _exported(fmt: str, plan: Plan) -> None:
    record("export", format=fmt, kb_version=plan.kb_version, rules_version=plan.rules_version)


def case_form() -> Case | None:
    """The case form; a Case once submitted, else None. Unstated context stays unstated.

    The level and what it takes (digits or toes, through, residual length) come before the form:
    they rerun the page as they change, so the pickers follow the level
    (:mod:`tmrplan.ui.amputation_form`). So do the region and the nerve picker, which resolves
    a typed name where the case says the neuroma is (:mod:`tmrplan.ui.nerve_picker`)."""
    kb = planner().kb
    level_column, region_column, _ = st.columns([1, 1, 1])
    level = level_column.selectbox(
        "Amputation level",
        LEVEL_IDS,
        index=1,
        format_func=level_words,
        filter_mode="contains",  # "AKA" finds the level named so, not every a…k…a
        key="level",
        help="Type the name or a synonym surgeons use: AKA, BKA, above elbow, finger, toe …",
    )
    region = region_column.selectbox(
        "Region (intact limb only)",
        ["", *sorted(kb.region_ids, key=lambda r: kb.label(kb.region_ids[r]))],
        format_func=lambda r: kb.label(kb.region_ids[r]) if r else "",
        filter_mode="contains",
        key="region",
    )
    amputation = amputation_inputs(level)
    nerves = nerve_picker(case_site(level, region or None, amputation))
    with st.form("case", border=True):
        side_column, _ = st.columns(2)
        side = side_column.selectbox("Side", ["not stated", "left", "right"], key="side")
        st.write("Context (leave “not stated” when unknown; it is listed as an unknown):")
        columns = st.columns(2)
        context = {
            key: _TRISTATE[
                columns[i % 2].radio(
                    meaning.capitalize(), list(_TRISTATE), horizontal=True, key=f"ctx_{key}"
                )
            ]
            for i, (key, meaning) in enumerate(CONTEXT_FIELDS.items())
        }
        if not st.form_submit_button("Show options", type="primary", key="show_options"):
            return None
    return Case(
        nerves=tuple(nerves),
        level=level,
        region=region or None,
        side=None if side == "not stated" else side,
        context={k: v for k, v in context.items() if v is not None},
        **amputation,
    )


def level_words(level_id: str) -> str:
    """A level as surgeons name it: its label and synonyms ("transfemoral amputation (above-knee
    amputation, AKA)"); ``none`` is an intact limb."""
    if level_id == "none":
        return "none: intact limb (no amputation)"
    kb = planner().kb
    level = kb.level_ids[level_id]
    synonyms = kb.alt_labels.get(level, [])
    return kb.label(level) + (f" ({', '.join(synonyms)})" if synonyms else "")


def show_plan(plan: Plan) -> None:
    """The summary first (case warnings, each nerve's assigned option), then each nerve's top
    options with the rest behind "N more", then alternatives, risks, instructions, unknowns and
    the exports."""
    st.caption(
        f"Knowledge base {md(plan.kb_version)} · rules {md(plan.rules_version)} · "
        f"planned in {st.session_state.get('plan_seconds', 0) * 1000:.0f} ms"
    )
    if plan.is_preview:  # short here; the cards are named behind it and in every export
        st.error(
            f"PREVIEW: {len(plan.preview_cards)} rule card(s) behind this plan are not approved "
            "by clinical governance at their current content. Not for clinical decisions until "
            "they are approved.",
            icon=":material/warning:",
        )
        with st.expander("Which rule cards are not approved"):
            st.write(md(preview_notice(plan) or ""))
    st.info(plan.notice)
    show_summary(plan)
    for nerve in plan.nerves:
        show_nerve(plan, nerve)
    for title, items in (
        ("Alternatives to TMR", plan.alternatives),
        ("Risks to discuss", plan.risks),
    ):
        st.subheader(title)
        bullet_list(f"**{md(i['label'])}**: {md(i.get('text') or '')}" for i in items)
    st.subheader("What the patient is told")
    st.caption("In the patient's own words on the patient information sheet (Export, below).")
    bullet_list(
        f"{md(i['label'])}" + (f" ({md(i['phase'])})" if i.get("phase") else "")
        for i in plan.instructions
    )
    st.subheader("Unknowns (missing inputs)")
    bullet_list(md(u) for u in plan.unknowns)
    show_exports(plan)


def show_summary(plan: Plan) -> None:
    """What a busy surgeon reads first; the page scrolls to it after "Show options"."""
    st.subheader("Summary", anchor="summary")
    st.write(md(case_in_words(plan)))
    if plan.case_flags:
        st.write("**Warnings for the whole case**")
        bullet_list(inline(tuple(flag_in_words(flag))) for flag in plan.case_flags)
    st.write(md(st.session_state.get("plan_context_effect") or context_effect(plan)))
    header = "| neuroma nerve | assigned option | status · risk · evidence | warnings |"
    rows = [header, "|---|---|---|---|"]
    for nerve in plan.nerves:
        cells = assignment_row(nerve)
        rows.append("| " + " | ".join(md(c).replace("\n", "; ") for c in cells) + " |")
    st.markdown("\n".join(rows))
    if st.session_state.pop("scroll_to_summary", False):
        # One line of script, ours: brings the summary into view after "Show options"
        # (Streamlit keeps the scroll position of the form otherwise). Numbered per plan, so
        # that the browser runs it again for the next plan instead of keeping the old element.
        shown = st.session_state["summaries_shown"] = st.session_state.get("summaries_shown", 0) + 1
        st.html(
            f"<script>/* plan {shown} */ setTimeout(() => {{"
            "const s = document.getElementById('summary');"
            "if (s) { s.scrollIntoView({block: 'start'}); } }, 150);</script>",
            unsafe_allow_javascript=True,
        )


def context_effect(plan: Plan) -> str:
    """Whether the context answers changed the order of any nerve's options (planned again
    without them: one more plan, a few milliseconds, made once when the plan is made)."""
    if not plan.case.context:
        return "No context was stated, so none changed the ranking."
    bare = planner().plan(replace(plan.case, context={}))
    changed = [
        mine.nerve.label
        for mine, plain in zip(plan.nerves, bare.nerves, strict=True)
        if _order(mine) != _order(plain) or mine.assigned_rank != plain.assigned_rank
    ]
    stated = ", ".join(f"{k} = {'yes' if v else 'no'}" for k, v in plan.case.context.items())
    if not changed:
        return f"The context you stated ({stated}) did not change the order of any options."
    return (
        f"The context you stated ({stated}) changed the order of options for: {', '.join(changed)}."
    )


def _order(nerve: NervePlan) -> list[tuple[str, str]]:
    return [(o.donor_nerve.id, o.target_muscle.id) for o in nerve.options]


def show_nerve(plan: Plan, nerve: NervePlan) -> None:
    """One nerve: its top options open with their basis, the rest behind "N more"."""
    st.subheader(md(nerve.nerve.label))
    assignment = f"option {nerve.assigned_rank}" if nerve.assigned_rank else "none available"
    st.write(
        f"Neuroma in the {md(nerve.region.label)} · {len(nerve.options)} options · "
        f"assigned (no donor used twice): {assignment}"
    )
    if matched := match_line(nerve):
        st.caption(md(matched))
    for line in (other_coaptation_line(e) for e in nerve.other_coaptations):
        st.write(md(line))
    top, rest = nerve.options[:TOP_OPTIONS], nerve.options[TOP_OPTIONS:]
    st.markdown(options_table(top, nerve))
    for option in top:
        show_option(plan, nerve, option, expanded=True)
    if rest and st.toggle(f"{len(rest)} more option(s)", key=f"more_{nerve.nerve.id}", value=False):
        st.markdown(options_table(rest, nerve))
        for option in rest:
            show_option(plan, nerve, option, expanded=False)


def options_table(options: Sequence[Option], nerve: NervePlan) -> str:
    """Options as a Markdown table that wraps on a tablet (a data grid would scroll sideways
    and take the mouse wheel): flags in words; ranking keys are in each option's basis."""
    rows = [
        "| # | donor branch (from) → target muscle | status | risk | evidence | warnings |",
        "|---|---|---|---|---|---|",
    ]
    for o in options:
        assigned = " **(assigned)**" if o.rank == nerve.assigned_rank else ""
        warnings = " · ".join(md(w) for w in warning_words(o)) or "none"
        rows.append(
            f"| {rank_label(o)}{assigned} | {md(donor_words(o))} → {md(o.target_muscle.label)} | "
            f"{o.donor_status.value} | {o.strength_loss_risk.value} | {evidence_words(o)} | "
            f"{warnings} |"
        )
    return "\n".join(rows)


def show_option(plan: Plan, nerve: NervePlan, option: Option, *, expanded: bool) -> None:
    """An option's basis in an expander; a closed one costs nothing (its body is drawn when it
    is opened, which reruns the page)."""
    assigned = " (assigned)" if option.rank == nerve.assigned_rank else ""
    title = (
        f"Basis of option {option.rank}{assigned}: "
        f"{md(option.donor_nerve.label)} → {md(option.target_muscle.label)}"
    )
    key = f"basis_{nerve.nerve.id}_{option.rank}"
    if key not in st.session_state:
        st.session_state[key] = expanded
    basis = st.expander(title, key=key, on_change=_basis_opened, args=(key, plan, option))
    if basis.open:
        with basis:
            show_basis(option)
            show_loss(plan, nerve, option, draw=option.rank == nerve.assigned_rank)


def show_basis(option: Option) -> None:
    """Why an option is where it is: ranking keys, every flag with its facts and sources, evidence."""
    kb = planner().kb
    st.write(
        "**Ranking keys** (compared in this order): "
        + ", ".join(
            f"{md(k)} = {'unknown' if v is None else md(str(v))}"
            for k, v in option.sort_keys.items()
        )
        + (
            f" · **tied with** option(s) {', '.join(map(str, option.tied_with))}"
            if option.tied_with
            else ""
        )
    )
    st.write(
        f"**Donor status:** {option.donor_status.value} · "
        f"**strength-loss risk:** {option.strength_loss_risk.value}"
    )
    st.write("**Flags**")
    for flag in option.flags or ():
        st.markdown(f"- {_flag_text(flag)}")
        facts = ", ".join(f"{md(k)} = {md(str(v))}" for k, v in flag.facts.items())
        st.caption(f"Facts that fired it: {facts or 'none'}")
        for source_id in flag.sources:
            st.caption(source_line(describe_source(kb, TMR[source_id])))
    if not option.flags:
        st.write("none")
    st.write("**Published evidence**")
    for evidence in option.evidence:
        st.markdown(f"- {md(evidence['label'])} ({md(evidence['evidence_type'])})")
        for source in evidence["sources"]:
            st.caption(source_line(source))
    if not option.evidence:
        st.write("No published pattern for this donor here: the option comes from anatomy.")


def show_loss(plan: Plan, nerve: NervePlan, option: Option, *, draw: bool = True) -> None:
    """What using this donor gives up: the text, and the same as a small diagram, drawn at once
    for the assigned option and on request for the others (every diagram is a worker's job:
    twelve at each plan would keep a busy server drawing)."""
    service = planner()
    kb = service.kb
    branch, muscle = kb.get(option.donor_nerve.id), kb.get(option.target_muscle.id)
    losses = tuple(what_is_lost(service.index, plan.case, branch, muscle))
    st.write("**What is lost with this donor**")
    bullet_list(_loss_text(loss) for loss in losses)
    donor, target = option.donor_nerve.label, option.target_muscle.label
    key = f"loss_{nerve.nerve.id}_{option.donor_nerve.id}_{option.rank}"
    if not draw and not st.toggle("Show the diagram", key=f"{key}_draw", value=False):
        return
    try:
        png = loss_picture(donor, target, losses, "png")
    except TmrplanError as error:  # no worker could draw it: the text above says the same
        st.warning(md(f"The diagram could not be drawn ({error}); the list above is complete."))
        return
    show_picture(
        png,
        lambda: loss_picture(donor, target, losses, "svg"),
        f"what-is-lost-{local_name(branch)}",
        key=key,
        alt=f"Diagram: actions of {target} and who still performs them",
    )


@st.cache_data(max_entries=512, show_spinner=False)
def loss_picture(donor: str, target: str, losses: tuple[ActionLoss, ...], fmt: str) -> bytes:
    """The what-is-lost diagram, drawn once per server for the same inputs (its only inputs): an
    open basis is redrawn at every rerun of the page. Drawn by a worker process (tmrplan.render.drawing)."""
    return drawing.loss_picture(donor, target, losses, fmt)


def show_exports(plan: Plan) -> None:
    """PDF, Markdown and JSON, each stamped with both versions, today's date and the notice;
    and the patient information sheet, in the patient's words. Each ends with this session's
    copy reference, so that a download's address (a hash of its bytes) cannot be worked out from
    the case by anyone else who can reach the server (see render.document.with_copy_reference)."""
    today = date.today()
    service = planner()
    lost = partial(option_loss, service.index, plan.case)
    reference = st.session_state.setdefault("copy_reference", secrets.token_urlsafe(12))

    def picture(option: Option, losses: Sequence[ActionLoss]) -> bytes:
        return loss_picture(
            option.donor_nerve.label, option.target_muscle.label, tuple(losses), "png"
        )

    def report(with_pictures: bool) -> Document:
        document = plan_document(plan, today, lost=lost, picture=picture if with_pictures else None)
        return with_copy_reference(document, reference)

    def pdf_bytes() -> bytes:
        from tmrplan.render.pdf import to_pdf  # fpdf2 loads on the first PDF, not at start-up

        return to_pdf(report(with_pictures=True))

    def sheet() -> Document:
        document = patient_document(plan, service.about_tmr, lost=lost, exported_on=today)
        return with_copy_reference(document, reference)

    def sheet_pdf() -> bytes:
        from tmrplan.render.pdf import to_pdf

        return to_pdf(sheet())

    st.subheader("Export")
    pdf, markdown, as_json = st.columns(3)
    pdf.download_button(
        "Download PDF",
        pdf_bytes,
        "tmr-plan.pdf",
        mime="application/pdf",
        key="download_pdf",
        on_click=_exported,
        args=("pdf", plan),
    )
    markdown.download_button(
        "Download Markdown",
        render_markdown(report(with_pictures=False)),
        "tmr-plan.md",
        mime="text/markdown",
        key="download_md",
        on_click=_exported,
        args=("md", plan),
    )
    as_json.download_button(
        "Download JSON",
        json.dumps(
            to_json_dict(plan, today, codes=cross_references(), copy_reference=reference),
            indent=2,
            ensure_ascii=False,
        ),
        "tmr-plan.json",
        mime="application/json",
        key="download_json",
        on_click=_exported,
        args=("json", plan),
    )
    st.caption(
        "For the patient: what TMR is, before and after, and which muscle may lose strength."
    )
    sheet_pdf_column, sheet_md_column, _ = st.columns(3)
    sheet_pdf_column.download_button(
        "Patient sheet (PDF)",
        sheet_pdf,
        "tmr-patient-information.pdf",
        mime="application/pdf",
        key="download_sheet_pdf",
        on_click=_exported,
        args=("patient-pdf", plan),
    )
    sheet_md_column.download_button(
        "Patient sheet (Markdown)",
        lambda: render_markdown(sheet()),
        "tmr-patient-information.md",
        mime="text/markdown",
        key="download_sheet_md",
        on_click=_exported,
        args=("patient-md", plan),
    )


def _flag_text(flag: Flag) -> str:
    # The shared flag wording, as escaped Markdown.
    return inline(tuple(flag_headline(flag)))


def _loss_text(loss: ActionLoss) -> str:
    others = "; ".join(f"{md(m)} ({md(', '.join(n))})" for m, n in loss.still_performed_by)
    if loss.state == "already lost":
        tail = " (the amputation took it)"
    elif others:
        tail = f" — still performed by {others}"
    else:
        tail = " — **no other muscle left performs it**"
    return f"{md(loss.action)} ({loss.role}): **{loss.state}**{tail}"
