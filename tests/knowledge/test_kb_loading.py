"""Loading, parsing errors and indexes, on the tiny fixture ontology."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tmrplan.errors import AmbiguousNameError, KnowledgeBaseError, UnknownEntityError
from tmrplan.knowledge.kb import KnowledgeBase, load_knowledge_base
from tmrplan.knowledge.vocab import TMR

MEDIAN = TMR.MedianNerve
BICEPS_SHORT = TMR.BicepsBrachiiShortHead
DELTOID = TMR.Deltoid


def test_materialises_performs_and_acts_on(mini_kb: KnowledgeBase) -> None:
    assert TMR.ElbowFlexion in mini_kb.objects(BICEPS_SHORT, TMR.performs)
    assert TMR.ShoulderFlexion in mini_kb.objects(BICEPS_SHORT, TMR.performs)
    assert set(mini_kb.objects(BICEPS_SHORT, TMR.actsOn)) == {
        TMR.ElbowJoint,
        TMR.RadioulnarJoints,
        TMR.ShoulderJoint,
    }


@pytest.mark.parametrize("name", ["deltoid", "DELTOID", "  Deltoid "])
def test_names_resolve_case_insensitively(mini_kb: KnowledgeBase, name: str) -> None:
    assert mini_kb.get(name) == DELTOID


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("PQ", TMR.PronatorQuadratus),
        ("ain", TMR.AnteriorInterosseousNerve),
        ("transhumeral", TMR.transhumeral),
        ("forearm", TMR.Forearm),
    ],
)
def test_synonyms_abbreviations_and_ids_resolve(
    mini_kb: KnowledgeBase, name: str, expected: object
) -> None:
    assert mini_kb.get(name) == expected


def test_unknown_name_suggests_close_matches(mini_kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownEntityError, match=r"unknown name 'deltiod'; did you mean 'deltoid'"):
        mini_kb.get("deltiod")


def test_ambiguous_name_lists_every_meaning(make_ontology: Callable[..., Path]) -> None:
    extra = 'tmr:Deltoid skos:altLabel "PQ"@en .\n'
    kb = load_knowledge_base(make_ontology(extra))
    with pytest.raises(
        AmbiguousNameError,
        match=r"'PQ' is ambiguous: which of these\? 'deltoid', 'pronator quadratus'",
    ):
        kb.get("PQ")


def test_nerve_path_runs_up_to_the_root(mini_kb: KnowledgeBase) -> None:
    path = mini_kb.nerve_path(TMR.BranchToBicepsBrachiiShortHead)
    assert [mini_kb.label(n) for n in path] == [
        "motor branch to biceps brachii short head",
        "musculocutaneous nerve",
        "C5 root",
    ]


def test_views_are_real_networkx_graphs(mini_kb: KnowledgeBase) -> None:
    import networkx as nx

    assert isinstance(mini_kb.nerve_tree, nx.DiGraph)
    assert mini_kb.nerve_tree.has_edge(TMR.BranchToDeltoid, TMR.AxillaryNerve)
    edges = mini_kb.anatomy.get_edge_data(TMR.BranchToDeltoid, DELTOID)
    assert [e["predicate"] for e in edges.values()] == [TMR.innervates]


def test_search_prefers_containing_names(mini_kb: KnowledgeBase) -> None:
    hits = mini_kb.search("pronator")
    assert hits[0].entity == TMR.PronatorQuadratus
    assert mini_kb.search("") == []
    assert [h.entity for h in mini_kb.search("delotid")] == [DELTOID]


def test_version_carries_declared_version_and_content_hash(
    make_ontology: Callable[..., Path],
) -> None:
    first = load_knowledge_base(make_ontology()).version
    assert first.startswith("0.1.0+") and len(first.split("+")[1]) == 12


def test_content_change_changes_version(make_ontology: Callable[..., Path]) -> None:
    base = load_knowledge_base(make_ontology()).version
    changed = load_knowledge_base(make_ontology('tmr:Deltoid skos:altLabel "delt"@en .\n')).version
    assert base != changed


@pytest.mark.parametrize(
    ("text", "line", "complaint"),
    [
        (
            'tmr:A a tmr:Muscle ;\n    skos:prefLabel "unterminated ;\n',
            6,
            "newline found in string literal",
        ),
        ("tmr:A a tmr:Muscle .\n\ntmr:B tmr:partOf tmr:C tmr:D .\n", 7, "expected '.'"),
        ("tmr:A a foo:Muscle .\n", 5, 'Prefix "foo:" not bound'),
    ],
)
def test_broken_turtle_names_file_line_and_complaint(
    make_ontology: Callable[..., Path], text: str, line: int, complaint: str
) -> None:
    ontology = make_ontology(text)
    with pytest.raises(
        KnowledgeBaseError, match=rf"extra\.ttl:{line}: Turtle syntax error: .*{complaint}"
    ):
        load_knowledge_base(ontology)


def test_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"nowhere: ontology directory not found"):
        load_knowledge_base(tmp_path / "nowhere")


def test_directory_without_turtle_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="no Turtle files"):
        load_knowledge_base(tmp_path)
