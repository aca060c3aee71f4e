"""Plan page (surgeons): a case form in; each nerve's options, their basis and the exports out."""

from __future__ import annotations

import json
import time
from datetime import date

import streamlit as st

from tmrplan.errors import TmrplanError
from tmrplan.knowledge.describe import describe_source
from tmrplan.knowledge.kb import local_name
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import CONTEXT_FIELDS, LEVEL_IDS, Case, Flag, NervePlan, Option, Plan
from tmrplan.notice import NOTICE, preview_notice
from tmrplan.planning.donor_loss import ActionLoss, what_is_lost
from tmrplan.render import drawing
from tmrplan.render.document import flag_headline
from tmrplan.render.markdown import inline
from tmrplan.render.plan import to_json_dict
from tmrplan.render.plan_report import to_markdown
from tmrplan.ui.amputation_form import amputation_inputs
from tmrplan.ui.nerve_picker import case_site, nerve_picker
from tmrplan.ui.resources import planner, record
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
            record_plan(made)
        except TmrplanError as error:
            st.session_state.pop("plan", None)
            st.error(md(str(error)))
    plan = st.session_state.get("plan")
    if isinstance(plan, Plan):
        show_plan(plan)


def record_plan(plan: Plan) -> None:
    """Audit: a plan was made (versions, counts, cards; nothing about the case itself)."""
    cards = {f.rule_id for n in plan.nerves for o in n.options for f in o.flags}
    record(
        "plan_generated",
        kb_version=plan.kb_version,
        rules_version=plan.rules_version,
        nerve_count=len(plan.nerves),
        option_count=sum(len(n.options) for n in plan.nerves),
        preview=plan.is_preview,
        cards=sorted(cards | {f.rule_id for f in plan.case_flags}),
    )


def _basis_opened(key: str, plan: Plan, option: Option) -> None:
    if st.session_state.get(key):  # opened, not closed
        record(
            "basis_viewed",
            kb_version=plan.kb_version,
            rules_version=plan.rules_version,
            rule_ids=sorted({f.rule_id for f in option.flags}),
            option_rank=option.rank,
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
    level = level_column.selectbox("Amputation level", LEVEL_IDS, index=1, key="level")
    region = region_column.selectbox(
        "Region (intact limb only)", ["", *sorted(kb.region_ids)], key="region"
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


def show_plan(plan: Plan) -> None:
    """Each nerve's options, then case flags, alternatives, risks, instructions, unknowns, exports."""
    st.caption(
        f"Knowledge base {md(plan.kb_version)} · rules {md(plan.rules_version)} · "
        f"planned in {st.session_state.get('plan_seconds', 0) * 1000:.0f} ms"
    )
    if preview := preview_notice(plan):
        st.error(md(preview), icon=":material/warning:")
    st.info(plan.notice)
    if plan.amputation:  # the rays and level in words, as the PDF and the Markdown say them
        st.write(f"**Amputated:** {md(plan.case.level)}; {md(plan.amputation)}")
    for nerve in plan.nerves:
        show_nerve(plan, nerve)
    if plan.case_flags:
        st.subheader("Case")
        bullet_list(_flag_text(flag) for flag in plan.case_flags)
    for title, items in (
        ("Alternatives to TMR", plan.alternatives),
        ("Risks to discuss", plan.risks),
    ):
        st.subheader(title)
        bullet_list(f"**{md(i['label'])}**: {md(i.get('text') or '')}" for i in items)
    st.subheader("Instructions")
    order = ["before surgery", "during surgery", "after surgery"]
    phases = sorted(
        {i.get("phase") or "any time" for i in plan.instructions},
        key=lambda p: order.index(p) if p in order else len(order),
    )
    for phase in phases or ["any time"]:
        in_phase = [i for i in plan.instructions if (i.get("phase") or "any time") == phase]
        st.write(f"{phase.capitalize()}:")
        bullet_list(f"**{md(i['label'])}**: {md(i.get('text') or '')}" for i in in_phase)
    st.subheader("Unknowns (missing inputs)")
    bullet_list(md(u) for u in plan.unknowns)
    show_exports(plan)


def show_nerve(plan: Plan, nerve: NervePlan) -> None:
    """One nerve: options table with the ranking's keys, then each option's basis on demand."""
    st.subheader(md(nerve.nerve.label))
    assignment = (
        f"option {nerve.assigned_rank} (no donor is used twice across this case's nerves)"
        if nerve.assigned_rank
        else "none available"
    )
    st.write(
        f"Neuroma in the {md(nerve.region.label)} · {len(nerve.options)} options · "
        f"conflict-free assignment: {assignment}"
    )
    if plan.ranking is not None:
        st.caption(
            f"Options {md(plan.ranking.in_words())}. Options tied after every key are listed by "
            "id, not ordered by it."
        )
    rows = [
        {
            "rank": o.rank,
            "tied with": ", ".join(map(str, o.tied_with)),
            "assigned": "yes" if o.rank == nerve.assigned_rank else "",
            "donor branch → target muscle": f"{o.donor_nerve.label} → {o.target_muscle.label}",
            "donor status": o.donor_status.value,
            "strength-loss risk": o.strength_loss_risk.value,
            "published": f"{len(o.evidence)} pattern(s)" if o.evidence else "anatomy only",
            "flags": _flag_summary(o.flags),
            **{f"key: {k}": str(v) for k, v in o.sort_keys.items()},
        }
        for o in nerve.options
    ]
    st.dataframe(rows, hide_index=True, key=f"options_{nerve.nerve.id}")
    for option in nerve.options:
        assigned = " (assigned)" if option.rank == nerve.assigned_rank else ""
        title = (
            f"Basis of option {option.rank}{assigned}: "
            f"{md(option.donor_nerve.label)} → {md(option.target_muscle.label)}"
        )
        # Opening reruns the page and draws the basis then: closed options cost nothing.
        key = f"basis_{nerve.nerve.id}_{option.rank}"
        basis = st.expander(title, key=key, on_change=_basis_opened, args=(key, plan, option))
        if basis.open:
            with basis:
                show_basis(option)
                show_loss(plan, option)


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


def show_loss(plan: Plan, option: Option) -> None:
    """What using this donor gives up: a small diagram and the same as text."""
    service = planner()
    kb = service.kb
    branch, muscle = kb.get(option.donor_nerve.id), kb.get(option.target_muscle.id)
    losses = tuple(what_is_lost(service.index, plan.case, branch, muscle))
    st.write("**What is lost with this donor**")
    bullet_list(_loss_text(loss) for loss in losses)
    donor, target = option.donor_nerve.label, option.target_muscle.label
    try:
        png = loss_picture(donor, target, losses, "png")
    except TmrplanError as error:  # no worker could draw it: the text above says the same
        st.warning(md(f"The diagram could not be drawn ({error}); the list above is complete."))
        return
    show_picture(
        png,
        lambda: loss_picture(donor, target, losses, "svg"),
        f"what-is-lost-{local_name(branch)}",
        key=f"loss_{option.donor_nerve.id}_{option.rank}",
        alt=f"Diagram: actions of {target} and who still performs them",
    )


@st.cache_data(max_entries=512, show_spinner=False)
def loss_picture(donor: str, target: str, losses: tuple[ActionLoss, ...], fmt: str) -> bytes:
    """The what-is-lost diagram, drawn once per server for the same inputs (its only inputs): an
    open basis is redrawn at every rerun of the page. Drawn by a worker process (tmrplan.render.drawing)."""
    return drawing.loss_picture(donor, target, losses, fmt)


def show_exports(plan: Plan) -> None:
    """PDF, Markdown and JSON, each stamped with both versions, today's date and the notice."""
    today = date.today()

    def pdf_bytes() -> bytes:
        from tmrplan.render.pdf import plan_to_pdf  # fpdf2 loads on the first PDF, not at start-up

        return plan_to_pdf(plan, today)

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
        to_markdown(plan, today),
        "tmr-plan.md",
        mime="text/markdown",
        key="download_md",
        on_click=_exported,
        args=("md", plan),
    )
    as_json.download_button(
        "Download JSON",
        json.dumps(to_json_dict(plan, today), indent=2, ensure_ascii=False),
        "tmr-plan.json",
        mime="application/json",
        key="download_json",
        on_click=_exported,
        args=("json", plan),
    )


def _flag_summary(flags: tuple[Flag, ...]) -> str:
    # The table names the flags that ask for attention; the info ones are counted, and all of
    # them are in the option's basis.
    attention = [f"{f.rule_id} ({f.severity.value})" for f in flags if f.severity.value != "info"]
    info = len(flags) - len(attention)
    return ", ".join([*attention, *([f"{info} info"] if info else [])])


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
