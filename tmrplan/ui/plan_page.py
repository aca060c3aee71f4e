"""Plan page: a case form in, each nerve's options with their basis out."""

from __future__ import annotations

import streamlit as st

from tmrplan.errors import TmrplanError
from tmrplan.loss import what_is_lost
from tmrplan.model import CONTEXT_FIELDS, LEVEL_IDS, Case, Option, Plan
from tmrplan.report import to_markdown
from tmrplan.ui.resources import planner
from tmrplan.vocab import TMR

_TRISTATE = {"not stated": None, "yes": True, "no": False}


def render() -> None:
    """Draw the plan page."""
    plan_service = planner()
    kb = plan_service.kb
    st.title("TMR options")
    st.caption(
        "For pre-operative planning and teaching by health care professionals: options with their "
        "basis, not directives."
    )
    nerve_names = [
        kb.label(n) for n in kb.entities(TMR.MixedNerve) + kb.entities(TMR.CutaneousNerve)
    ]
    with st.form("case", border=True):
        side = st.selectbox("Side", ["not stated", "left", "right"], key="side")
        level = st.selectbox("Amputation level", LEVEL_IDS, index=1, key="level")
        region = st.selectbox(
            "Region (intact limb only)", ["", *sorted(kb.region_ids)], key="region"
        )
        nerves = st.multiselect("Neuroma nerves", sorted(set(nerve_names)), key="nerves")
        context = {
            key: _TRISTATE[
                st.radio(meaning.capitalize(), list(_TRISTATE), horizontal=True, key=f"ctx_{key}")
            ]
            for key, meaning in CONTEXT_FIELDS.items()
        }
        submitted = st.form_submit_button("Show options")
    if submitted:
        case = Case(
            nerves=tuple(nerves),
            level=level,
            region=region or None,
            side=None if side == "not stated" else side,
            context={k: v for k, v in context.items() if v is not None},
        )
        try:
            st.session_state["plan"] = plan_service.plan(case)
        except TmrplanError as error:
            st.session_state.pop("plan", None)
            st.error(str(error))
    plan = st.session_state.get("plan")
    if isinstance(plan, Plan):
        show_plan(plan)


def show_basis(option: Option) -> None:
    """Why an option is where it is: ranking keys, every flag with its facts, and the evidence."""
    st.write("Ranking keys: " + ", ".join(f"{k} = {v}" for k, v in option.sort_keys.items()))
    for flag in option.flags:
        facts = ", ".join(f"{k} = {v}" for k, v in flag.facts.items())
        st.write(
            f"{flag.severity.value.upper()} · {flag.rule_id} v{flag.rule_version}: {flag.message}"
        )
        st.caption(f"Facts: {facts or 'none'} · sources: {', '.join(flag.sources)}")
    for evidence in option.evidence:
        st.write(f"Published ({evidence['evidence_type']}): {evidence['label']}")
        for source in evidence["sources"]:
            links = [
                f"https://doi.org/{source['doi']}" if "doi" in source else "",
                f"https://pubmed.ncbi.nlm.nih.gov/{source['pmid']}/" if "pmid" in source else "",
            ]
            st.caption(" · ".join([source["label"], *[link for link in links if link]]))
    if not option.evidence:
        st.caption(
            "No published pattern for this donor in this context: the option comes from anatomy."
        )


def show_loss(plan: Plan, option: Option) -> None:
    """What using this donor gives up, as text (every action and who still performs it)."""
    service = planner()
    kb = service.kb
    losses = what_is_lost(
        service.index, plan.case, kb.get(option.donor_nerve.id), kb.get(option.target_muscle.id)
    )
    st.write("What is lost:")
    for loss in losses:
        others = "; ".join(f"{m} ({', '.join(n)})" for m, n in loss.still_performed_by)
        after = (
            f" — still performed by {others}"
            if others
            else (" — no other muscle left" if loss.state == "given up" else "")
        )
        st.write(f"- {loss.action} ({loss.role}): {loss.state}{after}")


def show_plan(plan: Plan) -> None:
    """Each nerve's options as a table, then case flags, alternatives and unknowns."""
    st.caption(f"Knowledge base {plan.kb_version} · rules {plan.rules_version}")
    for nerve in plan.nerves:
        st.subheader(nerve.nerve.label)
        if nerve.assigned_rank:
            st.write(f"Conflict-free assignment: option {nerve.assigned_rank}")
        rows = [
            {
                "rank": o.rank,
                "donor branch": o.donor_nerve.label,
                "target muscle": o.target_muscle.label,
                "donor status": o.donor_status.value,
                "strength-loss risk": o.strength_loss_risk.value,
                "published": len(o.evidence),
                "flags": ", ".join(f"{f.rule_id} ({f.severity.value})" for f in o.flags),
            }
            for o in nerve.options
        ]
        st.dataframe(rows, hide_index=True, key=f"options_{nerve.nerve.id}")
        for option in nerve.options:
            assigned = " (assigned)" if option.rank == nerve.assigned_rank else ""
            title = f"Basis of option {option.rank}{assigned}: {option.donor_nerve.label} → {option.target_muscle.label}"
            with st.expander(title):
                show_basis(option)
                show_loss(plan, option)
    if plan.case_flags:
        st.subheader("Case")
        for flag in plan.case_flags:
            st.write(f"{flag.severity.value.upper()} · {flag.rule_id}: {flag.message}")
    st.subheader("Unknowns")
    for unknown in plan.unknowns or ["none"]:
        st.write(f"- {unknown}")
    st.download_button("Download Markdown", to_markdown(plan), "tmr-plan.md", key="download_md")
