"""The quiz on the shipped knowledge base: every answer re-checked against the graph itself."""

from __future__ import annotations

import random
import re

import networkx as nx
import pytest
from rdflib import URIRef

from tmrplan.errors import UnknownEntityError
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.amputation import MuscleStatus
from tmrplan.planning.anatomy_index import AnatomyIndex
from tmrplan.teaching.quiz import QUESTION_KINDS, Question, generate_quiz, make_question

SEEDS = range(67)  # three questions each: about 200 questions


# The module's tests share one xdist worker (``--dist loadgroup``), so the anatomy index and the
# 200 questions (module fixtures, seconds to build) are built once, not once in each worker.
pytestmark = pytest.mark.xdist_group("quiz")


@pytest.fixture(scope="module")
def index(kb: KnowledgeBase) -> AnatomyIndex:
    return AnatomyIndex(kb)


@pytest.fixture(scope="module")
def questions(index: AnatomyIndex) -> list[Question]:
    return [q for seed in SEEDS for q in generate_quiz(index, seed, count=3)]


def of_kind(questions: list[Question], kind: str) -> list[Question]:
    found = [q for q in questions if q.kind == kind]
    assert len(found) > 50, f"only {len(found)} {kind!r} questions were generated"
    return found


def entity(kb: KnowledgeBase, label: str) -> URIRef:
    found = kb.find(label)
    assert found is not None, f"no entity is labelled {label!r}"
    return found


def parse(pattern: str, prompt: str) -> tuple[str, ...]:
    match = re.fullmatch(pattern, prompt)
    assert match, prompt
    return match.groups()


def supplying_nerves(kb: KnowledgeBase, muscle: URIRef) -> set[URIRef]:
    """Every nerve that innervates the muscle or lies above one that does (any branchOf path)."""
    found: set[URIRef] = set()
    for nerve in kb.subjects(TMR.innervates, muscle):
        found |= {nerve} | nx.descendants(kb.nerve_tree, nerve)  # edges run child → parent
    return found


def test_every_question_has_one_answer_among_distinct_choices(questions: list[Question]) -> None:
    assert {q.kind for q in questions} == set(QUESTION_KINDS)
    for q in questions:
        assert 3 <= len(q.choices) <= 4, q
        assert len(set(q.choices)) == len(q.choices), q.choices
        assert q.choices.count(q.answer) == 1, q
        assert q.prompt.endswith("?") and q.explanation.strip(), q
        assert q.sources and all(s["id"] and s["kind"] for s in q.sources), q


def test_supplies_answer_supplies_the_muscle_and_no_distractor_does(
    kb: KnowledgeBase, questions: list[Question]
) -> None:
    dual = 0
    for q in of_kind(questions, "supplies"):
        (muscle_label,) = parse(r"Which of these nerves supplies the (.+)\?", q.prompt)
        muscle = entity(kb, muscle_label)
        supplying = supplying_nerves(kb, muscle)
        answer = entity(kb, q.answer)
        assert answer in supplying and kb.is_a(answer, TMR.MixedNerve), q
        for choice in set(q.choices) - {q.answer}:
            assert entity(kb, choice) not in supplying, f"{choice!r} supplies {muscle_label!r}"
            # Nor a sub-branch of the answer, which a reader could take for the answer itself.
            assert answer not in nx.descendants(kb.nerve_tree, entity(kb, choice)), q
        named = {n for n in supplying if kb.is_a(n, TMR.MixedNerve)}
        dual += len(named - set(nx.descendants(kb.nerve_tree, answer))) > 1
        assert q.answer in q.explanation
    assert dual, "no muscle with two separate supplying nerves was asked about"


def test_lost_if_used_answer_is_an_action_of_the_muscle_and_no_distractor_is(
    kb: KnowledgeBase, questions: list[Question]
) -> None:
    for q in of_kind(questions, "lost_if_used"):
        branch_label, muscle_label = parse(
            r"Using the (.+) as a TMR donor in an intact limb denervates the (.+)\. "
            r"Which of these actions loses a contributor\?",
            q.prompt,
        )
        branch, muscle = entity(kb, branch_label), entity(kb, muscle_label)
        # The branch is the muscle's only motor branch, so using it does denervate the muscle.
        motor = [n for n in kb.subjects(TMR.innervates, muscle) if kb.is_a(n, TMR.MotorBranch)]
        assert motor == [branch], q
        performed = set(kb.objects(muscle, TMR.performs))
        assert entity(kb, q.answer) in performed, q
        for choice in set(q.choices) - {q.answer}:
            assert entity(kb, choice) not in performed, f"{muscle_label!r} performs {choice!r}"
        assert f"Role of the {muscle_label} in {q.answer}: " in q.explanation, q.explanation
        assert "Still performed by" in q.explanation or "No other muscle" in q.explanation


def test_redundant_answer_lost_every_action_and_distractors_kept_one(
    kb: KnowledgeBase, index: AnatomyIndex, questions: list[Question]
) -> None:
    for q in of_kind(questions, "redundant_at_level"):
        (level_label,) = parse(
            r"After (.+), which of these muscles' motor branches is a redundant donor "
            r"\(the muscle remains, but every action it performs is already lost\)\?",
            q.prompt,
        )
        effects = index.effects[entity(kb, level_label)]
        for choice in q.choices:
            muscle = entity(kb, choice)
            status = effects.muscles[muscle].status
            # Re-derived from the graph: the belly stays; an action is lost with its joint, or
            # when every insertion of the muscle is gone (it is detached).
            assert not set(kb.objects(muscle, TMR.locatedIn)) & effects.removed_regions
            insertions = set(kb.objects(muscle, TMR.insertionIn))
            detached = bool(insertions) and insertions <= effects.removed_regions
            kept = [
                a
                for a in kb.objects(muscle, TMR.performs)
                if not detached and not set(kb.objects(a, TMR.atJoint)) & effects.lost_joints
            ]
            if choice == q.answer:
                assert status is MuscleStatus.REDUNDANT and not kept, q
            else:
                assert status in (MuscleStatus.FUNCTIONAL, MuscleStatus.PARTIAL) and kept, q
        for action in kb.objects(entity(kb, q.answer), TMR.performs):
            assert kb.label(action) in q.explanation, (kb.label(action), q.explanation)


def test_the_same_seed_gives_the_same_quiz(index: AnatomyIndex) -> None:
    for seed in (0, 1, 12345):
        assert generate_quiz(index, seed, count=6) == generate_quiz(index, seed, count=6)
    assert generate_quiz(index, 1, count=6) != generate_quiz(index, 2, count=6)


def test_kinds_cycle_in_order(index: AnatomyIndex) -> None:
    kinds = [q.kind for q in generate_quiz(index, 3, count=7)]
    assert kinds == [*QUESTION_KINDS, *QUESTION_KINDS, QUESTION_KINDS[0]]


def test_questions_vary_across_seeds(questions: list[Question]) -> None:
    assert len({q.prompt for q in questions}) > 100


def test_unknown_kind_is_refused_with_the_known_kinds(index: AnatomyIndex) -> None:
    with pytest.raises(UnknownEntityError, match=r"unknown question kind 'supply'.*'supplies'"):
        make_question(index, "supply", random.Random(0))


def limbs_of(kb: KnowledgeBase, muscle: URIRef) -> set[URIRef | None]:
    return {kb.limb_of(r) for r in kb.objects(muscle, TMR.locatedIn)}


def test_distractors_are_of_the_answers_kind_and_from_the_same_limb(
    kb: KnowledgeBase, questions: list[Question]
) -> None:
    """Plausible wrong answers (issue 16): a nerve for a nerve, an action for an action, a muscle
    for a muscle, and from the asked muscle's limb (nearly always: a small hand pool may top up
    from the rest of the limb's neighbours), so none is wrong at a glance."""
    near = total = 0
    for q in questions:
        answer = entity(kb, q.answer)
        wrong = [entity(kb, c) for c in q.choices if c != q.answer]
        assert all(kb.type_of(w) == kb.type_of(answer) for w in wrong) or q.kind == "supplies", q
        if q.kind == "supplies":
            (label,) = parse(r"Which of these nerves supplies the (.+)\?", q.prompt)
            limbs = limbs_of(kb, entity(kb, label))
            assert all(kb.is_a(w, TMR.MixedNerve) for w in wrong), q
            hits = [
                any(limbs & limbs_of(kb, m) for m in kb.objects(w, TMR.innervates))
                or any(
                    limbs & limbs_of(kb, m)
                    for b in kb.subjects(TMR.branchOf, w)
                    for m in kb.objects(b, TMR.innervates)
                )
                for w in wrong
            ]
        elif q.kind == "lost_if_used":
            *_, label = parse(
                r"Using the (.+) as a TMR donor .* denervates the (.+)\. .*", q.prompt
            )
            limbs = limbs_of(kb, entity(kb, label))
            hits = [
                any(limbs & limbs_of(kb, m) for m in kb.subjects(TMR.performs, w)) for w in wrong
            ]
        else:
            limbs = limbs_of(kb, answer)
            hits = [bool(limbs & limbs_of(kb, w)) for w in wrong]
        near += sum(hits)
        total += len(hits)
    assert near / total > 0.95, f"{near} of {total} distractors from the asked muscle's limb"


def test_an_action_question_offers_other_actions_at_the_same_joint_first(
    kb: KnowledgeBase, questions: list[Question]
) -> None:
    """'Flexion of the knee' beside 'extension of the knee', not a toe's action for a thigh
    muscle: when the muscle's joints have other actions, at least one is offered."""
    checked = 0
    for q in of_kind(questions, "lost_if_used"):
        *_, label = parse(r"Using the (.+) as a TMR donor .* denervates the (.+)\. .*", q.prompt)
        muscle = entity(kb, label)
        performed = set(kb.objects(muscle, TMR.performs))
        joints = {j for a in performed for j in kb.objects(a, TMR.atJoint)}
        same_joint = {
            a
            for a in kb.entities(TMR.Action)
            if a not in performed
            and kb.subjects(TMR.performs, a)
            and joints & set(kb.objects(a, TMR.atJoint))
        }
        if same_joint:
            checked += 1
            assert {entity(kb, c) for c in q.choices} & same_joint, q
    assert checked > 30
