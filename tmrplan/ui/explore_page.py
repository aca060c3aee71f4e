"""Explore page (educators): search, neighbourhood figure with list fallback, paths, level view,
and a quiz mode. No patient inputs anywhere on this page."""

from __future__ import annotations

import networkx as nx
import streamlit as st
from rdflib import URIRef

from tmrplan.knowledge.describe import describe
from tmrplan.knowledge.kb import local_name
from tmrplan.planning.amputation import muscles_of_level_limb
from tmrplan.render.figures import level_figure, neighbourhood_figure
from tmrplan.teaching.views import neighbourhood, root_to_joint_paths, to_dot
from tmrplan.ui import quiz_view
from tmrplan.ui.resources import planner
from tmrplan.ui.widgets import bullet_list, md, show_figure, source_line


def render() -> None:
    """Draw the explore page."""
    st.title("Explore the anatomy")
    st.info("Educational mode: no patient data is asked for or kept here. Not for planning a case.")
    if st.toggle("Quiz mode", key="quiz_mode"):
        quiz_view.render()
        return
    structure_view()
    st.divider()
    level_view()


def structure_view() -> None:
    """Search a structure; its neighbourhood as a figure and as a list; its teaching paths."""
    kb = planner().kb
    query = st.text_input("Find a structure (label, synonym or abbreviation)", key="explore_query")
    hits = kb.search(query, limit=15) if query else []
    if query and not hits:
        st.warning(f"No match for “{md(query)}”.")
    if not hits:
        return
    labels = {h.label: h.entity for h in hits}
    entity = labels[st.selectbox("Matches", list(labels), key="explore_choice")]
    data = describe(kb, entity)
    st.subheader(md(data["label"]))
    st.write(f"Type: {md(data['type'])} · evidence: {md(data['evidence_basis'])}")
    if data.get("alt_labels"):
        st.write("Also called: " + md(", ".join(data["alt_labels"])))
    left, right = st.columns([1, 3])
    depth = left.slider("Depth", 1, 3, 1, key="explore_depth")
    relations = sorted({k for _, _, k in kb.anatomy.edges(keys=True)})
    chosen = right.multiselect("Relations", relations, default=relations, key="explore_relations")
    view = neighbourhood(kb, entity, depth, chosen)
    show_neighbourhood(entity, view)
    if data["type"] == "Muscle":
        st.subheader("Root → plexus → nerve → branch → muscle → action → joint")
        bullet_list(md(" → ".join(path)) for path in root_to_joint_paths(kb, entity))
    st.subheader("Sources")
    bullet_list(source_line(source) for source in data["sources"])


def show_neighbourhood(entity: URIRef, view: nx.MultiDiGraph) -> None:
    """The figure (with SVG, PNG and DOT downloads) and the same edges as a table."""
    kb = planner().kb
    stem = local_name(entity)
    # Past about sixty boxes a drawn figure stops teaching anything; the list still has them.
    if view.number_of_nodes() > 60:
        st.write(
            f"{view.number_of_nodes()} structures: too many to draw; the list below has them all."
        )
    else:
        show_figure(
            neighbourhood_figure(kb, view, entity),
            stem,
            key="explore_figure",
            alt=f"Neighbourhood of {kb.label(entity)}",
        )
    st.download_button(
        "Download DOT (Graphviz)",
        to_dot(kb, view, entity),
        f"{stem}.dot",
        key="explore_dot",
        on_click="ignore",
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


def level_view() -> None:
    """Pick a level: absent, redundant, partly working and functional muscles of that limb."""
    service = planner()
    kb = service.kb
    st.subheader("What an amputation level takes away")
    level_id = st.selectbox("Level", sorted(kb.level_ids), key="explore_level")
    level = kb.level_ids[level_id]
    groups = muscles_of_level_limb(kb, service.index.effects[level])
    st.caption(
        "absent: removed with the limb · redundant: still there, every action lost (a donor "
        "candidate) · partial: keeps some actions · functional: keeps all its actions"
    )
    show_figure(
        level_figure(kb, kb.label(level), groups),
        f"level-{level_id}",
        key="level_figure",
        alt=f"Muscles of the limb at {kb.label(level)}, by status",
    )
    columns = st.columns(len(groups))
    for column, (status, members) in zip(columns, groups.items(), strict=True):
        column.write(f"**{status.value}** ({len(members)})")
        column.markdown("\n".join(f"- {md(kb.label(m))}" for m in members) or "none")
