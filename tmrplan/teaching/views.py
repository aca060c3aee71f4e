"""Derived views for teaching: neighbourhoods, root-to-joint paths, and DOT text for figures."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
from rdflib import URIRef

from tmrplan.knowledge.describe import supplying_branches
from tmrplan.knowledge.kb import KnowledgeBase, local_name
from tmrplan.knowledge.vocab import TMR


def neighbourhood(
    kb: KnowledgeBase, entity: URIRef, depth: int, relations: Iterable[str] | None = None
) -> nx.MultiDiGraph:
    """The anatomy around an entity: every node within ``depth`` edges, either direction.

    Args:
        relations: predicate local names to keep (e.g. ``innervates``); None keeps all.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> kb = load_knowledge_base()
        >>> TMR.UlnarNerve in neighbourhood(kb, TMR.FlexorCarpiUlnaris, 2)
        True
    """
    keep = set(relations) if relations is not None else None
    graph = kb.anatomy
    if keep is not None:
        graph = nx.subgraph_view(graph, filter_edge=lambda u, v, k: k in keep)
    nodes = nx.ego_graph(graph.to_undirected(as_view=True), entity, radius=depth).nodes
    return nx.MultiDiGraph(graph.subgraph(nodes))


def to_dot(kb: KnowledgeBase, graph: nx.MultiDiGraph, focus: URIRef | None = None) -> str:
    """Graphviz DOT text for a view; labels are quoted, so markup in them stays text."""
    lines = [
        "digraph anatomy {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded", fontname="Helvetica"];',
    ]
    for node in graph.nodes:
        kind = graph.nodes[node].get("type", "")
        shape = ", penwidth=2.5" if node == focus else ""
        lines.append(
            f"  {_quote(local_name(node))} [label={_quote(kb.label(node) + chr(10) + kind)}{shape}];"
        )
    for u, v, key in graph.edges(keys=True):
        lines.append(f"  {_quote(local_name(u))} -> {_quote(local_name(v))} [label={_quote(key)}];")
    lines.append("}")
    return "\n".join(lines)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def root_to_joint_paths(kb: KnowledgeBase, muscle: URIRef) -> list[list[str]]:
    """Teaching paths: spinal root → plexus → nerve → branch → muscle → action → joint.

    One path per supplying nerve and action, as labels.
    """
    paths = []
    for nerve in supplying_branches(kb, muscle):
        upward = [kb.label(n) for n in reversed(kb.nerve_path(nerve))]
        for action in kb.objects(muscle, TMR.performs):
            joints = [kb.label(j) for j in kb.objects(action, TMR.atJoint)]
            paths.append([*upward, kb.label(muscle), kb.label(action), *joints])
    return paths
