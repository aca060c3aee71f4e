"""Nerves surgeons name that were missing (issue 14, last bullet): the spinal accessory nerve with
trapezius, the supraclavicular nerves of the cervical plexus, and the inferior calcaneal (Baxter's)
nerve. Each resolves by the names the literature and clinic letters use, hangs where its sources
put it (parent, roots, muscle), and trapezius is a functional muscle, never a redundant donor."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from tmrplan.knowledge.describe import nerve_path_labels, supplying_branches
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import DCTERMS, RDFS, TMR
from tmrplan.model import Case, DonorStatus
from tmrplan.planning.amputation import MuscleStatus, compute_level_effects
from tmrplan.planning.planner import Planner

SAN = TMR.SpinalAccessoryNerve
SAN_ROOT = TMR.SpinalRootOfAccessoryNerve
TRAPEZIUS = TMR.Trapezius
TRAPEZIUS_BRANCH = TMR.BranchToTrapezius
TRAPEZIUS_C3_C4 = TMR.BranchToTrapeziusFromCervicalPlexus
CERVICAL_PLEXUS = TMR.CervicalPlexus
SCN = TMR.SupraclavicularNerves
SCN_PARTS = (
    TMR.MedialSupraclavicularNerves,
    TMR.IntermediateSupraclavicularNerves,
    TMR.LateralSupraclavicularNerves,
)
ICN = TMR.InferiorCalcanealNerve
ICN_TO_ADM = TMR.BranchToAbductorDigitiMinimiOfFootFromInferiorCalcanealNerve
ADM_FOOT = TMR.AbductorDigitiMinimiOfFoot
LPN = TMR.LateralPlantarNerve


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("spinal accessory", SAN),
        ("spinal accessory nerve", SAN),
        ("accessory nerve", SAN),
        ("CN XI", SAN),
        ("cranial nerve XI", SAN),
        ("eleventh cranial nerve", SAN),
        ("SAN", SAN),
        ("trapezius", TRAPEZIUS),
        ("nerve to trapezius", TRAPEZIUS_BRANCH),
        ("cervical plexus", CERVICAL_PLEXUS),
        ("C3", TMR.RootC3),
        ("supraclavicular nerve", SCN),
        ("supraclavicular nerves", SCN),
        ("nervi supraclaviculares", SCN),
        ("medial supraclavicular nerve", TMR.MedialSupraclavicularNerves),
        ("intermediate supraclavicular nerves", TMR.IntermediateSupraclavicularNerves),
        ("lateral supraclavicular nerve", TMR.LateralSupraclavicularNerves),
        ("supra-acromial nerves", TMR.LateralSupraclavicularNerves),
        ("Baxter's nerve", ICN),
        ("Baxter nerve", ICN),
        ("inferior calcaneal nerve", ICN),
        ("first branch of the lateral plantar nerve", ICN),
    ],
)
def test_everyday_names_resolve(kb: KnowledgeBase, name: str, entity: URIRef) -> None:
    assert kb.find(name) == entity, name


@pytest.mark.parametrize(
    ("typed", "region", "nerve_id"),
    [
        ("spinal accessory", "shoulder", "SpinalAccessoryNerve"),
        ("CN XI", "back", "SpinalAccessoryNerve"),
        ("supraclavicular nerve", "shoulder", "SupraclavicularNerves"),
        ("supraclavicular nerves", "chest_wall", "SupraclavicularNerves"),
        ("Baxter's nerve", "hindfoot", "InferiorCalcanealNerve"),
        ("inferior calcaneal nerve", "ankle", "InferiorCalcanealNerve"),
    ],
)
def test_planner_takes_them_as_neuroma_nerves(
    planner: Planner, typed: str, region: str, nerve_id: str
) -> None:
    plan = planner.plan(Case((typed,), "none", region))
    (nerve,) = plan.nerves
    assert nerve.nerve.id == nerve_id
    assert nerve.options, f"{typed} in {region}: no options"


def test_spinal_accessory_nerve_is_cranial_nerve_xi_with_its_spinal_root(kb: KnowledgeBase) -> None:
    assert kb.is_a(SAN, TMR.MixedNerve)
    assert kb.objects(SAN, TMR.branchOf) == [SAN_ROOT]
    assert kb.objects(SAN, TMR.spinalRoot) == [SAN_ROOT]
    # the spinal root of CN XI is not one of the ventral rami the plexuses come from
    assert kb.objects(SAN_ROOT, TMR.branchOf) == []
    assert nerve_path_labels(kb, SAN) == [
        "spinal accessory nerve",
        "spinal root of the accessory nerve",
    ]


def test_trapezius_is_supplied_by_the_spinal_accessory_nerve_and_c3_c4(kb: KnowledgeBase) -> None:
    assert set(supplying_branches(kb, TRAPEZIUS)) == {TRAPEZIUS_BRANCH, TRAPEZIUS_C3_C4}
    assert kb.objects(TRAPEZIUS_BRANCH, TMR.branchOf) == [SAN]
    assert kb.objects(TRAPEZIUS_C3_C4, TMR.branchOf) == [CERVICAL_PLEXUS]
    assert set(kb.objects(TRAPEZIUS, TMR.spinalRoot)) == {SAN_ROOT, TMR.RootC3, TMR.RootC4}
    assert set(kb.objects(TRAPEZIUS_C3_C4, TMR.spinalRoot)) == {TMR.RootC3, TMR.RootC4}
    # the C3-C4 twigs are (normally) proprioceptive and inconstant: never offered as a donor
    assert kb.value(TRAPEZIUS_C3_C4, TMR.practicalDonor) in ("false", "0")


def test_trapezius_moves_the_scapula(kb: KnowledgeBase) -> None:
    prime = set(kb.objects(TRAPEZIUS, TMR.primeMoverFor))
    assert {TMR.ScapularElevation, TMR.ScapularRetraction, TMR.ScapularUpwardRotation} <= prime
    assert TMR.ScapularDepression in set(kb.objects(TRAPEZIUS, TMR.accessoryFor))
    assert set(kb.objects(TRAPEZIUS, TMR.actsOn)) == {TMR.ScapulothoracicJoint}


def test_trapezius_is_functional_at_every_level(kb: KnowledgeBase) -> None:
    """No amputation the model knows takes the scapula, so trapezius keeps every action."""
    for level_id, level in kb.level_ids.items():
        status = compute_level_effects(kb, level).muscles[TRAPEZIUS].status
        assert status is MuscleStatus.FUNCTIONAL, f"{level_id}: {status.value}"


def test_trapezius_is_offered_only_as_a_functional_donor(planner: Planner) -> None:
    plan = planner.plan(Case(("supraclavicular nerve",), "none", "shoulder"))
    (nerve,) = plan.nerves
    trapezius = [o for o in nerve.options if o.target_muscle.id == "Trapezius"]
    assert [o.donor_nerve.id for o in trapezius] == ["BranchToTrapezius"]
    assert trapezius[0].donor_status is DonorStatus.FUNCTIONAL
    assert "TMR-DONOR-FUNCTIONAL" in {f.rule_id for f in trapezius[0].flags}


def test_supraclavicular_nerves_come_from_c3_c4_of_the_cervical_plexus(kb: KnowledgeBase) -> None:
    assert kb.is_a(SCN, TMR.CutaneousNerve)
    assert kb.objects(SCN, TMR.branchOf) == [CERVICAL_PLEXUS]
    assert set(kb.objects(SCN, TMR.spinalRoot)) == {TMR.RootC3, TMR.RootC4}
    assert set(kb.objects(CERVICAL_PLEXUS, TMR.branchOf)) == {TMR.RootC3, TMR.RootC4}
    assert nerve_path_labels(kb, SCN)[:2] == ["supraclavicular nerves", "cervical plexus"]
    for part in SCN_PARTS:
        assert kb.is_a(part, TMR.CutaneousNerve)
        assert kb.objects(part, TMR.branchOf) == [SCN]
        assert set(kb.objects(part, TMR.spinalRoot)) == {TMR.RootC3, TMR.RootC4}
        # cutaneous over the clavicle and shoulder, where clavicle fixation divides them
        assert TMR.ShoulderGirdle in kb.objects(part, TMR.coursesThrough)
    assert not kb.subjects(TMR.branchOf, SCN_PARTS[0])
    assert not [m for m in kb.objects(SCN, TMR.innervates)]


def test_inferior_calcaneal_nerve_is_the_first_branch_of_the_lateral_plantar_nerve(
    kb: KnowledgeBase,
) -> None:
    assert kb.is_a(ICN, TMR.MixedNerve)
    assert kb.objects(ICN, TMR.branchOf) == [LPN]
    assert nerve_path_labels(kb, ICN)[:3] == [
        "inferior calcaneal nerve",
        "lateral plantar nerve",
        "tibial nerve",
    ]
    assert {TMR.Ankle, TMR.Hindfoot} <= set(kb.objects(ICN, TMR.coursesThrough))
    assert kb.objects(ICN_TO_ADM, TMR.branchOf) == [ICN]
    assert kb.objects(ICN_TO_ADM, TMR.innervates) == [ADM_FOOT]
    assert kb.objects(ICN_TO_ADM, TMR.locatedIn) == [TMR.Hindfoot]
    # abductor digiti minimi now has two supplies: the lateral plantar trunk and Baxter's nerve
    parents = {kb.objects(b, TMR.branchOf)[0] for b in supplying_branches(kb, ADM_FOOT)}
    assert parents == {LPN, ICN}


def test_the_lateral_plantar_nerve_no_longer_says_baxter_is_not_modelled(kb: KnowledgeBase) -> None:
    for entity in (LPN, TMR.BranchToAbductorDigitiMinimiOfFoot):
        assert "not modelled" not in str(kb.value(entity, RDFS.comment) or ""), kb.label(entity)


@pytest.mark.parametrize(
    "entity",
    [SAN, SAN_ROOT, TRAPEZIUS, TRAPEZIUS_BRANCH, CERVICAL_PLEXUS, SCN, *SCN_PARTS, ICN, ICN_TO_ADM],
)
def test_each_added_entity_cites_a_source_read_for_it(kb: KnowledgeBase, entity: URIRef) -> None:
    """Besides the project's modelling convention, each new entity cites a page or paper read."""
    sources = set(kb.objects(entity, DCTERMS.source)) - {
        TMR.src_tmrplan_model,
        TMR.src_Standring2020,
    }
    assert sources, kb.label(entity)
