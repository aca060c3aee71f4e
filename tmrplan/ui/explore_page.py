"""Explore page (educators): search, a neighbourhood figure at any depth (with what it collapsed)
and the same as a list, root-to-joint paths for muscles and nerves, level view,
and a quiz mode. No patient inputs anywhere on this page."""

from __future__ import annotations

import networkx as nx
import streamlit as st
from rdflib import URIRef

from tmrplan.knowledge.describe import describe
from tmrplan.knowledge.kb import local_name
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.amputation import muscles_of_level_limb
from tmrplan.render.figures import BOXES_PER_LINE, level_figure, neighbourhood_figure
from tmrplan.teaching.views import (
    drawable,
    kind_label,
    neighbourhood,
    paths_from_roots,
    paths_to_joints,
    relation_label,
    root_to_joint_paths,
    to_dot,
)
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
    st.write(f"Type: {md(kind_label(kb, data['type']))} · evidence: {md(data['evidence_basis'])}")
    if data.get("alt_labels"):
        st.write("Also called: " + md(", ".join(data["alt_labels"])))
    # Stacked, not side by side: fourteen relation chips need the full width on a tablet.
    depth = st.slider("Depth", 1, 3, 1, key="explore_depth")
    relations = sorted({k for _, _, k in kb.anatomy.edges(keys=True)}, key=relation_order)
    chosen = st.multiselect(
        "Relations",
        relations,
        default=relations,
        format_func=lambda key: relation_label(kb, key),
        key="explore_relations",
    )
    view = neighbourhood(kb, entity, depth, chosen)
    show_neighbourhood(entity, view)
    show_paths(entity)
    st.subheader("Sources")
    bullet_list(source_line(source) for source in data["sources"])


def relation_order(key: str) -> str:
    """Relations in the order of their words, as the list shows them."""
    return relation_label(planner().kb, key)


def show_neighbourhood(entity: URIRef, view: nx.MultiDiGraph) -> None:
    """The figure at any depth (kinds that do not fit collapsed, and said so), with SVG, PNG and
    DOT downloads, and the same edges as a table."""
    kb = planner().kb
    stem = local_name(entity)
    graph, collapsed = drawable(kb, view, entity, per_column=BOXES_PER_BAND)
    show_figure(
        neighbourhood_figure(graph),
        stem,
        key="explore_figure",
        alt=f"Neighbourhood of {kb.label(entity)}",
    )
    if collapsed:
        drawn = graph.number_of_nodes() - len(collapsed)
        st.caption(
            f"{view.number_of_nodes()} structures; {drawn} drawn one by one. "
            + md("; ".join(c.sentence() for c in collapsed))
            + ". The list below has every structure."
        )
        with st.expander("What the collapsed boxes hold", key="explore_collapsed"):
            bullet_list(f"**{md(c.sentence())}**: {md(', '.join(c.members))}" for c in collapsed)
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
            {"from": kb.label(u), "relation": relation_label(kb, k), "to": kb.label(v)}
            for u, v, k in view.edges(keys=True)
        ],
        hide_index=True,
        key="explore_edges",
    )


# Two full lines of boxes per kind before a kind collapses: the figure grows down, not across, so
# its text stays readable on a tablet (render.figures.neighbourhood_figure).
BOXES_PER_BAND = 2 * BOXES_PER_LINE
PATH_HEADING = "Root → plexus → nerve → branch → muscle → action → joint"
SHOWN_PATHS = 12  # longer lists open on request


def show_paths(entity: URIRef) -> None:
    """The teaching paths: for a muscle every root-to-joint path; for a nerve every path from
    each of its roots down to it, and from it down to each muscle, action and joint."""
    kb = planner().kb
    if kb.is_a(entity, TMR.Muscle):
        st.subheader(PATH_HEADING)
        path_list(root_to_joint_paths(kb, entity), "paths", "explore_paths")
    elif kb.is_a(entity, TMR.Nerve):
        ups = [[kb.label(n) for n in path] for path in paths_from_roots(kb, entity)]
        downs = [[kb.label(n) for n in path] for path in paths_to_joints(kb, entity)]
        st.subheader(PATH_HEADING)
        name = kb.label(entity)
        st.write(f"From each root the {md(name)} carries ({len(ups)}):")
        path_list(ups, "paths from the roots", "explore_paths_up")
        if downs:
            st.write(f"And on from the {md(name)} to each muscle, action and joint ({len(downs)}):")
            path_list(downs, "paths to the joints", "explore_paths_down")
        else:
            st.write(f"The {md(name)} supplies no muscle in the knowledge base.")


def path_list(paths: list[list[str]], what: str, key: str) -> None:
    """Paths as arrows, the first ``SHOWN_PATHS`` shown and the rest behind "N more"."""
    lines = [md(" → ".join(path)) for path in paths]
    bullet_list(lines[:SHOWN_PATHS])
    if len(lines) > SHOWN_PATHS:
        with st.expander(f"{len(lines) - SHOWN_PATHS} more {what}", key=key):
            bullet_list(lines[SHOWN_PATHS:])


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
    # Blocks that wrap onto new rows, not fixed columns: five columns are too narrow on a tablet.
    row = st.container(horizontal=True, gap="medium")
    for status, members in groups.items():
        block = row.container(width=230)
        block.write(f"**{status.value}** ({len(members)})")
        block.markdown("\n".join(f"- {md(kb.label(m))}" for m in members) or "none")
