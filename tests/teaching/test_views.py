"""Teaching views on the shipped knowledge base: a neighbourhood draws at every depth (kinds that do
not fit collapsed, and said so), kinds and relations in words, and root-to-joint paths for
muscles and nerves that the graph itself confirms step by step."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest
from rdflib import URIRef

from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.render.figures import neighbourhood_figure, to_png
from tmrplan.teaching.views import (
    PER_COLUMN,
    drawable,
    kind_label,
    neighbourhood,
    paths_from_roots,
    paths_to_joints,
    plural,
    relation_label,
    root_to_joint_paths,
    to_dot,
)

FCU, MEDIAN, ULNAR, DELTOID = (
    TMR.FlexorCarpiUlnaris,
    TMR.MedianNerve,
    TMR.UlnarNerve,
    TMR.Deltoid,
)
CAMEL = re.compile(r"[a-z][A-Z]|^[A-Z][a-z]+[A-Z]")  # "branchOf", "MixedNerve"


def all_relations(kb: KnowledgeBase) -> list[str]:
    """What the Explore page selects by default: every relation of the anatomy view."""
    return sorted({k for _, _, k in kb.anatomy.edges(keys=True)})


def test_classes_and_relations_are_named_by_their_pref_labels(kb: KnowledgeBase) -> None:
    assert relation_label(kb, "branchOf") == "branch of"
    assert relation_label(kb, "spinalRoot") == "spinal root"
    assert kind_label(kb, "MixedNerve") == kb.label(TMR.MixedNerve) == "named nerve"
    for relation in all_relations(kb):
        assert not CAMEL.search(relation_label(kb, relation)), relation


def test_plural_of_every_kind_label(kb: KnowledgeBase) -> None:
    kinds = {kb.anatomy.nodes[n]["type"] for n in kb.anatomy.nodes}
    words = {kind: plural(kind_label(kb, kind)) for kind in kinds}
    assert words["SpinalRoot"] == "spinal nerve roots"
    assert words["MotorBranch"] == "motor branches"
    assert words["Boundary"] == "septa or membranes"
    assert words["Digit"] == "digits or toes"
    assert all(not CAMEL.search(w) for w in words.values()), words


@pytest.mark.parametrize("entity", [FCU, MEDIAN, DELTOID, TMR.BrachialPlexus])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_every_depth_draws_with_every_relation(
    kb: KnowledgeBase, entity: URIRef, depth: int
) -> None:
    view = neighbourhood(kb, entity, depth, all_relations(kb))
    graph, collapsed = drawable(kb, view, entity)
    columns = Counter(graph.nodes[n]["column"] for n in graph.nodes)
    assert max(columns.values()) <= PER_COLUMN, columns
    assert graph.nodes[entity]["focus"] is True
    # Nothing is lost: every structure is drawn or held by exactly one collapsed box.
    boxes = {c.node: c for c in collapsed}
    drawn = [n for n in graph.nodes if n not in boxes]
    assert len(drawn) + sum(len(c.members) for c in collapsed) == view.number_of_nodes()
    assert all(n in view for n in drawn)
    for box, held in boxes.items():
        assert graph.nodes[box]["members"] == held.members
        assert re.fullmatch(r"\d+ [a-z ,]+ collapsed into one node", held.sentence()), held
    # Every edge of the view is drawn (to a box when an end is collapsed), in words.
    for *_, data in graph.edges(data=True):
        assert not CAMEL.search(data["relation"]), data
    for n in graph.nodes:
        assert not CAMEL.search(graph.nodes[n]["kind"]), graph.nodes[n]
    if depth == 1 and entity != MEDIAN:
        assert not collapsed  # a small neighbourhood is drawn box by box
    if depth >= 2:
        assert collapsed, "a depth-2 neighbourhood of this size collapses something"
    assert to_png(neighbourhood_figure(graph)).startswith(b"\x89PNG")


def test_a_collapsed_box_keeps_its_edges(kb: KnowledgeBase) -> None:
    view = neighbourhood(kb, FCU, 2, all_relations(kb))
    graph, collapsed = drawable(kb, view, FCU)
    muscles = next(c for c in collapsed if c.kind == "muscle")
    members = {n for n in view.nodes if kb.label(n) in muscles.members and n in view}
    expected = {
        (k, "out" if u in members else "in")
        for u, v, k in view.edges(keys=True)
        if (u in members) != (v in members)
    }
    drawn = {(k, "out") for _, _, k in graph.out_edges(muscles.node, keys=True)} | {
        (k, "in") for _, _, k in graph.in_edges(muscles.node, keys=True)
    }
    assert drawn == expected


def test_spinal_root_labels_are_drawn_once_per_fan(kb: KnowledgeBase) -> None:
    """At depth 1 the median nerve has 33 spinal-root edges; one label per shared box, not 33."""
    view = neighbourhood(kb, MEDIAN, 1, all_relations(kb))
    edges = sum(1 for *_, k in view.edges(keys=True) if k == "spinalRoot")
    assert edges > 15
    graph, _ = drawable(kb, view, MEDIAN)
    texts = [t.get_text() for t in neighbourhood_figure(graph).axes[0].texts]
    labels = [t for t in texts if t.replace("\n", " ").startswith("spinal root")]
    assert 1 <= len(labels) <= len(kb.objects(MEDIAN, TMR.spinalRoot)) + 2, labels
    assert not any(CAMEL.search(t) for t in texts), texts


def test_dot_text_names_relations_and_kinds_in_words(kb: KnowledgeBase) -> None:
    dot = to_dot(kb, neighbourhood(kb, FCU, 1), FCU)
    assert 'label="spinal root"' in dot
    assert "spinalRoot" not in dot.replace('"SpinalRoot', "")
    assert "\\nmuscle" in dot


def test_paths_from_every_root_of_the_median_nerve(kb: KnowledgeBase) -> None:
    paths = paths_from_roots(kb, MEDIAN)
    assert {p[0] for p in paths} == set(kb.objects(MEDIAN, TMR.spinalRoot))
    for path in paths:
        assert path[-1] == MEDIAN
        assert kb.is_a(path[0], TMR.SpinalRoot)
        for child, parent in zip(path[1:], path, strict=False):
            assert parent in kb.objects(child, TMR.branchOf), [kb.label(n) for n in path]


def test_every_named_nerve_reaches_each_of_its_roots(kb: KnowledgeBase) -> None:
    """No nerve is left with only its first root: each recorded root that lies up its branchOf
    tree starts a path."""
    for nerve in kb.entities(TMR.MixedNerve):
        paths = paths_from_roots(kb, nerve)
        starts = {p[0] for p in paths}
        reachable = {
            r for r in kb.objects(nerve, TMR.spinalRoot) if r in kb.closure(nerve, TMR.branchOf)
        }
        assert reachable <= starts, kb.label(nerve)


@pytest.mark.parametrize("nerve", [MEDIAN, ULNAR, TMR.FemoralNerve])
def test_paths_down_to_each_joint_follow_the_graph(kb: KnowledgeBase, nerve: URIRef) -> None:
    paths = paths_to_joints(kb, nerve)
    assert paths
    for path in paths:
        assert path[0] == nerve
        nerves = [n for n in path if kb.is_a(n, TMR.Nerve)]
        for parent, child in itertools.pairwise(nerves):
            assert parent in kb.objects(child, TMR.branchOf)
        muscle, *rest = path[len(nerves) :]
        assert muscle in kb.objects(nerves[-1], TMR.innervates)
        if rest and kb.is_a(rest[0], TMR.Muscle):  # a whole muscle goes on through its part
            assert muscle in kb.objects(rest[0], TMR.partOf)
            muscle, *rest = rest
        action, *joints = rest
        assert action in kb.objects(muscle, TMR.performs)
        assert joints == kb.objects(action, TMR.atJoint)


def test_root_to_joint_paths_for_a_nerve_and_a_muscle(kb: KnowledgeBase) -> None:
    median = root_to_joint_paths(kb, MEDIAN)
    assert {p[0] for p in median} == {"C6 root", "C7 root", "C8 root", "T1 root"}
    assert len(median) == len(paths_from_roots(kb, MEDIAN)) * len(paths_to_joints(kb, MEDIAN))
    fcu = root_to_joint_paths(kb, FCU)
    assert {p[0] for p in fcu} >= {"C8 root", "T1 root"}
    assert all(p[-1] == "wrist joint" or "elbow" in p[-1] for p in fcu), fcu
