"""Candidate donors, from anatomy (not from a lookup table of transfers).

A candidate is a motor branch whose muscle is present after the amputation and whose entry point
lies in the neuroma's region (or a part or parent of it), or in an adjacent region. Everything is
answered from indexes built once in :class:`AnatomyIndex`, so a plan never scans the graph.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rdflib import URIRef

from tmrplan.errors import InvalidCaseError, UnknownEntityError
from tmrplan.knowledge.describe import muscle_parts
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import LEVEL_IDS, Case
from tmrplan.planning.amputation import (
    Anatomy,
    LevelEffects,
    MuscleStatus,
    compute_level_effects,
)
from tmrplan.planning.loss import Loss, names_rays, resolve_loss, stump_region
from tmrplan.planning.spatial import POSITIONS, SpatialIndex
from tmrplan.text import suggest

# rdflib resolves ``TMR.x`` through Namespace.__getattr__ on every use: hot paths use constants.
_PART_OF = TMR.partOf


@dataclass(frozen=True)
class Site:
    """Where a neuroma lies: the level (None for an intact limb), the region, for an intact limb
    optionally which third of the region (``proximal``, ``middle`` or ``distal``), and what the
    case adds to the level (rays, through-level, residual length; None when nothing)."""

    level: URIRef | None
    region: URIRef
    position: str | None = None
    loss: Loss | None = None

    @property
    def amputation(self) -> URIRef | Loss | None:
        """What the effects of the site are computed from: the loss if the case refines the
        level, else the level."""
        return self.loss if self.loss is not None else self.level


@dataclass(frozen=True)
class Neuroma:
    """Where a neuroma nerve lies at a site (None or empty: not recorded)."""

    compartments: frozenset[URIRef]
    at: float | None
    side: str | None
    limb: URIRef | None = None
    superficial: bool | None = None


@dataclass(frozen=True)
class Candidate:
    """A donor branch and the muscle it supplies, for one neuroma nerve at one site."""

    nerve: URIRef
    branch: URIRef
    muscle: URIRef
    region_distance: int


class LevelEffectsTable(dict[URIRef | Loss | None, LevelEffects]):
    """Each level's effects, computed the first time a plan asks for that level, then kept.

    Computing every level at load costs levels times muscles, which grows with the square of the
    knowledge base (about 880 s at 100x the shipped size; docs/performance.md); one level costs
    milliseconds. The lock keeps two sessions from computing the same level at once.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        super().__init__()
        self._kb = kb
        self._anatomy: Anatomy | None = None  # read from the graph at the first level asked
        self._lock = threading.Lock()

    def __missing__(self, level: URIRef | Loss | None) -> LevelEffects:
        with self._lock:
            if level not in self:  # another thread may have filled it while this one waited
                if self._anatomy is None:
                    self._anatomy = Anatomy.of(self._kb)
                self[level] = compute_level_effects(self._kb, level, self._anatomy)
            return dict.__getitem__(self, level)


# The intact limb has no entity of its own: its level id is "none".
INTACT_NAMES = {"none": "none", "intact": "none", "intact limb": "none", "no amputation": "none"}


def place_key(name: str) -> str:
    """A place name as compared: case, hyphens, underscores and spacing ignored.

    Example:
        >>> place_key("Above-Elbow  amputation"), place_key("partial_hand")
        ('above elbow amputation', 'partial hand')
    """
    return " ".join(name.casefold().replace("-", " ").replace("_", " ").split())


def place_names(kb: KnowledgeBase, ids: dict[str, URIRef], extra: dict[str, str]) -> dict[str, str]:
    """Each name of these places (id, label, synonyms, each also without a trailing
    "amputation") to its id; a name two places share is left out, so it is never guessed."""
    seen: dict[str, set[str]] = defaultdict(set)
    for key, place_id in extra.items():
        seen[place_key(key)].add(place_id)
    for place_id, iri in ids.items():
        for name in (place_id, kb.label(iri), *kb.alt_labels.get(iri, [])):
            key = place_key(name)
            seen[key].add(place_id)
            if key.endswith(" amputation"):
                seen[key.removesuffix(" amputation")].add(place_id)
    return {key: next(iter(found)) for key, found in seen.items() if len(found) == 1}


class AnatomyIndex:
    """Everything the planner asks of the graph, computed once at load.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> index = AnatomyIndex(load_knowledge_base())
        >>> site = index.site("transhumeral", None)
        >>> any(c.muscle == TMR.BicepsBrachiiShortHead
        ...     for c in index.candidates(TMR.MedianNerve, site))
        True
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.effects = LevelEffectsTable(kb)
        self.space = SpatialIndex(kb)
        self._neuromas: dict[tuple[URIRef, Site], Neuroma] = {}
        # Per site and candidate: what every plan of that site asks again (no scan, but not free).
        self._contexts: dict[Site, list[URIRef]] = {}
        self._candidates: dict[tuple[URIRef, Site], list[Candidate]] = {}
        self._published: dict[tuple[Candidate, Site], list[URIRef]] = {}
        self.facts_memo: dict[tuple[Candidate, Site], dict[str, Any]] = {}
        self.branches_by_region: dict[URIRef, list[URIRef]] = defaultdict(list)
        for branch in kb.entities(TMR.MotorBranch):
            if kb.value(branch, TMR.practicalDonor) in ("false", "0"):
                continue  # the knowledge base says why (e.g. intramuscular twigs): not a candidate
            for region in kb.objects(branch, TMR.locatedIn):
                self.branches_by_region[region].append(branch)
        self.movers: dict[URIRef, set[URIRef]] = defaultdict(set)
        for muscle in kb.entities(TMR.Muscle):
            for action in kb.objects(muscle, TMR.performs):
                self.movers[action].add(muscle)
        self.supply: dict[URIRef, set[URIRef]] = {
            m: set(kb.subjects(TMR.innervates, m)) for m in kb.entities(TMR.Muscle)
        }
        self.family: dict[URIRef, set[URIRef]] = {}
        for muscle in kb.entities(TMR.Muscle):
            wholes = set(kb.objects(muscle, TMR.partOf))
            self.family[muscle] = {muscle} | muscle_parts(kb, muscle) | wholes
        # Keyed by (context, neuroma nerve, donor branch); a pattern whose source names the muscle
        # but not the unit (tmr:targetAnyUnit) is keyed by its whole muscle instead.
        self.patterns: dict[tuple[URIRef, URIRef, URIRef], list[URIRef]] = defaultdict(list)
        for pattern in kb.entities(TMR.TransferPattern):
            any_unit = kb.value(pattern, TMR.targetAnyUnit) in ("true", "1")
            donors = kb.objects(pattern, TMR.targetMuscle if any_unit else TMR.donorNerve)
            for context in kb.objects(pattern, TMR.context):
                for nerve in kb.objects(pattern, TMR.neuromaNerve):
                    for donor in donors:
                        self.patterns[(context, nerve, donor)].append(pattern)
        # End-to-side coaptations to a nerve (tmr:recipientNerve) have no donor branch: they are
        # no option, but a published choice for the neuroma nerve where their source did them.
        self.end_to_side: dict[tuple[URIRef, URIRef], list[URIRef]] = defaultdict(list)
        for pattern in kb.entities(TMR.TransferPattern):
            if kb.objects(pattern, TMR.recipientNerve):
                for context in kb.objects(pattern, TMR.context):
                    for nerve in kb.objects(pattern, TMR.neuromaNerve):
                        self.end_to_side[(context, nerve)].append(pattern)
        # A nerve's groups (tmr:nerveGroup parents, e.g. the common plantar digital nerves): what
        # a source says of the group holds for it, so the group's patterns count for it too.
        self.groups: dict[URIRef, list[URIRef]] = defaultdict(list)
        for nerve in kb.entities(TMR.Nerve):
            for parent in kb.objects(nerve, TMR.branchOf):
                if kb.value(parent, TMR.nerveGroup) in ("true", "1"):
                    self.groups[nerve].append(parent)
        self._around: dict[URIRef, frozenset[URIRef]] = {}
        self._adjacent: dict[URIRef, frozenset[URIRef]] = {}
        self.has_parts = {m for m in kb.entities(TMR.Muscle) if muscle_parts(kb, m)}
        # Steps from each nerve up to each of its ancestors, for "how far apart in the plexus".
        self._steps_up: dict[URIRef, dict[URIRef, int]] = {}
        self._reach: dict[URIRef, set[URIRef]] = {}
        for nerve in kb.entities(TMR.Nerve):
            regions = set(kb.objects(nerve, TMR.coursesThrough)) | set(
                kb.objects(nerve, TMR.locatedIn)
            )
            self._reach[nerve] = regions
        # Levels and regions by the names surgeons use (ids, labels, synonyms; "AKA", "above
        # elbow", "finger"): the case is read in ids, so every output names the place one way.
        self._place_names = {
            "level": place_names(kb, kb.level_ids, INTACT_NAMES),
            "region": place_names(kb, kb.region_ids, {}),
        }

    def place_id(self, kind: str, name: str) -> str:
        """The id of the level or region (``kind``) a typed name means: its id, label or a
        synonym, in any case, with or without "amputation".

        Raises:
            UnknownEntityError: naming the value, with close names and their ids.

        Example:
            >>> from tmrplan.knowledge.kb import load_knowledge_base
            >>> index = AnatomyIndex(load_knowledge_base())
            >>> index.place_id("level", "AKA"), index.place_id("level", "above elbow")
            ('transfemoral', 'transhumeral')
        """
        names = self._place_names[kind]
        found = names.get(place_key(name))
        if found is not None:
            return found
        close: dict[str, str] = {}  # one name per place, the closest
        for key in suggest(place_key(name), names, 6):
            close.setdefault(names[key], key if key == names[key] else f"{key} ({names[key]})")
        raise UnknownEntityError(kind, name, list(close.values())[:3])

    # ------------------------------------------------------------------ sites
    def site(
        self,
        level_id: str,
        region_id: str | None,
        position: str | None = None,
        *,
        digits: tuple[str, ...] = (),
        toes: tuple[str, ...] = (),
        through: str | None = None,
        residual: str | None = None,
    ) -> Site:
        """Resolve a level id (and, for ``none``, a region id and optional position; for a hand
        or foot level its digits or toes and through-level; for a trans-segment level its
        residual length) to a site.

        Raises:
            UnknownEntityError: for an unknown level, region id, position, digit, toe,
                through-level or residual length, with close matches.
            InvalidCaseError: for a region or position given with an amputation, or no region
                without one; rays, through or residual where the level takes none
                (:func:`~tmrplan.planning.loss.resolve_loss`).
        """
        kb = self.kb
        if level_id not in LEVEL_IDS:  # a name or synonym ("AKA") from any caller
            level_id = self.place_id("level", level_id)
        if position is not None:
            if level_id != "none":
                raise InvalidCaseError(
                    f"position {position!r} is only for an intact limb; at level {level_id!r} the "
                    "neuroma lies at the end of the stump"
                )
            if position not in POSITIONS:
                raise UnknownEntityError("position", position, suggest(position, POSITIONS, 3))
        if level_id == "none":
            if digits or toes or through or residual:
                raise InvalidCaseError(
                    "digits, toes, through and residual describe an amputation; an intact limb "
                    "(level 'none') takes --region (and --position) instead"
                )
            if not region_id:
                raise InvalidCaseError(
                    "an intact limb (level 'none') needs --region: where the neuroma is"
                )
            region = (
                kb.region_ids.get(region_id) or kb.region_ids[self.place_id("region", region_id)]
            )
            return Site(None, region, position)
        if region_id:
            raise InvalidCaseError(
                f"region {region_id!r} is only for an intact limb; at level {level_id!r} the neuroma "
                "lies in the stump region"
            )
        level = kb.level_ids[level_id]
        loss = resolve_loss(kb, level, digits, toes, through, residual)
        if (
            loss == Loss(level)
            and not names_rays(kb, level)
            and not kb.subjects(TMR.residualOf, level)
        ):
            return Site(level, kb.objects(level, TMR.stumpRegion)[0])
        return Site(level, stump_region(kb, loss), loss=loss)

    def case_site(self, case: Case) -> Site:
        """The site of a case: :meth:`site` with everything the case says about where it is."""
        return self.site(
            case.level,
            case.region,
            case.position,
            digits=case.digits,
            toes=case.toes,
            through=case.through,
            residual=case.residual,
        )

    def neuroma(self, nerve: URIRef, site: Site) -> Neuroma:
        """Where the neuroma is: the compartments the nerve runs in there, its point on the
        limb axis (the stump end after an amputation; the region, or its named third, in an
        intact limb), and the side of the limb it runs on."""
        key = (nerve, site)
        found = self._neuromas.get(key)
        if found is None:
            space = self.space
            at = (
                space.stump_end(site.region)
                if site.level is not None
                else space.point(site.region, site.position)
            )
            effects = self.effects[site.amputation]
            around = self.around(site.region)
            compartments = space.nerve_compartments(nerve, around, at, effects.is_removed)
            side = space.side_at(nerve, around, at, effects.is_removed)
            limb = space.segment_limb(site.region)
            superficial = space.superficial_at(nerve, around)
            found = Neuroma(frozenset(compartments), at, side, limb, superficial)
            self._neuromas[key] = found
        return found

    def around(self, region: URIRef) -> frozenset[URIRef]:
        """The region with its parts and the regions containing it ("the same region")."""
        found = self._around.get(region)
        if found is None:
            found = frozenset(
                self.kb.region_and_parts(region) | set(self.kb.region_ancestors(region))
            )
            self._around[region] = found
        return found

    def adjacent(self, region: URIRef) -> frozenset[URIRef]:
        """Regions adjacent to the region, its parts or its parents, with their parts."""
        found = self._adjacent.get(region)
        if found is None:
            near: set[URIRef] = set()
            for r in self.around(region):
                for a in self.kb.objects(r, TMR.adjacentTo) + self.kb.subjects(TMR.adjacentTo, r):
                    near |= self.kb.region_and_parts(a)
            found = frozenset(near - self.around(region))
            self._adjacent[region] = found
        return found

    def reaches(self, nerve: URIRef, site: Site) -> bool:
        """Whether a nerve runs through the site's region, so that a neuroma of it can lie there."""
        return bool(self._reach.get(nerve, set()) & self.around(site.region))

    def check_nerve(self, nerve: URIRef, site: Site, typed: str | None = None) -> None:
        """Refuse a neuroma nerve that cannot be at the site, saying where it does run.

        Args:
            nerve: the resolved entity.
            site: where the neuroma is.
            typed: the name as the user typed it, named in the message when it is not the label.

        Raises:
            InvalidCaseError: for a non-nerve, or a nerve that does not reach the site's region.
        """
        kb = self.kb
        # Name the value as typed: "'PQ' (pronator quadratus) is a muscle"; the label alone would
        # not contain what the user wrote.
        label = kb.label(nerve)
        name = repr(label)
        if typed is not None and typed.strip().casefold() != label.casefold():
            name = f"{typed!r} ({label})"
        if not kb.is_a(nerve, TMR.Nerve):
            kind = kb.type_of(nerve)
            raise InvalidCaseError(
                f"{name} is a {kb.label(kind) if kind else 'thing'}, not a nerve"
            )
        if not self.reaches(nerve, site):
            where = sorted(kb.label(r) for r in self._reach.get(nerve, set()))
            at = f"the {kb.label(site.region)}" + (
                f" (stump of {kb.label(site.level)})" if site.level else ""
            )
            runs = (
                f"; it runs through: {', '.join(where)}"
                if where
                else "; no course is recorded for it"
            )
            raise InvalidCaseError(f"{name} does not reach {at}{runs}")

    # ------------------------------------------------------------------ candidates
    def candidates(self, nerve: URIRef, site: Site) -> list[Candidate]:
        """Motor branches near the site whose muscle is still present (the same for every plan
        of the site: remembered)."""
        key = (nerve, site)
        found = self._candidates.get(key)
        if found is None:
            found = self._candidates[key] = self._find_candidates(nerve, site)
        return list(found)

    def _find_candidates(self, nerve: URIRef, site: Site) -> list[Candidate]:
        effects = self.effects[site.amputation]
        found = []
        for distance, regions in ((0, self.around(site.region)), (1, self.adjacent(site.region))):
            for region in sorted(regions):
                if effects.is_removed(region):
                    continue
                for branch in self.branches_by_region.get(region, []):
                    if branch == nerve:
                        continue
                    for muscle in self.kb.objects(branch, TMR.innervates):
                        outcome = effects.muscles.get(muscle)
                        if outcome and outcome.status is not MuscleStatus.ABSENT:
                            found.append(Candidate(nerve, branch, muscle, distance))
        unique = {(c.branch, c.muscle): c for c in reversed(found)}  # keep the nearest
        return sorted(unique.values(), key=lambda c: (c.region_distance, self.kb.label(c.branch)))

    def published(self, candidate: Candidate, site: Site) -> list[URIRef]:
        """Published patterns for this nerve and donor in this context (level, or region and
        parents), remembered per candidate and site: a plan asks twice, a sweep many times."""
        key = (candidate, site)
        found = self._published.get(key)
        if found is None:
            keys = [candidate.branch, *self.kb.objects(candidate.muscle, _PART_OF)]
            nerves = [candidate.nerve, *self.groups.get(candidate.nerve, ())]
            found = [
                p
                for context in self._contexts_of(site)
                for nerve in nerves
                for k in keys
                for p in self.patterns.get((context, nerve, k), [])
            ]
            self._published[key] = found
        return found

    def published_end_to_side(self, nerve: URIRef, site: Site) -> list[URIRef]:
        """Published end-to-side coaptations of this nerve (or its group) to a recipient nerve
        in this context: no donor branch, so no option, but a choice a surgeon should see."""
        nerves = [nerve, *self.groups.get(nerve, ())]
        found = [
            p
            for context in self._contexts_of(site)
            for n in nerves
            for p in self.end_to_side.get((context, n), [])
        ]
        return list(dict.fromkeys(found))

    def _contexts_of(self, site: Site) -> list[URIRef]:
        """Where a site's patterns are found: its level, or its region and the regions above."""
        contexts = self._contexts.get(site)
        if contexts is None:
            contexts = (
                [site.level]
                if site.level
                else [site.region, *self.kb.region_ancestors(site.region)]
            )
            self._contexts[site] = contexts
        return contexts

    def is_clinical(self, pattern: URIRef) -> bool:
        """Whether a pattern was done in patients (not only shown feasible in cadavers)."""
        return TMR.CadaverStudy not in self.kb.objects(pattern, TMR.evidenceType)

    def steps_up(self, nerve: URIRef) -> dict[URIRef, int]:
        """Each ancestor of a nerve (and the nerve itself, at 0) with the fewest branchOf steps to it."""
        found = self._steps_up.get(nerve)
        if found is None:
            found = {nerve: 0, **self.kb.closure(nerve, TMR.branchOf)}
            self._steps_up[nerve] = found
        return found

    def nerve_distance(self, nerve: URIRef, branch: URIRef) -> int:
        """Branching steps between two nerves through their nearest common ancestor.

        A donor that is the neuroma nerve's own branch is close (e.g. tibial nerve → its soleus
        branch); one from another cord or division is far.
        """
        up_nerve, up_branch = self.steps_up(nerve), self.steps_up(branch)
        common = up_nerve.keys() & up_branch.keys()
        return min((up_nerve[a] + up_branch[a] for a in common), default=99)

    def other_movers(
        self, donor_muscle: URIRef, branch: URIRef, action: URIRef, effects: LevelEffects
    ) -> list[URIRef]:
        """Other remaining muscles, with a supply other than ``branch``, that still perform ``action``."""
        movers = []
        for muscle in self.movers.get(action, set()):
            if muscle in self.family[donor_muscle]:
                continue
            outcome = effects.muscles.get(muscle)
            if outcome is None or action not in outcome.kept:
                continue
            if self.supply.get(muscle, set()) - {branch} or muscle in self.has_parts:
                movers.append(muscle)
        return sorted(movers, key=self.kb.label)
