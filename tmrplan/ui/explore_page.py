"""Explore page (educators): search, neighbourhood figure with list fallback, paths, level view."""

from __future__ import annotations

import streamlit as st

from tmrplan.amputation import MuscleStatus
from tmrplan.describe import describe
from tmrplan.kg import local_name
from tmrplan.ui.resources import planner
from tmrplan.views import neighbourhood, root_to_joint_paths, to_dot
from tmrplan.vocab import TMR


def render() -> None:
    """Draw the explore page."""
    service = planner()
    kb = service.kb
    st.title("Explore the anatomy")
    st.info("Educational view: no patient data is asked for or kept here.")
    query = st.text_input("Find a structure (label, synonym or abbreviation)", key="explore_query")
    hits = kb.search(query, limit=15) if query else []
    if query and not hits:
        st.warning(f"No match for {query!r}.")
    if hits:
        choice = st.selectbox("Matches", [h.label for h in hits], key="explore_choice")
        entity = next(h.entity for h in hits if h.label == choice)
        data = describe(kb, entity)
        st.subheader(data["label"])
        st.write(f"Type: {data['type']} · evidence: {data['evidence_basis']}")
        if data.get("alt_labels"):
            st.write("Also called: " + ", ".join(data["alt_labels"]))
        depth = st.slider("Depth", 1, 3, 1, key="explore_depth")
        relations = sorted({k for _, _, k in kb.anatomy.edges(keys=True)})
        chosen = st.multiselect("Relations", relations, default=relations, key="explore_relations")
        view = neighbourhood(kb, entity, depth, chosen)
        dot = to_dot(kb, view, entity)
        st.graphviz_chart(dot)
        st.download_button(
            "Download figure (DOT)", dot, f"{local_name(entity)}.dot", key="explore_dot"
        )
        st.write("The same, as a list:")
        st.dataframe(
            [
                {"from": kb.label(u), "relation": k, "to": kb.label(v)}
                for u, v, k in view.edges(keys=True)
            ],
            hide_index=True,
            key="explore_edges",
        )
        if data["type"] == "Muscle":
            st.subheader("Root → plexus → nerve → branch → muscle → action → joint")
            for path in root_to_joint_paths(kb, entity):
                st.write(" → ".join(path))
        st.subheader("Sources")
        for source in data["sources"]:
            st.write(f"- {source['label']} ({source['kind']})")
    st.divider()
    st.subheader("What an amputation level takes away")
    level_id = st.selectbox("Level", sorted(kb.level_ids), key="explore_level")
    effects = service.index.effects[kb.level_ids[level_id]]
    columns = st.columns(4)
    for column, status in zip(columns, MuscleStatus, strict=True):
        names = sorted(
            kb.label(m) for m in effects.with_status(status) if not kb.subjects(TMR.partOf, m)
        )
        column.write(f"**{status.value}** ({len(names)})")
        column.write("\n".join(f"- {n}" for n in names) or "none")
