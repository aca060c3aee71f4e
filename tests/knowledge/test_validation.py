"""SHACL shapes and violation queries: each check fires on a deliberately broken fixture.

Each test runs the one kind of check it is about (the shapes, or its one query) on its fixture;
the whole validation, both kinds together, runs on the clean mini knowledge base.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tmrplan import paths
from tmrplan.knowledge.kb import KnowledgeBase, load_knowledge_base
from tmrplan.knowledge.validation import (
    Violation,
    load_shapes,
    load_violation_queries,
    run_violation_query,
    shacl_violations,
    validate_once,
)


def shape_violations_for(make_ontology: Callable[..., Path], extra: str) -> list[Violation]:
    """The SHACL findings only: a ``shacl:`` check can come from nothing else, and the violation
    queries (a second or more per fixture) have tests of their own below."""
    kb = load_knowledge_base(make_ontology(extra))
    return shacl_violations(kb.graph, load_shapes(kb.directory))


def test_mini_ontology_is_clean(mini_kb: KnowledgeBase) -> None:
    """The whole validation, shared with the other tests of the clean mini knowledge base (the
    CLI's ``check``, the stamp regression test) through the session's private stamps: a stamp
    is written only when this very content passed these very checks."""
    assert validate_once(mini_kb) == []


@pytest.mark.parametrize(
    ("extra", "check", "focus"),
    [
        ("tmr:X a tmr:Muscle ; dcterms:source tmr:src_Standring2020 .\n", "shacl:LabelShape", "X"),
        ('tmr:Deltoid skos:prefLabel "second label"@en .\n', "shacl:LabelShape", "Deltoid"),
        ('tmr:X a tmr:Muscle ; skos:prefLabel "x muscle"@en .\n', "shacl:SourcedShape", "X"),
        (
            'tmr:X a tmr:Muscle ; skos:prefLabel "x muscle"@en ; dcterms:source tmr:src_Standring2020 .\n',
            "shacl:MuscleShape",
            "X",
        ),
        (
            'tmr:B a tmr:MotorBranch ; skos:prefLabel "b"@en ; tmr:branchOf tmr:AxillaryNerve ;'
            " tmr:spinalRoot tmr:RootC5 ; tmr:locatedIn tmr:Arm ; dcterms:source tmr:src_Standring2020 .\n",
            "shacl:MotorBranchShape",
            "B",
        ),
        (
            'tmr:P a tmr:TransferPattern ; skos:prefLabel "p"@en ; tmr:neuromaNerve tmr:AxillaryNerve ;'
            " dcterms:source tmr:src_Standring2020 .\n",
            "shacl:TransferPatternShape",
            "P",
        ),
        (
            'tmr:S a tmr:Source ; skos:prefLabel "s"@en ; dcterms:title "t" ; tmr:sourceKind tmr:JournalArticle ;'
            ' tmr:doi "doi:10.1/x" .\n',
            "shacl:SourceShape",
            "S",
        ),
    ],
)
def test_shapes_catch_incomplete_entities(
    make_ontology: Callable[..., Path], extra: str, check: str, focus: str
) -> None:
    found = shape_violations_for(make_ontology, extra)
    assert any(v.check == check and v.focus == focus for v in found), found


# Each violation query, the Turtle that must trip it, and the focus entity it must name.
BROKEN = {
    "branchof_cycle_violation": (
        "tmr:AxillaryNerve tmr:branchOf tmr:BranchToDeltoid .\n",
        "AxillaryNerve",
    ),
    "partof_cycle_violation": (
        "tmr:BicepsBrachii tmr:partOf tmr:BicepsBrachiiShortHead .\n",
        "BicepsBrachii",
    ),
    "branch_ancestry_violation": (
        "tmr:AxillaryNerve tmr:innervates tmr:BicepsBrachii .\n",
        "BranchToBicepsBrachiiShortHead",
    ),
    "target_absent_violation": (
        'tmr:P a tmr:TransferPattern ; skos:prefLabel "p"@en ; tmr:neuromaNerve tmr:AnteriorInterosseousNerve ;'
        " tmr:donorNerve tmr:BranchToPronatorQuadratus ; tmr:targetMuscle tmr:PronatorQuadratus ;"
        " tmr:context tmr:transradial ; tmr:evidenceType tmr:CaseReport ; dcterms:source tmr:src_Standring2020 .\n",
        "P",
    ),
    "donor_target_mismatch_violation": (
        'tmr:P a tmr:TransferPattern ; skos:prefLabel "p"@en ; tmr:neuromaNerve tmr:MusculocutaneousNerve ;'
        " tmr:donorNerve tmr:BranchToDeltoid ; tmr:targetMuscle tmr:BicepsBrachiiShortHead ;"
        " tmr:context tmr:transhumeral ; tmr:evidenceType tmr:CaseReport ; dcterms:source tmr:src_Standring2020 .\n",
        "P",
    ),
    "undefined_reference_violation": (
        "tmr:Deltoid tmr:accessoryFor tmr:ShoulderFlexon .\n",
        "Deltoid",
    ),
    "duplicate_label_violation": (
        'tmr:Deltoid skos:prefLabel "Pronator Quadratus"@en .\n',
        "pronator quadratus",
    ),
    "pattern_nerve_absent_violation": (
        'tmr:P a tmr:TransferPattern ; skos:prefLabel "p"@en ; tmr:neuromaNerve tmr:AnteriorInterosseousNerve ;'
        " tmr:donorNerve tmr:BranchToDeltoid ; tmr:targetMuscle tmr:Deltoid ;"
        " tmr:context tmr:shoulder_disarticulation ; tmr:evidenceType tmr:CaseReport ;"
        " dcterms:source tmr:src_Standring2020 .\n",
        "P",
    ),
}


def test_every_shipped_query_has_a_broken_fixture() -> None:
    shipped = {p.stem for p in paths.violation_queries(paths.ontology_dir())}
    assert shipped == set(BROKEN)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_violation_query_fires_and_binds_every_variable(
    make_ontology: Callable[..., Path], name: str
) -> None:
    extra, focus = BROKEN[name]
    kb = load_knowledge_base(make_ontology(extra))
    check = next(q for q in load_violation_queries(kb.directory) if q.name == name)
    rows = list(kb.graph.query(check.query))
    assert rows, f"{name} found nothing in its broken fixture"
    for variable in check.variables:  # a typo'd variable would stay unbound in every row
        assert any(row[variable] is not None for row in rows), f"?{variable} never bound in {name}"
    assert focus in [v.focus for v in run_violation_query(kb.graph, check)]


# Issue 15's pattern shapes: several contexts, an end-to-side coaptation without a donor branch,
# and the study details. The valid ones must raise no TransferPatternShape finding.
_PATTERN = (
    'tmr:P a tmr:TransferPattern ; skos:prefLabel "p"@en ; tmr:neuromaNerve tmr:AxillaryNerve ;'
    " tmr:evidenceType tmr:CaseSeries ; dcterms:source tmr:src_Standring2020 ;"
)


@pytest.mark.parametrize(
    ("extra", "valid"),
    [
        # A motor-branch pattern the source reports at two sites along the nerve.
        (
            f"{_PATTERN} tmr:donorNerve tmr:BranchToDeltoid ; tmr:targetMuscle tmr:Deltoid ;"
            " tmr:context tmr:transhumeral , tmr:shoulder_disarticulation ;"
            ' tmr:contextNote "arm and shoulder" ; tmr:patientCount 12 ;'
            ' tmr:outcome "pain fell" ; tmr:reportedIn tmr:src_Standring2020 .\n',
            True,
        ),
        # End-to-side to a nerve: the recipient instead of a branch and a muscle.
        (
            f"{_PATTERN} tmr:coaptation tmr:EndToSideToNerve ;"
            " tmr:recipientNerve tmr:MusculocutaneousNerve ; tmr:context tmr:transhumeral .\n",
            True,
        ),
        # End-to-side with no recipient nerve.
        (
            f"{_PATTERN} tmr:coaptation tmr:EndToSideToNerve ; tmr:context tmr:transhumeral .\n",
            False,
        ),
        # End-to-side that also names a donor branch and a target: which was it?
        (
            f"{_PATTERN} tmr:coaptation tmr:EndToSideToNerve ;"
            " tmr:recipientNerve tmr:MusculocutaneousNerve ; tmr:donorNerve tmr:BranchToDeltoid ;"
            " tmr:targetMuscle tmr:Deltoid ; tmr:context tmr:transhumeral .\n",
            False,
        ),
        # A donor branch without its target muscle.
        (
            f"{_PATTERN} tmr:donorNerve tmr:BranchToDeltoid ; tmr:context tmr:transhumeral .\n",
            False,
        ),
        # No context at all.
        (
            f"{_PATTERN} tmr:donorNerve tmr:BranchToDeltoid ; tmr:targetMuscle tmr:Deltoid .\n",
            False,
        ),
        # A count that is not a non-negative integer.
        (
            f"{_PATTERN} tmr:donorNerve tmr:BranchToDeltoid ; tmr:targetMuscle tmr:Deltoid ;"
            ' tmr:context tmr:transhumeral ; tmr:patientCount "twelve" .\n',
            False,
        ),
        (
            f"{_PATTERN} tmr:donorNerve tmr:BranchToDeltoid ; tmr:targetMuscle tmr:Deltoid ;"
            " tmr:context tmr:transhumeral ; tmr:limbCount -1 .\n",
            False,
        ),
    ],
)
def test_pattern_shapes_of_the_published_record(
    make_ontology: Callable[..., Path], extra: str, valid: bool
) -> None:
    found = [
        v
        for v in shape_violations_for(make_ontology, extra)
        if v.focus == "P" and v.check == "shacl:TransferPatternShape"
    ]
    assert (found == []) is valid, found
