"""Derived views for teaching: neighbourhoods, a drawable (collapsed) neighbourhood, root-to-joint
paths, and DOT text for figures. Classes and relations are named by their ``skos:prefLabel`` in
``ontology/tmr.ttl`` ("named nerve", "branch of"), never by their local names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
from rdflib import URIRef

from tmrplan.knowledge.describe import supplying_branches
from tmrplan.knowledge.kb import KnowledgeBase, local_name
from tmrplan.knowledge.vocab import TMR

# Left to right along the teaching path: root → plexus → nerve → branch → muscle → action → joint;
# every other kind (regions, levels, limbs…) gets the last column.
LAYERS = {
    "SpinalRoot": 0,
    "PlexusPart": 1,
    "MixedNerve": 2,
    "CutaneousNerve": 2,
    "MotorBranch": 3,
    "Muscle": 4,
    "Action": 5,
    "Joint": 6,
}
OTHER_LAYER = 7
# Boxes per column before a kind is collapsed: about what a tablet-wide figure keeps readable.
PER_COLUMN = 8
_IRREGULAR = {"septum": "septa", "fascial plane": "fascial planes"}


@dataclass(frozen=True)
class Collapsed:
    """Structures of one kind drawn as a single box because their column was full."""

    node: str
    kind: str
    members: tuple[str, ...]

    def sentence(self) -> str:
        """What was collapsed, in words: ``12 spinal nerve roots collapsed into one node``."""
        return f"{len(self.members)} {plural(self.kind)} collapsed into one node"


def kind_label(kb: KnowledgeBase, kind: str) -> str:
    """A class (local name, e.g. ``MixedNerve``) in words: its prefLabel ("named nerve")."""
    return kb.label(TMR[kind]) if kind else "other"


def relation_label(kb: KnowledgeBase, relation: str) -> str:
    """A relation (local name, e.g. ``branchOf``) in words: its prefLabel ("branch of").

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> relation_label(load_knowledge_base(), "spinalRoot")
        'spinal root'
    """
    return kb.label(TMR[relation])


def plural(words: str) -> str:
    """The plural of a class label: "motor branch" → "motor branches", "kind of source" →
    "kinds of source", "septum or membrane" → "septa or membranes".

    Example:
        >>> [plural(w) for w in ("spinal nerve root", "motor branch", "digit or toe")]
        ['spinal nerve roots', 'motor branches', 'digits or toes']
    """
    return " or ".join(_plural_part(part) for part in words.split(" or "))


def _plural_part(words: str) -> str:
    if words in _IRREGULAR:
        return _IRREGULAR[words]
    for joint in (" of ", " through "):
        if joint in words:
            head, tail = words.split(joint, 1)
            return f"{_plural_part(head)}{joint}{tail}"
    if words.endswith(("s", "x", "ch", "sh")):
        return words + "es"
    if words.endswith("y") and words[-2:-1] not in "aeiou":
        return words[:-1] + "ies"
    return words + "s"


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


def drawable(
    kb: KnowledgeBase, view: nx.MultiDiGraph, focus: URIRef, per_column: int = PER_COLUMN
) -> tuple[nx.MultiDiGraph, list[Collapsed]]:
    """A neighbourhood ready to draw at any depth: nodes grouped by kind into columns, and the
    kinds that do not fit their column collapsed into one box each.

    A column holds at most ``per_column`` boxes. When a column overflows, its kinds share the
    boxes (small kinds first, so one crowded kind does not push out a small one), and a kind with
    more members than its share keeps its closest members (the focus, then its direct neighbours,
    then the most connected) and draws the rest as one box. Edges to collapsed members go to that
    box, once per relation.

    Every node of the result carries ``label``, ``kind`` (words), ``column`` and ``focus``; a
    collapsed box also ``members`` (the labels it stands for); every edge carries ``relation`` (words).

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> kb = load_knowledge_base()
        >>> view = neighbourhood(kb, TMR.FlexorCarpiUlnaris, 2)
        >>> graph, collapsed = drawable(kb, view, TMR.FlexorCarpiUlnaris)
        >>> view.number_of_nodes() > 150, graph.number_of_nodes() <= 8 * PER_COLUMN
        (True, True)
        >>> collapsed[0].sentence().endswith("collapsed into one node")
        True
    """
    distance = nx.single_source_shortest_path_length(view.to_undirected(as_view=True), focus)
    columns: dict[int, dict[str, list[URIRef]]] = defaultdict(lambda: defaultdict(list))
    for node in view.nodes:
        kind = view.nodes[node].get("type", "")
        columns[LAYERS.get(kind, OTHER_LAYER)][kind].append(node)

    def closeness(node: URIRef) -> tuple[int, int, str]:
        return (distance.get(node, 99), -view.degree(node), kb.label(node))

    where: dict[URIRef, URIRef | str] = {}  # each node → itself or its collapsed box
    collapsed: list[Collapsed] = []
    graph = nx.MultiDiGraph()
    for column, kinds in sorted(columns.items()):
        left = per_column
        by_size = sorted(kinds.items(), key=lambda item: (len(item[1]), item[0]))
        for position, (kind, members) in enumerate(by_size):
            share = max(1, left // (len(by_size) - position))
            members.sort(key=closeness)
            if len(members) <= share:
                kept, rest = members, []
            else:
                kept, rest = members[: share - 1], members[share - 1 :]
            if focus in rest:  # the focus is always its own box
                rest.remove(focus)
                kept.append(focus)
            for node in kept:
                where[node] = node
                graph.add_node(
                    node,
                    label=kb.label(node),
                    kind=kind_label(kb, kind),
                    column=column,
                    focus=node == focus,
                )
            if rest:
                box = f"collapsed:{kind}"
                labels = tuple(sorted(kb.label(n) for n in rest))
                collapsed.append(Collapsed(box, kind_label(kb, kind), labels))
                graph.add_node(
                    box,
                    label=f"{len(rest)} {plural(kind_label(kb, kind))}",
                    kind=kind_label(kb, kind),
                    column=column,
                    focus=False,
                    members=labels,
                )
                where.update(dict.fromkeys(rest, box))
            left -= len(kept) + (1 if rest else 0)
    for u, v, key in view.edges(keys=True):
        a, b = where[u], where[v]
        if a != b and not graph.has_edge(a, b, key):
            graph.add_edge(a, b, key=key, relation=relation_label(kb, key))
    return graph, collapsed


def to_dot(kb: KnowledgeBase, graph: nx.MultiDiGraph, focus: URIRef | None = None) -> str:
    """Graphviz DOT text for a view, with kinds and relations in words; labels are quoted, so
    markup in them stays text."""
    lines = [
        "digraph anatomy {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded", fontname="Helvetica"];',
    ]
    for node in graph.nodes:
        kind = kind_label(kb, graph.nodes[node].get("type", ""))
        shape = ", penwidth=2.5" if node == focus else ""
        lines.append(
            f"  {_quote(local_name(node))} [label={_quote(kb.label(node) + chr(10) + kind)}{shape}];"
        )
    for u, v, key in graph.edges(keys=True):
        lines.append(
            f"  {_quote(local_name(u))} -> {_quote(local_name(v))} "
            f"[label={_quote(relation_label(kb, key))}];"
        )
    lines.append("}")
    return "\n".join(lines)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def paths_from_roots(kb: KnowledgeBase, nerve: URIRef) -> list[list[URIRef]]:
    """Every path from a spinal root down ``tmr:branchOf`` to the nerve: root → plexus parts →
    nerve, one per root the nerve carries (every root, not only the first), by root label.

    Only roots the nerve itself is recorded to carry are followed (the median nerve's lateral
    cord also reaches C5, which the median nerve does not carry); a nerve with no recorded roots
    follows every path up.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> kb = load_knowledge_base()
        >>> [kb.label(p[0]) for p in paths_from_roots(kb, TMR.MedianNerve)]
        ['C6 root', 'C7 root', 'C8 root', 'T1 root']
    """
    tree = kb.nerve_tree
    if nerve not in tree:
        return []
    own = set(kb.objects(nerve, TMR.spinalRoot))
    tops = [n for n in nx.descendants(tree, nerve) if tree.out_degree(n) == 0]  # child → parent
    if kb.is_a(nerve, TMR.SpinalRoot) or not tops:
        return [[nerve]]
    roots = [t for t in tops if t in own] or tops
    found = [
        list(reversed(path)) for root in roots for path in nx.all_simple_paths(tree, nerve, root)
    ]
    return sorted(found, key=lambda path: [kb.label(n) for n in path])


def paths_to_joints(kb: KnowledgeBase, nerve: URIRef) -> list[list[URIRef]]:
    """Every path from a nerve down to a joint: nerve → branches → muscle → action → joint, one
    per muscle it (or a branch of it) supplies and action of that muscle.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> kb = load_knowledge_base()
        >>> paths = paths_to_joints(kb, TMR.UlnarNerve)
        >>> any(kb.label(p[-3]) == "flexor carpi ulnaris" for p in paths)
        True
    """
    paths: list[list[URIRef]] = []
    if nerve not in kb.nerve_tree:
        return paths
    below = kb.nerve_tree.reverse(copy=False)  # parent → child
    for branch in [nerve, *nx.descendants(below, nerve)]:
        chain = nx.shortest_path(below, nerve, branch)
        for muscle in kb.objects(branch, TMR.innervates):
            paths += [[*chain, muscle, *tail] for tail in _action_tails(kb, muscle)]
    return sorted(paths, key=lambda path: [kb.label(n) for n in path])


def _action_tails(kb: KnowledgeBase, muscle: URIRef) -> list[list[URIRef]]:
    """Action → joint steps of a muscle (an action with no joint ends the path at the action).

    A whole muscle whose actions are recorded on its heads or parts (the dorsal interossei of the
    hand) goes on through each part: whole → part → action → joint.
    """
    tails = [
        [action, *kb.objects(action, TMR.atJoint)]
        for action in sorted(kb.objects(muscle, TMR.performs), key=kb.label)
    ]
    if not tails:
        parts = [m for m in kb.subjects(TMR.partOf, muscle) if kb.is_a(m, TMR.Muscle)]
        for part in sorted(parts, key=kb.label):
            tails += [[part, *tail] for tail in _action_tails(kb, part) if tail]
    return tails or [[]]


def root_to_joint_paths(kb: KnowledgeBase, entity: URIRef) -> list[list[str]]:
    """Teaching paths as labels: spinal root → plexus → nerve → branch → muscle → action → joint.

    For a muscle: one path per root of each supplying branch and per action. For a nerve: one
    path per root it carries and per muscle and action below it (the full cross product; the
    Explore page shows the two halves, :func:`paths_from_roots` and :func:`paths_to_joints`).

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> kb = load_knowledge_base()
        >>> paths = root_to_joint_paths(kb, TMR.FlexorCarpiUlnaris)
        >>> any(p[0] == "C8 root" and p[-1] == "wrist joint" for p in paths)
        True
    """
    if kb.is_a(entity, TMR.Nerve):
        ups, downs = paths_from_roots(kb, entity), paths_to_joints(kb, entity)
        return [[kb.label(n) for n in up + down[1:]] for up in ups for down in downs]
    paths = []
    for nerve in supplying_branches(kb, entity):
        for up in paths_from_roots(kb, nerve):
            for tail in _action_tails(kb, entity):
                paths.append([kb.label(n) for n in [*up, entity, *tail]])
    return paths
