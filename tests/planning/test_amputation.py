"""Level effects derived from regions, on the tiny fixture ontology."""

from __future__ import annotations

from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.amputation import MuscleStatus, compute_level_effects

BICEPS_SHORT, DELTOID, PQ = TMR.BicepsBrachiiShortHead, TMR.Deltoid, TMR.PronatorQuadratus


def status(kb: KnowledgeBase, level: object, muscle: object) -> MuscleStatus:
    return compute_level_effects(kb, level).muscles[muscle].status  # type: ignore[arg-type,index]


def test_transhumeral_detaches_biceps_and_spares_deltoid(mini_kb: KnowledgeBase) -> None:
    effects = compute_level_effects(mini_kb, TMR.transhumeral)
    assert effects.muscles[BICEPS_SHORT].status is MuscleStatus.REDUNDANT
    assert effects.muscles[DELTOID].status is MuscleStatus.FUNCTIONAL
    assert effects.muscles[PQ].status is MuscleStatus.ABSENT
    assert TMR.ElbowJoint in effects.lost_joints and TMR.ShoulderJoint not in effects.lost_joints


def test_whole_muscle_takes_the_status_of_its_heads(mini_kb: KnowledgeBase) -> None:
    assert status(mini_kb, TMR.transhumeral, TMR.BicepsBrachii) is MuscleStatus.REDUNDANT
    assert status(mini_kb, None, TMR.BicepsBrachii) is MuscleStatus.FUNCTIONAL


def test_shoulder_disarticulation_detaches_deltoid(mini_kb: KnowledgeBase) -> None:
    assert status(mini_kb, TMR.shoulder_disarticulation, DELTOID) is MuscleStatus.REDUNDANT


def test_transradial_removes_distal_forearm_only(mini_kb: KnowledgeBase) -> None:
    effects = compute_level_effects(mini_kb, TMR.transradial)
    assert effects.muscles[PQ].status is MuscleStatus.ABSENT
    assert effects.muscles[BICEPS_SHORT].status is MuscleStatus.FUNCTIONAL
    assert (
        TMR.Forearm not in effects.removed_regions and TMR.DistalForearm in effects.removed_regions
    )


def test_wrist_disarticulation_keeps_pronation(mini_kb: KnowledgeBase) -> None:
    assert status(mini_kb, TMR.wrist_disarticulation, PQ) is MuscleStatus.FUNCTIONAL


def test_partial_loss_when_only_some_joints_go(make_ontology) -> None:  # type: ignore[no-untyped-def]
    from tmrplan.knowledge.kb import load_knowledge_base

    # A muscle inserting in the arm that also acts at the elbow keeps its shoulder action only.
    kb = load_knowledge_base(make_ontology("tmr:Deltoid tmr:accessoryFor tmr:ElbowFlexion .\n"))
    outcome = compute_level_effects(kb, TMR.transhumeral).muscles[DELTOID]
    assert outcome.status is MuscleStatus.PARTIAL
    assert TMR.ElbowFlexion in outcome.lost and TMR.ShoulderAbduction in outcome.kept


def test_intact_limb_removes_nothing(mini_kb: KnowledgeBase) -> None:
    effects = compute_level_effects(mini_kb, None)
    assert not effects.removed_regions and not effects.lost_joints
    assert effects.with_status(MuscleStatus.FUNCTIONAL) >= {DELTOID, PQ, BICEPS_SHORT}
