"""Rays, through-levels and residual lengths: what a hand or foot case says was lost, on the
framework's rays (ontology/anatomy/digits.ttl) with a two-finger flexor written for the test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tmrplan.errors import InvalidCaseError, UnknownEntityError
from tmrplan.knowledge.kb import KnowledgeBase, load_knowledge_base
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.amputation import MuscleStatus, compute_level_effects
from tmrplan.planning.loss import Loss, loss_in_words, loss_unknowns, resolve_loss, scenarios

# A long flexor of the index and middle fingers: it flexes each finger's DIP joint and the wrist.
FLEXOR = """
tmr:TestIndexDIP a tmr:Joint ; skos:prefLabel "index DIP (test)"@en ;
    tmr:articulates tmr:IndexFingerMiddlePhalanx , tmr:IndexFingerDistalPhalanx ; dcterms:source tmr:src_tmrplan_model .
tmr:TestMiddleDIP a tmr:Joint ; skos:prefLabel "middle DIP (test)"@en ;
    tmr:articulates tmr:MiddleFingerMiddlePhalanx , tmr:MiddleFingerDistalPhalanx ; dcterms:source tmr:src_tmrplan_model .
tmr:TestIndexFlexion a tmr:Action ; skos:prefLabel "index DIP flexion (test)"@en ;
    tmr:atJoint tmr:TestIndexDIP ; dcterms:source tmr:src_tmrplan_model .
tmr:TestMiddleFlexion a tmr:Action ; skos:prefLabel "middle DIP flexion (test)"@en ;
    tmr:atJoint tmr:TestMiddleDIP ; dcterms:source tmr:src_tmrplan_model .
tmr:TestFlexor a tmr:Muscle ; skos:prefLabel "two-finger flexor (test)"@en ;
    tmr:locatedIn tmr:Forearm ;
    tmr:insertionIn tmr:IndexFingerDistalPhalanx , tmr:MiddleFingerDistalPhalanx ;
    tmr:primeMoverFor tmr:TestIndexFlexion , tmr:TestMiddleFlexion ;
    tmr:accessoryFor tmr:WristFlexion ; dcterms:source tmr:src_tmrplan_model .
"""
DIGIT = TMR.digit


@pytest.fixture(scope="module")
def hand_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    from tests.conftest import build_ontology

    return load_knowledge_base(build_ontology(tmp_path_factory.mktemp("rays") / "o", FLEXOR))


def outcome(kb: KnowledgeBase, **given: object) -> tuple[MuscleStatus, set[str]]:
    loss = resolve_loss(kb, DIGIT, **given)  # type: ignore[arg-type]
    found = compute_level_effects(kb, loss).muscles[TMR.TestFlexor]
    return found.status, {kb.label(a) for a in found.lost}


def test_one_finger_lost_takes_only_that_fingers_action(hand_kb: KnowledgeBase) -> None:
    status, lost = outcome(hand_kb, digits=("index",), through="dip")
    assert status is MuscleStatus.PARTIAL
    assert lost == {"index DIP flexion (test)"}  # the wrist and the middle finger are kept


def test_a_muscle_is_detached_only_when_every_insertion_is_gone(hand_kb: KnowledgeBase) -> None:
    status, lost = outcome(hand_kb, digits=("index", "middle"), through="dip")
    assert status is MuscleStatus.REDUNDANT
    assert "flexion of the wrist" in lost


def test_a_finger_spared_keeps_the_muscle_whole(hand_kb: KnowledgeBase) -> None:
    assert outcome(hand_kb, digits=("ring", "little"), through="mcp")[0] is MuscleStatus.FUNCTIONAL


def test_without_digits_a_muscle_the_readings_disagree_on_is_undetermined(
    hand_kb: KnowledgeBase,
) -> None:
    effects = compute_level_effects(hand_kb, DIGIT)
    found = effects.muscles[TMR.TestFlexor]
    assert found.status is MuscleStatus.UNDETERMINED
    assert found.kept == frozenset() and found.lost == frozenset()  # nothing every reading shares
    assert effects.maybe_removed and not effects.removed_regions
    # A muscle of the forearm that no ray moves is the same in every reading: it stays determined.
    assert effects.muscles[TMR.PronatorQuadratus].status is MuscleStatus.FUNCTIONAL


def test_through_not_stated_is_read_at_every_through_level(hand_kb: KnowledgeBase) -> None:
    loss = resolve_loss(hand_kb, DIGIT, digits=("index",))
    assert len(scenarios(hand_kb, loss)) == 5  # dip, pip, mcp, metacarpal, cmc
    assert outcome(hand_kb, digits=("index",))[0] is MuscleStatus.PARTIAL  # every reading agrees


def test_the_thumb_has_no_pip_joint(hand_kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidCaseError, match=r"thumb.*no PIP joint"):
        resolve_loss(hand_kb, DIGIT, digits=("thumb", "index"), through="pip")


@pytest.mark.parametrize(
    ("given", "error", "match"),
    [
        ({"digits": ("indx",)}, UnknownEntityError, "did you mean 'index'"),
        ({"through": "pipp"}, UnknownEntityError, "did you mean 'pip'"),
        ({"toes": ("hallux",)}, InvalidCaseError, "use digits"),
        ({"digits": ("index", "index")}, InvalidCaseError, "listed twice"),
        ({"residual": "long"}, InvalidCaseError, "only for a trans-segment level"),
        ({"residual": "lon"}, UnknownEntityError, "did you mean 'long'"),
    ],
)
def test_bad_rays_are_refused_with_close_matches(
    hand_kb: KnowledgeBase, given: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        resolve_loss(hand_kb, DIGIT, **given)  # type: ignore[arg-type]


def test_rays_only_at_a_level_that_names_them(hand_kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidCaseError, match="only for a hand or foot level"):
        resolve_loss(hand_kb, TMR.transradial, digits=("index",))


def test_a_whole_foot_level_takes_every_toe(hand_kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidCaseError, match="takes every toe"):
        resolve_loss(hand_kb, TMR.partial_foot, toes=("hallux",), through="lisfranc")
    loss = resolve_loss(hand_kb, TMR.partial_foot, through="chopart")
    (removed,) = scenarios(hand_kb, loss)
    assert TMR.Midfoot in removed and TMR.HalluxDistalPhalanx in removed
    assert TMR.Hindfoot not in removed
    assert loss_unknowns(hand_kb, loss) == []  # nothing is left open


def test_the_loss_in_words_names_the_rays_spared(hand_kb: KnowledgeBase) -> None:
    loss = resolve_loss(hand_kb, DIGIT, digits=("middle", "index"), through="metacarpal")
    words = loss_in_words(hand_kb, loss)
    assert words.startswith("index finger and middle finger through the metacarpal")
    assert words.endswith("thumb, ring finger and little finger spared")
    assert "which digits: not stated" in loss_in_words(hand_kb, Loss(DIGIT))


def test_what_is_not_stated_is_listed(hand_kb: KnowledgeBase) -> None:
    unknowns = loss_unknowns(hand_kb, Loss(DIGIT))
    assert any(u.startswith("which digits were amputated: not stated") for u in unknowns)
    assert any(u.startswith("where they were amputated: not stated") for u in unknowns)


def test_a_case_through_the_planner_names_the_loss(
    make_ontology: Callable[..., Path], hand_kb: KnowledgeBase
) -> None:
    from tmrplan.model import Case
    from tmrplan.planning.planner import Planner
    from tmrplan.rules.cards import load_rulebook

    planner = Planner(hand_kb, load_rulebook(known_sources=hand_kb.source_ids()))
    site = planner.index.site("digit", None, digits=("index",), through="pip")
    assert site.region == TMR.Digits and site.loss is not None
    with pytest.raises(InvalidCaseError, match="intact limb"):
        planner.index.site("none", "hand", digits=("index",))
    assert Case(("median nerve",), "digit", digits=("index",)).to_dict()["digits"] == ["index"]
