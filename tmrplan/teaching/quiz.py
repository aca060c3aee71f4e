"""An educational quiz generated from the knowledge graph: every answer is a fact the graph states.

Questions are about the units the graph attaches motor branches and actions to: a muscle that
performs actions itself and receives a motor branch directly. A whole muscle described only
through its heads (biceps brachii, quadriceps femoris…) is skipped and its heads are asked about,
because the branches, the actions and the level status all live on the heads.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import networkx as nx
from rdflib import URIRef

from tmrplan.errors import UnknownEntityError
from tmrplan.knowledge.describe import describe_source
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import Case
from tmrplan.planning.amputation import MuscleStatus
from tmrplan.planning.anatomy_index import AnatomyIndex
from tmrplan.planning.donor_loss import what_is_lost

QUESTION_KINDS = ("supplies", "lost_if_used", "redundant_at_level")
# What a question maker returns: prompt, answer, distractors, explanation, entities to cite.
Draft = tuple[str, URIRef, list[URIRef], str, list[URIRef]]


@dataclass(frozen=True)
class Question:
    """One multiple-choice question, with the graph facts that make its answer right."""

    kind: str
    prompt: str
    choices: tuple[str, ...]
    answer: str
    explanation: str
    sources: tuple[dict[str, Any], ...]


def generate_quiz(index: AnatomyIndex, seed: int, count: int = 5) -> list[Question]:
    """``count`` questions cycling through ``QUESTION_KINDS``; the same seed gives the same quiz.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> quiz = generate_quiz(AnatomyIndex(load_knowledge_base()), seed=7, count=3)
        >>> [q.kind for q in quiz], all(q.answer in q.choices for q in quiz)
        (['supplies', 'lost_if_used', 'redundant_at_level'], True)
    """
    rng = random.Random(seed)
    return [make_question(index, QUESTION_KINDS[i % 3], rng) for i in range(count)]


def make_question(index: AnatomyIndex, kind: str, rng: random.Random) -> Question:
    """One question of ``kind``, every random choice drawn from ``rng``.

    Raises:
        UnknownEntityError: for a kind not in ``QUESTION_KINDS``.
    """
    makers = dict(zip(QUESTION_KINDS, (_supplies, _lost_if_used, _redundant), strict=True))
    if kind not in makers:
        raise UnknownEntityError("question kind", kind, QUESTION_KINDS)
    kb = index.kb
    prompt, answer, distractors, explanation, cited = makers[kind](index, rng)
    choices = [kb.label(e) for e in [answer, *distractors]]
    rng.shuffle(choices)
    sources = tuple({s: describe_source(kb, s) for e in cited for s in kb.sources_of(e)}.values())
    return Question(kind, prompt, tuple(choices), kb.label(answer), explanation, sources)


def _supplies(index: AnatomyIndex, rng: random.Random) -> Draft:
    kb = index.kb
    answers = {m: _named_nerves(kb, m) for m in _quiz_muscles(kb)}
    muscles = [m for m in answers if answers[m]]  # piriformis's branch leaves the plexus itself
    muscle = rng.choice(muscles)
    answer = rng.choice(answers[muscle])
    # A wrong choice is no ancestor of a supplying nerve (that one supplies, through its branch)
    # and no sub-branch of one ("deep branch of the ulnar nerve" for an ulnar-supplied muscle).
    related, tree = set(answers[muscle]), kb.nerve_tree
    for nerve in [*kb.subjects(TMR.innervates, muscle), *answers[muscle]]:
        related |= nx.descendants(tree, nerve) | nx.ancestors(tree, nerve)
    others = sorted({n for m in muscles for n in answers[m]} - related, key=kb.label)
    # Nearest first: nerves of muscles in the same region, then an adjacent one, then the limb,
    # so "the axillary nerve" is not offered for a lumbrical of the hand.
    tiers = [
        [n for n in others if n in {x for m in ring for x in answers[m]}]
        for ring in _rings(index, muscle, muscles)
    ]
    supply = [
        f"the {kb.label(b)} (from the {', '.join(map(kb.label, _named_above(kb, b)))})"
        for b in _branches(kb, muscle)
    ]
    path = " → ".join(map(kb.label, kb.nerve_path(answer)))
    return (
        f"Which of these nerves supplies the {kb.label(muscle)}?",
        answer,
        _distractors(rng, [*tiers, others]),
        f"Supply of the {kb.label(muscle)}: {'; '.join(supply)}. One path up from the "
        f"{kb.label(answer)}: {path}. None of the other choices lies on a nerve path to it.",
        [muscle, *kb.subjects(TMR.innervates, muscle)],
    )


def _lost_if_used(index: AnatomyIndex, rng: random.Random) -> Draft:
    kb = index.kb
    # One motor branch only: with two (brachialis), using one does not denervate the muscle.
    muscle = rng.choice([m for m in _quiz_muscles(kb) if len(_branches(kb, m)) == 1])
    branch = _branches(kb, muscle)[0]
    performed = kb.objects(muscle, TMR.performs)
    action = rng.choice(performed)
    # Only actions some muscle performs: "extension of the trunk" has no mover in the graph.
    others = [a for a in kb.entities(TMR.Action) if index.movers.get(a) and a not in performed]
    # Nearest first: another action at a joint this muscle moves ("flexion of the knee" beside
    # "extension of the knee"), then actions of muscles in its region, an adjacent one, its limb.
    joints = {j for a in performed for j in kb.objects(a, TMR.atJoint)}
    tiers = [[a for a in others if joints & set(kb.objects(a, TMR.atJoint))]]
    tiers += [
        [a for a in others if index.movers[a] & set(ring)]
        for ring in _rings(index, muscle, kb.entities(TMR.Muscle))
    ]
    case = Case(tuple(map(kb.label, _named_nerves(kb, muscle))), "none", _region_id(kb, muscle))
    loss = {x.action: x for x in what_is_lost(index, case, branch, muscle)}[kb.label(action)]
    # A whole muscle whose supply is recorded on its heads comes back with no nerves listed.
    still = "; ".join(
        f"the {m}" + (f" ({', '.join(nerves)})" if nerves else "")
        for m, nerves in loss.still_performed_by
    )
    return (
        f"Using the {kb.label(branch)} as a TMR donor in an intact limb denervates the "
        f"{kb.label(muscle)}. Which of these actions loses a contributor?",
        action,
        _distractors(rng, [*tiers, others]),
        f"Role of the {kb.label(muscle)} in {loss.action}: {loss.role}; using its branch gives "
        "that contribution up. "
        + (f"Still performed by {still}." if still else "No other muscle performs it."),
        [muscle, branch, action],
    )


def _redundant(index: AnatomyIndex, rng: random.Random) -> Draft:
    kb = index.kb
    muscles, levels = _quiz_muscles(kb), kb.entities(TMR.AmputationLevel)
    by_level = {v: {m: index.effects[v].muscles[m].status for m in muscles} for v in levels}
    # Levels in label order; one with no redundant muscle (digit amputation) has no question.
    level = rng.choice([v for v in levels if MuscleStatus.REDUNDANT in by_level[v].values()])
    effects, status = index.effects[level], by_level[level]
    muscle = rng.choice([m for m in muscles if status[m] is MuscleStatus.REDUNDANT])
    working = [m for m in muscles if status[m] in (MuscleStatus.FUNCTIONAL, MuscleStatus.PARTIAL)]
    # Muscles around the stump are the tempting wrong answers; the rest of the limb tops up.
    stump = kb.objects(level, TMR.stumpRegion)[0]
    close = index.around(stump) | index.adjacent(stump)
    near = [m for m in working if set(kb.objects(m, TMR.locatedIn)) & close]
    reasons = []
    for action in sorted(effects.muscles[muscle].lost, key=kb.label):
        joints = [j for j in kb.objects(action, TMR.atJoint) if j in effects.lost_joints]
        why = f"joint lost: the {kb.label(joints[0])}" if joints else "insertion removed"
        reasons.append(f"{kb.label(action)} ({why})")
    return (
        f"After {kb.label(level)}, which of these muscles' motor branches is a redundant donor "
        "(the muscle remains, but every action it performs is already lost)?",
        muscle,
        _distractors(rng, [near, _same_limb(kb, muscle, working), working]),
        f"After {kb.label(level)}, every action of the {kb.label(muscle)} is lost although the "
        f"muscle remains: {'; '.join(reasons)}. Each other choice keeps at least one action.",
        [muscle, level],
    )


def _distractors(rng: random.Random, tiers: list[list[URIRef]]) -> list[URIRef]:
    """Three items (fewer if the pools are small): from the first tier first, each later tier
    topping up what the earlier ones could not give."""
    chosen: list[URIRef] = []
    for tier in tiers:
        more = sorted(set(tier) - set(chosen), key=tier.index)
        chosen += rng.sample(more, min(3 - len(chosen), len(more)))
        if len(chosen) == 3:
            break
    return chosen


def _rings(index: AnatomyIndex, muscle: URIRef, muscles: list[URIRef]) -> list[list[URIRef]]:
    """``muscles`` in rings around ``muscle``: in its region, acting on one of its joints, in an
    adjacent region, in its limb."""
    kb = index.kb
    regions = kb.objects(muscle, TMR.locatedIn)
    same = {r for region in regions for r in index.around(region)}
    adjacent = {r for region in regions for r in index.adjacent(region)} - same
    joints = set(kb.objects(muscle, TMR.actsOn))

    def within(area: set[URIRef]) -> list[URIRef]:
        return [m for m in muscles if set(kb.objects(m, TMR.locatedIn)) & area]

    sharing = [m for m in muscles if set(kb.objects(m, TMR.actsOn)) & joints]
    return [within(same), sharing, within(adjacent), _same_limb(kb, muscle, muscles)]


def _quiz_muscles(kb: KnowledgeBase) -> list[URIRef]:
    return [m for m in kb.entities(TMR.Muscle) if kb.objects(m, TMR.performs) and _branches(kb, m)]


def _branches(kb: KnowledgeBase, muscle: URIRef) -> list[URIRef]:
    return [n for n in kb.subjects(TMR.innervates, muscle) if kb.is_a(n, TMR.MotorBranch)]


def _named_nerves(kb: KnowledgeBase, muscle: URIRef) -> list[URIRef]:
    """The named nerves a muscle's supply comes from: the textbook answer to "which nerve"."""
    found = {n for nerve in kb.subjects(TMR.innervates, muscle) for n in _named_above(kb, nerve)}
    return sorted(found, key=kb.label)


def _named_above(kb: KnowledgeBase, nerve: URIRef) -> list[URIRef]:
    """The nerve itself if named, else the nearest named nerves up its motor-branch line."""
    found, frontier = set(), [nerve]
    while frontier:  # a plexus part or a root ends the climb
        current = frontier.pop()
        if kb.is_a(current, TMR.MixedNerve):
            found.add(current)
        elif kb.is_a(current, TMR.MotorBranch):
            frontier += kb.objects(current, TMR.branchOf)
    return sorted(found, key=kb.label)


def _same_limb(kb: KnowledgeBase, muscle: URIRef, muscles: list[URIRef]) -> list[URIRef]:
    limb = {kb.limb_of(r) for r in kb.objects(muscle, TMR.locatedIn)}
    return [m for m in muscles if {kb.limb_of(r) for r in kb.objects(m, TMR.locatedIn)} & limb]


def _region_id(kb: KnowledgeBase, muscle: URIRef) -> str:
    """The id of the muscle's region (or the nearest enclosing one), for an intact-limb case."""
    ids = {region: rid for rid, region in kb.region_ids.items()}
    regions = kb.objects(muscle, TMR.locatedIn)
    return next(ids[r] for r in [*regions, *kb.region_ancestors(regions[0])] if r in ids)
