"""What an amputation level takes away, derived from the graph rather than typed in.

A level removes regions (and their parts). From that:

* a **joint** is lost when any region it articulates is removed;
* a **muscle** is absent when the region its belly lies in is removed, or when every one of its
  origins lies on removed ray segments;
* a present muscle loses an **action** when any of its insertion regions is removed (it no longer
  pulls on anything) or when the action's joint is lost;
* a present muscle that loses every action is **redundant**; one that keeps some is **partial**;
  one that keeps all is **functional**.

A whole muscle described only through its heads takes the status of its heads. A muscle that
inserts on several rays (digits or toes) loses the actions at one ray's joints with its insertions
on that ray, and is detached (every action lost) only when every insertion is gone. Where the case
does not say which rays were lost, a muscle whose outcome differs between the readings it allows is
*undetermined* (:mod:`tmrplan.planning.loss`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rdflib import URIRef

from tmrplan.knowledge.describe import muscle_parts
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.loss import Loss, level_regions, names_rays, scenarios


class MuscleStatus(StrEnum):
    """A muscle's state after an amputation."""

    ABSENT = "absent"
    REDUNDANT = "redundant"
    PARTIAL = "partial"
    FUNCTIONAL = "functional"
    # The case does not say enough (which digits, through where) and the readings it allows
    # disagree about this muscle: its status is an unknown, not the status of one reading.
    UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class MuscleOutcome:
    """One muscle at one level: its status and which actions it keeps and loses (for an
    undetermined muscle: the actions every reading keeps, and those every reading loses)."""

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
    # Regions removed in some readings of the case but not all (empty when it says enough).
    maybe_removed: frozenset[URIRef] = frozenset()

    def with_status(self, status: MuscleStatus) -> set[URIRef]:
        """The muscles that end up with ``status``."""
        return {m for m, outcome in self.muscles.items() if outcome.status is status}

    def is_removed(self, region: URIRef) -> bool:
        """Whether a region is gone at this level (in every reading of the case)."""
        return region in self.removed_regions


def compute_level_effects(
    kb: KnowledgeBase, level: URIRef | Loss | None, anatomy: Anatomy | None = None
) -> LevelEffects:
    """Derive absent, redundant, partial and functional muscles for a level.

    Args:
        kb: the knowledge base.
        level: a ``tmr:AmputationLevel``, a :class:`~tmrplan.planning.loss.Loss` (a level with
            the case's rays, through-level and residual length), or None for an intact limb.
            A level that names rays, given without them, is read in every way it allows
            (:func:`~tmrplan.planning.loss.scenarios`).
        anatomy: :meth:`Anatomy.of` the same knowledge base, if the caller keeps one (a level
            table computing many levels reads the graph once).

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> kb = load_knowledge_base()
        >>> effects = compute_level_effects(kb, TMR.transhumeral)
        >>> TMR.BicepsBrachiiShortHead in effects.with_status(MuscleStatus.REDUNDANT)
        True
    """
    anatomy = anatomy or Anatomy.of(kb)
    if level is None:
        return _effects(anatomy, None, frozenset())
    loss = level if isinstance(level, Loss) else Loss(level)
    if not names_rays(kb, loss.level):
        removed = frozenset(level_regions(kb, loss.level, loss.residual))
        return _effects(anatomy, loss.level, removed)
    readings = [_effects(anatomy, loss.level, removed) for removed in scenarios(kb, loss)]
    return readings[0] if len(readings) == 1 else _agreement(loss.level, readings)


@dataclass(frozen=True)
class _Muscle:
    """What decides one muscle's outcome, read from the graph once per computation (a bare ray
    level is computed for some thirty readings)."""

    muscle: URIRef
    located: tuple[URIRef, ...]
    # Origins when every one is on a ray's segments (a dorsal interosseous between two
    # metacarpals): with all of them removed the belly has nothing left to arise from.
    ray_origins: tuple[URIRef, ...]
    insertions: tuple[URIRef, ...]
    # Each ray the muscle inserts on, with its insertions there.
    on_rays: dict[URIRef, tuple[URIRef, ...]]
    # Each action with its joints and the ray whose joint it is at (None: no single ray).
    actions: dict[URIRef, tuple[tuple[URIRef, ...], URIRef | None]]


@dataclass(frozen=True)
class Anatomy:
    """The graph's joints and muscles as :func:`compute_level_effects` reads them."""

    joints: tuple[tuple[URIRef, tuple[URIRef, ...]], ...]
    muscles: tuple[_Muscle, ...]
    wholes: tuple[tuple[URIRef, tuple[URIRef, ...]], ...]

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Anatomy:
        joints = tuple((j, tuple(kb.objects(j, TMR.articulates))) for j in kb.entities(TMR.Joint))
        muscles, wholes = [], []
        for muscle in kb.entities(TMR.Muscle):
            actions = kb.objects(muscle, TMR.performs)
            if not actions and muscle_parts(kb, muscle):
                wholes.append((muscle, tuple(sorted(muscle_parts(kb, muscle)))))
                continue
            insertions = tuple(kb.objects(muscle, TMR.insertionIn))
            on_rays: dict[URIRef, list[URIRef]] = {}
            for region in insertions:
                for ray in kb.objects(region, TMR.ofDigit):
                    on_rays.setdefault(ray, []).append(region)
            origins = tuple(kb.objects(muscle, TMR.originIn))
            on_ray = all(kb.objects(region, TMR.ofDigit) for region in origins)
            muscles.append(
                _Muscle(
                    muscle,
                    tuple(kb.objects(muscle, TMR.locatedIn)),
                    origins if origins and on_ray else (),
                    insertions,
                    {ray: tuple(regions) for ray, regions in on_rays.items()},
                    {
                        a: (tuple(kb.objects(a, TMR.atJoint)), _ray_of_action(kb, a))
                        for a in actions
                    },
                )
            )
        return cls(joints, tuple(muscles), tuple(wholes))


def _effects(anatomy: Anatomy, level: URIRef | None, removed: frozenset[URIRef]) -> LevelEffects:
    lost_joints = frozenset(
        joint for joint, regions in anatomy.joints if any(r in removed for r in regions)
    )
    outcomes = {m.muscle: _outcome(m, removed, lost_joints) for m in anatomy.muscles}
    for whole, parts in anatomy.wholes:
        outcomes[whole] = _whole_outcome(whole, [outcomes[p] for p in parts if p in outcomes])
    return LevelEffects(level, removed, lost_joints, outcomes)


def _agreement(level: URIRef, readings: list[LevelEffects]) -> LevelEffects:
    """One muscle outcome where every reading agrees; undetermined where they do not."""
    first = readings[0]
    outcomes: dict[URIRef, MuscleOutcome] = {}
    for muscle, outcome in first.muscles.items():
        others = [r.muscles[muscle] for r in readings[1:]]
        if all(o == outcome for o in others):
            outcomes[muscle] = outcome
            continue
        kept = frozenset.intersection(outcome.kept, *(o.kept for o in others))
        lost = frozenset.intersection(outcome.lost, *(o.lost for o in others))
        outcomes[muscle] = MuscleOutcome(muscle, MuscleStatus.UNDETERMINED, kept, lost)
    always = frozenset.intersection(*(r.removed_regions for r in readings))
    sometimes = frozenset.union(*(r.removed_regions for r in readings)) - always
    joints = frozenset.intersection(*(r.lost_joints for r in readings))
    return LevelEffects(level, always, joints, outcomes, sometimes)


def _outcome(
    muscle: _Muscle, removed: frozenset[URIRef], lost_joints: frozenset[URIRef]
) -> MuscleOutcome:
    actions = set(muscle.actions)
    if any(region in removed for region in muscle.located) or (
        muscle.ray_origins and all(region in removed for region in muscle.ray_origins)
    ):
        return MuscleOutcome(muscle.muscle, MuscleStatus.ABSENT, frozenset(), frozenset(actions))
    # Detached only when every insertion is gone: a long flexor that loses one finger still pulls
    # on the others. An action at one ray's joint is lost with the muscle's insertions on that ray.
    detached = bool(muscle.insertions) and all(r in removed for r in muscle.insertions)
    lost_rays = {
        ray for ray, regions in muscle.on_rays.items() if all(r in removed for r in regions)
    }
    lost = {
        action
        for action, (joints, ray) in muscle.actions.items()
        if detached
        or any(j in lost_joints for j in joints)
        or (ray is not None and ray in lost_rays)
    }
    kept = actions - lost
    if not kept:
        status = MuscleStatus.REDUNDANT
    elif lost:
        status = MuscleStatus.PARTIAL
    else:
        status = MuscleStatus.FUNCTIONAL
    return MuscleOutcome(muscle.muscle, status, frozenset(kept), frozenset(lost))


def _ray_of_action(kb: KnowledgeBase, action: URIRef) -> URIRef | None:
    """The ray whose joint the action is at (None for a joint of no single ray)."""
    for joint in kb.objects(action, TMR.atJoint):
        for region in kb.objects(joint, TMR.articulates):
            for ray in kb.objects(region, TMR.ofDigit):
                return ray
    return None


def _whole_outcome(whole: URIRef, parts: list[MuscleOutcome]) -> MuscleOutcome:
    kept = frozenset().union(*(p.kept for p in parts)) if parts else frozenset()
    lost = frozenset().union(*(p.lost for p in parts)) if parts else frozenset()
    statuses = {p.status for p in parts}
    if MuscleStatus.UNDETERMINED in statuses:
        status = MuscleStatus.UNDETERMINED
    elif not parts or statuses == {MuscleStatus.ABSENT}:
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
