"""Where things are: compartments and the septa between them, the limb axis, motor entry points
and the courses of nerves.

Everything is read from the knowledge base once, when the planner is built; a plan then answers
"which compartment is the neuroma nerve in here", "how many septa lie between it and this
target" and "how far, and which way, is the entry point" by dictionary lookups. The model and its
conventions are described in docs/modelling.md ("The spatial model").
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import URIRef

from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR

POSITIONS = ("proximal", "middle", "distal")
"""Where in a region an intact-limb neuroma lies, or a motor branch enters its muscle."""

# The point of a third along its region, as a share of the region's length.
_SHARE = {"proximal": 1 / 6, "middle": 1 / 2, "distal": 5 / 6}


@dataclass(frozen=True)
class Placement:
    """Where a target lies relative to a neuroma; None where the knowledge base cannot say.

    Attributes:
        same_compartment: the target is in a compartment the neuroma nerve runs in there.
        same_side: the target lies on the nerve's side of the limb (or either is central).
        septa_crossed: the fewest septa or membranes between the nerve's compartment and the target's.
        distance: along the limb, neuroma to entry point, in thirds of a limb segment.
        distal_by: how far the entry point lies distal to the neuroma (0 when proximal or level).
    """

    same_compartment: bool | None
    septa_crossed: int | None
    same_side: bool | None
    distance: float | None
    distal_by: float | None


class SpatialIndex:
    """The spatial model of one knowledge base, indexed.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> space = SpatialIndex(load_knowledge_base())
        >>> space.axis[TMR.Forearm]
        (5.0, 8.0)
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.entry_side: dict[URIRef, str] = {}  # a branch entering one side of its muscle
        self.axis: dict[URIRef, tuple[float, float]] = {}
        for region in kb.entities(TMR.Region):
            start, end = kb.value(region, TMR.axisStart), kb.value(region, TMR.axisEnd)
            if start is not None and end is not None:
                self.axis[region] = (float(start), float(end))
        compartments = kb.entities(TMR.Compartment)
        self.top = {c: self._top(c) for c in compartments}
        self.spans = {c: set(kb.objects(c, TMR.spans)) for c in compartments}
        self.muscle_compartment: dict[URIRef, URIRef] = {}
        self.depth: dict[URIRef, str] = {}
        for muscle in kb.entities(TMR.Muscle):
            wholes = [muscle, *kb.objects(muscle, TMR.partOf)]  # a head inherits its whole's
            for m in wholes:
                found = kb.objects(m, TMR.inCompartment)
                if found:
                    self.muscle_compartment[muscle] = found[0]
                    break
            for m in wholes:
                depth = kb.value(m, TMR.depth)
                if depth is not None:
                    self.depth[muscle] = depth
                    break
        # Inconstant muscles (a head inherits its whole's) and motor branches, with their reported
        # absence rate, and the levels at which a published technique keeps a muscle as a native
        # control site.
        self.inconstant: dict[URIRef, float | None] = {}
        self.native_at: dict[URIRef, set[URIRef]] = {}
        for branch in kb.entities(TMR.MotorBranch):
            if kb.value(branch, TMR.inconstant) in ("true", "1"):
                rate = kb.value(branch, TMR.absenceRatePercent)
                self.inconstant[branch] = float(rate) if rate is not None else None
            side = kb.value(branch, TMR.side)
            if side is not None:
                self.entry_side[branch] = side
        for muscle in kb.entities(TMR.Muscle):
            wholes = [muscle, *kb.objects(muscle, TMR.partOf)]
            for m in wholes:
                if kb.value(m, TMR.inconstant) in ("true", "1"):
                    rate = kb.value(m, TMR.absenceRatePercent)
                    self.inconstant[muscle] = float(rate) if rate is not None else None
                    break
            self.native_at[muscle] = {
                lv for m in wholes for lv in kb.objects(m, TMR.nativeControlSiteAt)
            }
        # Sides are compared within one limb segment beyond the limb's root only (arm, forearm,
        # hand, thigh, leg, foot and the joints between): at the shoulder, axilla, chest wall,
        # pelvis or groin, and on the trunk, medial and lateral do not say which way to go.
        self.side: dict[URIRef, str] = {}
        self.muscle_limb: dict[URIRef, URIRef | None] = {}
        for muscle in kb.entities(TMR.Muscle):
            for m in (muscle, *kb.objects(muscle, TMR.partOf)):
                side = kb.value(m, TMR.side)
                if side is not None:
                    self.side[muscle] = side
                    break
            for m in (muscle, *kb.objects(muscle, TMR.partOf)):
                regions = kb.objects(m, TMR.locatedIn)
                if regions:
                    self.muscle_limb[muscle] = self.segment_limb(regions[0])
                    break
        # Each nerve's side of the limb, region by region.
        self.nerve_side: dict[URIRef, dict[URIRef, str]] = defaultdict(dict)
        for prop, side in (
            (TMR.medialIn, "medial"),
            (TMR.lateralIn, "lateral"),
            (TMR.centralIn, "central"),
        ):
            for nerve in kb.entities(TMR.Nerve):
                for region in kb.objects(nerve, prop):
                    self.nerve_side[nerve][region] = side
        self.runs_in = {n: kb.objects(n, TMR.runsIn) for n in kb.entities(TMR.Nerve)}
        self.superficial_in = {n: set(kb.objects(n, TMR.superficialIn)) for n in self.runs_in}
        # Course segments: the compartment of a nerve within one region, where runsIn is coarser.
        self.segments: dict[URIRef, dict[URIRef, list[URIRef]]] = defaultdict(dict)
        for nerve in kb.entities(TMR.Nerve):
            for segment in kb.subjects(TMR.segmentOf, nerve):
                for region in kb.objects(
                    segment, TMR.inRegion
                ):  # two segments of one region add up
                    found = self.segments[nerve].setdefault(region, [])
                    found += kb.objects(segment, TMR.inCompartment)
        self.entry: dict[URIRef, list[tuple[URIRef, float | None]]] = {}
        for branch in kb.entities(TMR.MotorBranch):
            third = kb.value(branch, TMR.entryThird)
            self.entry[branch] = [
                (region, self.point(region, third)) for region in kb.objects(branch, TMR.locatedIn)
            ]
        # Between top-level compartments: the septa and membranes, and the openings.
        self._septa_graph: dict[URIRef, set[URIRef]] = defaultdict(set)
        for boundary in kb.entities(TMR.Boundary):
            sides = {self.top.get(c, c) for c in kb.objects(boundary, TMR.separates)}
            for a in sides:
                self._septa_graph[a] |= sides - {a}
        self._opens_into: dict[URIRef, set[URIRef]] = defaultdict(set)
        for a in compartments:
            for b in kb.objects(a, TMR.continuousWith) + kb.subjects(TMR.continuousWith, a):
                self._opens_into[self.top[a]].add(self.top.get(b, b))
        self._septa: dict[tuple[URIRef, URIRef], int | None] = {}

    def _top(self, compartment: URIRef) -> URIRef:
        above = self.kb.closure(compartment, TMR.layerOf)
        return max(above, key=above.__getitem__) if above else compartment

    def segment_limb(self, region: URIRef) -> URIRef | None:
        """The limb of a region beyond the limb's root (where sides are compared), else None."""
        start = self.axis.get(region, (0.0, 0.0))[0]
        return self.kb.limb_of(region) if start >= 1.0 else None

    # ------------------------------------------------------------------ the limb axis
    def point(self, region: URIRef, third: str | None) -> float | None:
        """A point of a region on its limb's axis: the middle of the named third (or of the
        region, when no third is given); None for a region without an axis (the trunk)."""
        if region not in self.axis:
            return None
        start, end = self.axis[region]
        return start + (end - start) * _SHARE.get(third or "middle", 0.5)

    def stump_end(self, region: URIRef) -> float | None:
        """Where an amputation leaves the nerve: the distal end of the stump region."""
        return self.axis[region][1] if region in self.axis else None

    # ------------------------------------------------------------------ compartments
    def nerve_compartments(
        self,
        nerve: URIRef,
        around: frozenset[URIRef],
        at: float | None,
        removed: Callable[[URIRef], bool] = lambda _region: False,
    ) -> set[URIRef]:
        """The top-level compartments a nerve runs in at a site.

        A course segment for the site's region (or a part or parent of it) says it; otherwise the
        compartments of ``tmr:runsIn`` that span the site's region; failing both, those nearest
        the site along the limb in what the amputation leaves, the proximal side first: the end
        of the nerve that is transferred is its proximal stump.
        """
        segments = self.segments.get(nerve, {})
        here = {self.top.get(c, c) for r, cs in segments.items() if r in around for c in cs}
        if here:
            return here
        runs = [
            c for c in self.runs_in.get(nerve, []) if not all(map(removed, self.spans.get(c, ())))
        ]
        here = {self.top.get(c, c) for c in runs if self.spans.get(c, set()) & around}
        if here or at is None:
            return here
        gaps: dict[URIRef, tuple[bool, float]] = {}
        for c in runs:
            for region in self.spans.get(c, set()):
                if region in self.axis and not removed(region):
                    start, end = self.axis[region]
                    gap = (start > at, max(start - at, at - end, 0.0))  # proximal before distal
                    top = self.top.get(c, c)
                    gaps[top] = min(gap, gaps.get(top, gap))
        if not gaps:
            return set()
        nearest = min(gaps.values())
        return {c for c, gap in gaps.items() if gap == nearest}

    def side_at(
        self,
        nerve: URIRef,
        around: frozenset[URIRef],
        at: float | None,
        removed: Callable[[URIRef], bool] = lambda _region: False,
    ) -> str | None:
        """The side of the limb the nerve runs on at a site: as recorded for the site's region
        (or a part or parent of it; two different sides there: central); failing that, for the
        remaining region nearest along the limb, the proximal side first; None when not recorded."""
        sides = self.nerve_side.get(nerve, {})
        here = {side for region, side in sides.items() if region in around}
        if here:
            return here.pop() if len(here) == 1 else "central"
        if at is None:
            return None
        placed = [
            # The nearest region, the proximal side first (the transferred end is the proximal
            # stump), then by region id so that the result does not hang on the side's name.
            ((self.axis[r][0] > at, max(self.axis[r][0] - at, at - self.axis[r][1], 0.0)), r, side)
            for r, side in sides.items()
            if r in self.axis and not removed(r)
        ]
        return min(placed)[2] if placed else None

    def superficial_at(self, nerve: URIRef, around: frozenset[URIRef]) -> bool | None:
        """Whether the nerve lies superficial to the deep fascia at the site (None: its course
        is not recorded; a nerve with a course but no superficial region there lies deep)."""
        if not self.runs_in.get(nerve):
            return None
        return bool(self.superficial_in.get(nerve, set()) & around)

    def septa_between(self, a: URIRef, b: URIRef) -> int | None:
        """The fewest septa or membranes crossed from compartment ``a`` to ``b`` (None: no way
        is recorded).

        Layers of one compartment, and two compartments that open into each other, are reached
        without crossing any. An opening counts only as the first or the last step: the popliteal
        fossa opens into both posterior compartments of the leg, but the way from the superficial
        to the deep one is through the transverse septum, not round through the knee.
        """
        a, b = self.top.get(a, a), self.top.get(b, b)
        key = (a, b)
        if key not in self._septa:
            self._septa[key] = self._crossings(a, b)
        return self._septa[key]

    def _crossings(self, a: URIRef, b: URIRef) -> int | None:
        starts = {a} | self._opens_into.get(a, set())
        goals = {b} | self._opens_into.get(b, set())
        if b in starts or a in goals:
            return 0
        seen = dict.fromkeys(starts, 0)
        queue = deque(starts)
        while queue:
            at = queue.popleft()
            for nxt in self._septa_graph.get(at, ()):
                if nxt not in seen:
                    seen[nxt] = seen[at] + 1
                    if nxt in goals:
                        return seen[nxt]
                    queue.append(nxt)
        return None

    # ------------------------------------------------------------------ one target
    def place(
        self,
        nerve_compartments: set[URIRef],
        neuroma_at: float | None,
        branch: URIRef,
        muscle: URIRef,
        nerve_side: str | None = None,
        limb: URIRef | None = None,
    ) -> Placement:
        """Where a target (``branch`` into ``muscle``) lies relative to the neuroma, whose
        nerve runs on ``nerve_side`` of ``limb`` (sides are compared within that limb only)."""
        target_side = self.entry_side.get(branch) or self.side.get(muscle)
        same_side = (
            None
            if nerve_side is None
            or target_side is None
            or limb is None
            or self.muscle_limb.get(muscle) != limb
            else "central" in (nerve_side, target_side) or nerve_side == target_side
        )
        target = self.muscle_compartment.get(muscle)
        same: bool | None = None
        septa: int | None = None
        if target is not None and nerve_compartments:
            same = self.top.get(target, target) in nerve_compartments
            counts = [self.septa_between(c, target) for c in nerve_compartments]
            known = [n for n in counts if n is not None]
            septa = min(known) if known else None
        distance = distal_by = None
        points = [p for _region, p in self.entry.get(branch, []) if p is not None]
        if neuroma_at is not None and points:
            entry = min(points, key=lambda p: abs(p - neuroma_at))
            distance = round(abs(entry - neuroma_at), 1)
            distal_by = round(max(entry - neuroma_at, 0.0), 1)
        return Placement(same, septa, same_side, distance, distal_by)
