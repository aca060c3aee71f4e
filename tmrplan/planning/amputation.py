"""What an amputation level takes away, derived from the graph rather than typed in.

A level removes regions (and their parts). From that:

* a **joint** is lost when any region it articulates is removed;
* a **muscle** is absent when the region its belly lies in is removed;
* a present muscle loses an **action** when any of its insertion regions is removed (it no longer
  pulls on anything) or when the action's joint is lost;
* a present muscle that loses every action is **redundant**; one that keeps some is **partial**;
  one that keeps all is **functional**.

A whole muscle described only through its heads takes the status of its heads.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rdflib import URIRef

from tmrplan.knowledge.describe import muscle_parts
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR


class MuscleStatus(StrEnum):
    """A muscle's state after an amputation."""

    ABSENT = "absent"
    REDUNDANT = "redundant"
    PARTIAL = "partial"
    FUNCTIONAL = "functional"


@dataclass(frozen=True)
class MuscleOutcome:
    """One muscle at one level: its status and which actions it keeps and loses."""

    muscle: URIRef
    status: MuscleStatus
    kept: frozenset[URIRef]
    lost: frozenset[URIRef]


@dataclass(frozen=True)
class LevelEffects:
    """Everything a level (or an intact limb, ``level=None``) does to the anatomy."""

    level: URIRef | None
    removed_regions: frozenset[URIRef]
    lost_joints: frozenset[URIRef]
    muscles: dict[URIRef, MuscleOutcome]

    def with_status(self, status: MuscleStatus) -> set[URIRef]:
        """The muscles that end up with ``status``."""
        return {m for m, outcome in self.muscles.items() if outcome.status is status}

    def is_removed(self, region: URIRef) -> bool:
        """Whether a region is gone at this level."""
        return region in self.removed_regions


def removed_regions(kb: KnowledgeBase, level: URIRef) -> frozenset[URIRef]:
    """The regions a level removes, with all their parts."""
    removed: set[URIRef] = set()
    for region in kb.objects(level, TMR.removesRegion):
        removed |= kb.region_and_parts(region)
    return frozenset(removed)


def compute_level_effects(kb: KnowledgeBase, level: URIRef | None) -> LevelEffects:
    """Derive absent, redundant, partial and functional muscles for a level.

    Args:
        kb: the knowledge base.
        level: a ``tmr:AmputationLevel``, or None for an intact limb (nothing removed).

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> kb = load_knowledge_base()
        >>> effects = compute_level_effects(kb, TMR.transhumeral)
        >>> TMR.BicepsBrachiiShortHead in effects.with_status(MuscleStatus.REDUNDANT)
        True
    """
    removed = removed_regions(kb, level) if level is not None else frozenset()
    lost_joints = frozenset(
        joint
        for joint in kb.entities(TMR.Joint)
        if any(region in removed for region in kb.objects(joint, TMR.articulates))
    )
    outcomes: dict[URIRef, MuscleOutcome] = {}
    wholes = []
    for muscle in kb.entities(TMR.Muscle):
        actions = set(kb.objects(muscle, TMR.performs))
        if not actions and muscle_parts(kb, muscle):
            wholes.append(muscle)
            continue
        outcomes[muscle] = _outcome(kb, muscle, actions, removed, lost_joints)
    for whole in wholes:
        outcomes[whole] = _whole_outcome(
            whole, [outcomes[p] for p in muscle_parts(kb, whole) if p in outcomes]
        )
    return LevelEffects(level, removed, lost_joints, outcomes)


def _outcome(
    kb: KnowledgeBase,
    muscle: URIRef,
    actions: set[URIRef],
    removed: frozenset[URIRef],
    lost_joints: frozenset[URIRef],
) -> MuscleOutcome:
    if any(region in removed for region in kb.objects(muscle, TMR.locatedIn)):
        return MuscleOutcome(muscle, MuscleStatus.ABSENT, frozenset(), frozenset(actions))
    detached = any(region in removed for region in kb.objects(muscle, TMR.insertionIn))
    lost = {
        action
        for action in actions
        if detached or any(j in lost_joints for j in kb.objects(action, TMR.atJoint))
    }
    kept = actions - lost
    if not kept:
        status = MuscleStatus.REDUNDANT
    elif lost:
        status = MuscleStatus.PARTIAL
    else:
        status = MuscleStatus.FUNCTIONAL
    return MuscleOutcome(muscle, status, frozenset(kept), frozenset(lost))


def _whole_outcome(whole: URIRef, parts: list[MuscleOutcome]) -> MuscleOutcome:
    kept = frozenset().union(*(p.kept for p in parts)) if parts else frozenset()
    lost = frozenset().union(*(p.lost for p in parts)) if parts else frozenset()
    statuses = {p.status for p in parts}
    if not parts or statuses == {MuscleStatus.ABSENT}:
        status = MuscleStatus.ABSENT
    elif statuses <= {MuscleStatus.REDUNDANT, MuscleStatus.ABSENT}:
        status = MuscleStatus.REDUNDANT
    elif statuses == {MuscleStatus.FUNCTIONAL}:
        status = MuscleStatus.FUNCTIONAL
    else:
        status = MuscleStatus.PARTIAL
    return MuscleOutcome(whole, status, kept, lost - kept)


def muscles_of_level_limb(
    kb: KnowledgeBase, effects: LevelEffects
) -> dict[MuscleStatus, list[URIRef]]:
    """The level's own limb, muscle by muscle, grouped by status (the finest parts are shown:
    a muscle with heads appears as its heads). Other limbs are left out: a transhumeral
    amputation says nothing new about the leg.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> kb = load_knowledge_base()
        >>> groups = muscles_of_level_limb(kb, compute_level_effects(kb, kb.level_ids["transhumeral"]))
        >>> TMR.Brachialis in groups[MuscleStatus.REDUNDANT], TMR.Soleus in groups[MuscleStatus.FUNCTIONAL]
        (True, False)
    """
    limbs = set(kb.objects(effects.level, TMR.limb)) if effects.level is not None else set()
    groups: dict[MuscleStatus, list[URIRef]] = {status: [] for status in MuscleStatus}
    for muscle, outcome in effects.muscles.items():
        if kb.subjects(TMR.partOf, muscle):
            continue  # shown as its parts
        where = {kb.limb_of(region) for region in kb.objects(muscle, TMR.locatedIn)}
        if not limbs or where & limbs:
            groups[outcome.status].append(muscle)
    for members in groups.values():
        members.sort(key=kb.label)
    return groups
