"""A straightforward baseline for ``make bench``: the planner's question answered by SPARQL.

For every request it asks the rdflib graph, by SPARQL, everything the planner's indexes hold: the
site (a level's stump region, or the region given), each nerve (by label, synonym or local name)
and whether it runs through the site, the regions around and next to the site, the motor branches
entering muscles there (leaving out a branch with ``tmr:practicalDonor false``), which muscles an
amputation removes, detaches or leaves without their joints, the other muscles that still perform
each action, the supply of each muscle, published patterns (with those that name only the target
muscle, ``tmr:targetAnyUnit``) and whether one of them was done in patients (evidence other than
``tmr:CadaverStudy``), branching distance and diameters. It asks for the spatial facts the same
way: the limb axis of the site (the stump's distal end, or the named third of an intact-limb
region); the compartments the neuroma nerve runs in there: those a course segment
(``tmr:CourseSegment``: ``tmr:segmentOf``, ``tmr:inRegion``, ``tmr:inCompartment``) names for the
site's region, a part or a parent; else those of ``tmr:runsIn`` spanning one of them, leaving out
those the amputation removes entirely; failing both, the nearest along the axis in what is left,
those proximal to the neuroma first; each compartment's outermost ``tmr:layerOf``; the septa
crossed (a breadth-first search that asks the graph for the far sides of each compartment's
``tmr:Boundary``, a ``tmr:continuousWith`` opening counting only as the first or the last step);
the entry point of a branch from the ``tmr:entryThird`` of its region; a target muscle's
compartment, depth and native control levels (its own, or else a direct whole's); whether the
branch, or else the muscle or a direct whole, is ``tmr:inconstant``, with the absence rate of the
first that is; and the side of the limb. A nerve's side at the site is its ``tmr:medialIn``,
``tmr:lateralIn`` or ``tmr:centralIn`` for the site's region, a part or a parent (two different
sides there: central), else for the remaining region nearest along the axis; the target's side is
the branch's own ``tmr:side``, else its muscle's or a direct whole's. They are compared
(``same_side``, "central" matching either) only when the site's region and the muscle's first
``tmr:locatedIn`` region lie beyond the limb's root (``tmr:axisStart`` of 1 or more) in the same
limb, the limb found by climbing the first parent region (by IRI) to a ``tmr:Limb``.
The resulting facts go to the same rule engine (durable-rules, through
:class:`tmrplan.rules.engine.RuleEngine`) as the planner's.

What it does not do, on purpose: ranking, the conflict-free assignment and the second rule pass
for donors taken by another nerve, and building the output objects. Those steps are the same
pure-Python code whichever way the facts were found, so leaving them out can only flatter the
baseline.

Queries are prepared once (``prepareQuery``) and bound with ``initBindings``. rdflib fixes the join
order when a query is prepared, before the bindings are known, so a bound pattern is written first
in a group of its own where the order would otherwise scan a whole class, and a type check on a
variable bound inside ``EXISTS`` is an ``EXISTS`` of its own (measured on the shipped graph:
386 ms → 3 ms for the branches in a region, 39 ms → 5 ms for the other movers). Within one request
a muscle's outcome, a nerve's ancestry, where each neuroma lies, the site's surroundings and
removed regions, each compartment's outermost layer and neighbours, the septa counted between
two compartments, and each region's limb are remembered; nothing is kept between requests.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from tmrplan.errors import InvalidCaseError, UnknownEntityError
from tmrplan.knowledge.vocab import ENTITY_CLASSES, RDF, RDFS, SKOS, TMR
from tmrplan.model import Case
from tmrplan.rules.engine import RuleEngine

_NAMESPACES = {"tmr": TMR, "skos": SKOS, "rdf": RDF, "rdfs": RDFS}


def _query(text: str) -> Query:
    return prepareQuery(text, initNs=_NAMESPACES)


# in: ?id (a level id) · out: ?level, ?stump (its stump region)
LEVEL_SITE = _query(
    "SELECT ?level ?stump WHERE { ?level tmr:levelId ?id ; tmr:stumpRegion ?stump }"
)
# in: ?id (a region id) · out: ?region
REGION_BY_ID = _query("SELECT ?region WHERE { ?region tmr:regionId ?id }")
# in: ?label (an English literal) · out: ?entity with that label or synonym, exactly
NAMED_EXACTLY = _query(
    "SELECT DISTINCT ?entity WHERE { { ?entity skos:prefLabel ?label } UNION { ?entity skos:altLabel ?label } }"
)
# in: ?name (casefolded) · out: ?entity whose label, synonym or IRI local name is ?name, in any case
NAMED = _query(
    """SELECT DISTINCT ?entity WHERE {
        { ?entity skos:prefLabel ?l } UNION { ?entity skos:altLabel ?l }
        FILTER (LCASE(STR(?l)) = ?name)
    }"""
)
NAMED_BY_IRI = _query(
    """SELECT DISTINCT ?entity WHERE {
        ?entity a ?class .
        FILTER (LCASE(STRAFTER(STR(?entity), "#")) = ?name)
    }"""
)
# in: ?entity · true if it is a nerve of any kind
IS_NERVE = _query("ASK { ?entity a ?class . ?class rdfs:subClassOf* tmr:Nerve }")
# in: ?nerve, ?site · true if the nerve courses through (or lies in) the site's region, a part or a parent
REACHES = _query(
    """ASK {
        { ?nerve tmr:coursesThrough ?r } UNION { ?nerve tmr:locatedIn ?r }
        { ?r tmr:partOf* ?site } UNION { ?site tmr:partOf+ ?r }
        ?r a tmr:Region .
    }"""
)
# in: ?site · out: ?r, the site's region with its parts and the regions containing it
AROUND = _query(
    """SELECT DISTINCT ?r WHERE {
        { ?r tmr:partOf* ?site } UNION { ?site tmr:partOf+ ?r }
        ?r a tmr:Region .
    }"""
)
# in: ?site · out: ?near, regions adjacent (either way) to a region around the site, with their parts
ADJACENT = _query(
    """SELECT DISTINCT ?near WHERE {
        { ?r tmr:partOf* ?site } UNION { ?site tmr:partOf+ ?r }
        ?r a tmr:Region .
        { ?r tmr:adjacentTo ?a } UNION { ?a tmr:adjacentTo ?r }
        ?near tmr:partOf* ?a .
        ?near a tmr:Region .
    }"""
)
# in: ?site · out: ?ancestor, the regions containing the site's region (pattern contexts)
ANCESTORS = _query(
    "SELECT ?ancestor WHERE { ?site tmr:partOf+ ?ancestor . ?ancestor a tmr:Region }"
)
# in: ?level · out: ?removed, every region the level removes, with their parts
REMOVED = _query(
    """SELECT DISTINCT ?removed WHERE {
        { ?level tmr:removesRegion ?x } ?removed tmr:partOf* ?x . ?removed a tmr:Region .
    }"""
)
# in: ?region · out: ?branch, ?muscle: motor branches entering a muscle in that region, but not
# those the knowledge base calls impractical (tmr:practicalDonor false: intramuscular twigs)
BRANCHES_IN = _query(
    """SELECT ?branch ?muscle WHERE {
        { ?branch tmr:locatedIn ?region }
        ?branch a tmr:MotorBranch ; tmr:innervates ?muscle .
        ?muscle a tmr:Muscle .
        FILTER NOT EXISTS {
            ?branch tmr:practicalDonor ?practical . FILTER (STR(?practical) IN ("false", "0"))
        }
    }"""
)
# in: ?muscle · out: ?action it performs (prime mover or accessory)
ACTIONS = _query("SELECT ?action WHERE { ?muscle tmr:performs ?action }")
# in: ?muscle · out: ?action it is a prime mover for
PRIME = _query("SELECT ?action WHERE { ?muscle tmr:primeMoverFor ?action }")
# in: ?muscle · out: ?part, its heads and segments, transitively
PARTS = _query("SELECT DISTINCT ?part WHERE { { ?part tmr:partOf+ ?muscle } ?part a tmr:Muscle }")
# in: ?muscle, ?level · true if its belly lies in a region the level removes
ABSENT = _query(
    """ASK { ?level tmr:removesRegion ?x . ?muscle tmr:locatedIn ?r .
             ?r tmr:partOf* ?x . }"""
)
# in: ?muscle, ?level · true if it inserts in a region the level removes
DETACHED = _query(
    """ASK { ?level tmr:removesRegion ?x . ?muscle tmr:insertionIn ?r .
             ?r tmr:partOf* ?x . }"""
)
# in: ?muscle, ?level · out: ?action whose joint articulates a removed region (the joint is lost)
LOST_AT_JOINT = _query(
    """SELECT DISTINCT ?action WHERE {
        { ?muscle tmr:performs ?action } ?action tmr:atJoint ?joint . ?joint tmr:articulates ?r .
        FILTER EXISTS { ?joint a tmr:Joint }
        FILTER EXISTS { ?level tmr:removesRegion ?x . ?r tmr:partOf* ?x }
    }"""
)
# in: ?muscle · out: ?nerve supplying it
SUPPLY = _query("SELECT ?nerve WHERE { ?nerve tmr:innervates ?muscle }")
# in: ?action, ?donor (muscle), ?branch · out: ?m, other muscles performing ?action (not the
# donor, its heads or its whole) that have a supply besides ?branch, or heads of their own
MOVERS = _query(
    """SELECT DISTINCT ?m WHERE {
        { ?m tmr:performs ?action } ?m a tmr:Muscle .
        FILTER (?m != ?donor)
        FILTER NOT EXISTS { ?m tmr:partOf+ ?donor }
        FILTER NOT EXISTS { ?donor tmr:partOf ?m }
        FILTER (EXISTS { ?n tmr:innervates ?m . FILTER (?n != ?branch) }
                || EXISTS { ?p tmr:partOf ?m . FILTER EXISTS { ?p a tmr:Muscle } })
    }"""
)
# in: ?context, ?nerve, ?branch, ?muscle · true if a published pattern in that context pairs the
# nerve with the branch (or a whole the branch's muscle is directly part of); a pattern whose source
# names the muscle but not the unit (tmr:targetAnyUnit) names its target muscle instead. Each side
# of the UNION starts from the bound pattern: one FILTER over a shared ?key ran at 32 ms, this at 2.
# CLINICAL_PATTERN asks the same of patterns done in patients (evidence other than tmr:CadaverStudy).
_PATTERN = """ASK {
        { ?p tmr:neuromaNerve ?nerve }
        ?p tmr:context ?context .
        FILTER EXISTS { ?p a tmr:TransferPattern }
        %s
        {
            { ?p tmr:donorNerve ?branch }
            UNION { ?muscle tmr:partOf ?whole . ?p tmr:donorNerve ?whole }
            FILTER NOT EXISTS { ?p tmr:targetAnyUnit ?any . FILTER (STR(?any) IN ("true", "1")) }
        } UNION {
            { ?p tmr:targetMuscle ?branch }
            UNION { ?muscle tmr:partOf ?whole . ?p tmr:targetMuscle ?whole }
            FILTER EXISTS { ?p tmr:targetAnyUnit ?any . FILTER (STR(?any) IN ("true", "1")) }
        }
    }"""
PATTERN = _query(_PATTERN % "")
CLINICAL_PATTERN = _query(_PATTERN % "FILTER NOT EXISTS { ?p tmr:evidenceType tmr:CadaverStudy }")
# in: ?nerve · out: ?parent (one tmr:branchOf step up)
PARENTS = _query("SELECT ?parent WHERE { ?nerve tmr:branchOf ?parent }")
# in: ?nerve · out: ?mm, its diameter
DIAMETER = _query("SELECT ?mm WHERE { ?nerve tmr:diameterMm ?mm }")

# ---------------------------------------------------------------------- space (issue 12)
# in: ?region · out: ?start, ?end: where it lies along its limb's axis (none for the trunk)
AXIS = _query(
    """SELECT ?start ?end WHERE {
        ?region tmr:axisStart ?start ; tmr:axisEnd ?end .
        FILTER EXISTS { ?region a tmr:Region }
    }"""
)
# in: ?compartment · out: ?top, the outermost compartment it is a layer of (none: it is its own)
TOP = _query(
    """SELECT DISTINCT ?top WHERE {
        { ?compartment tmr:layerOf+ ?top }
        FILTER EXISTS { ?compartment a tmr:Compartment }
        FILTER NOT EXISTS { ?top tmr:layerOf ?above }
    }"""
)
# in: ?nerve · out: ?compartment it runs in, each ?region the compartment spans, and that region's
# ?start and ?end on the limb axis (unbound off the axis: the trunk)
COURSE = _query(
    """SELECT ?compartment ?region ?start ?end WHERE {
        { ?nerve tmr:runsIn ?compartment }
        ?compartment a tmr:Compartment ; tmr:spans ?region .
        OPTIONAL {
            ?region tmr:axisStart ?start ; tmr:axisEnd ?end .
            FILTER EXISTS { ?region a tmr:Region }
        }
    }"""
)
# in: ?nerve · out: its course ?segment (tmr:segmentOf), the ?region it names and the ?compartment
# the nerve runs in there (unbound: none named)
SEGMENTS = _query(
    """SELECT ?segment ?region ?compartment WHERE {
        { ?segment tmr:segmentOf ?nerve }
        ?segment tmr:inRegion ?region .
        OPTIONAL { ?segment tmr:inCompartment ?compartment }
    }"""
)
# in: ?nerve · out: the ?side of the limb it runs on in each ?region, with the region's ?start and
# ?end on the limb axis (unbound off the axis)
NERVE_SIDES = _query(
    """SELECT ?side ?region ?start ?end WHERE {
        { ?nerve tmr:medialIn ?region BIND ("medial" AS ?side) }
        UNION { ?nerve tmr:lateralIn ?region BIND ("lateral" AS ?side) }
        UNION { ?nerve tmr:centralIn ?region BIND ("central" AS ?side) }
        OPTIONAL {
            ?region tmr:axisStart ?start ; tmr:axisEnd ?end .
            FILTER EXISTS { ?region a tmr:Region }
        }
    }"""
)
# in: ?region · out: each ?parent it is directly part of, with each ?class of the parent
PARTS_OF = _query(
    "SELECT ?parent ?class WHERE { { ?region tmr:partOf ?parent } OPTIONAL { ?parent a ?class } }"
)
# in: ?branch · out: the ?side of its muscle it enters
BRANCH_SIDE = _query("SELECT ?side WHERE { ?branch tmr:side ?side }")
# in: ?muscle · out: ?whole (itself or a direct whole) and the ?side of the limb it lies on
MUSCLE_SIDE = _query(
    "SELECT ?whole ?side WHERE { ?muscle tmr:partOf? ?whole . ?whole tmr:side ?side }"
)
# in: ?muscle · out: ?whole (itself or a direct whole) and a ?region it lies in
MUSCLE_REGION = _query(
    "SELECT ?whole ?region WHERE { ?muscle tmr:partOf? ?whole . ?whole tmr:locatedIn ?region }"
)
# in: ?at (an outermost compartment) · out: ?other, on the far side of a septum or membrane from
# ?at or one of its layers
ACROSS = _query(
    """SELECT DISTINCT ?other WHERE {
        { ?side tmr:layerOf* ?at }
        ?boundary tmr:separates ?side .
        FILTER EXISTS { ?boundary a tmr:Boundary }
        ?boundary tmr:separates ?other .
    }"""
)
# in: ?at (an outermost compartment) · out: ?other, continuous with ?at or one of its layers,
# stated either way round
OPENS_INTO = _query(
    """SELECT DISTINCT ?other WHERE {
        { ?side tmr:layerOf* ?at }
        FILTER EXISTS { ?side a tmr:Compartment }
        { ?side tmr:continuousWith ?other } UNION { ?other tmr:continuousWith ?side }
    }"""
)
# in: ?branch · out: ?region it lies in on the limb axis (?start, ?end) and the ?third of it where
# the branch enters its muscle
ENTRY = _query(
    """SELECT ?region ?start ?end ?third WHERE {
        { ?branch tmr:locatedIn ?region }
        ?region tmr:axisStart ?start ; tmr:axisEnd ?end .
        FILTER EXISTS { ?region a tmr:Region }
        OPTIONAL { ?branch tmr:entryThird ?third }
    }"""
)
# in: ?muscle · out: ?whole (the muscle itself or a whole it is directly part of), its ?compartment
IN_COMPARTMENT = _query(
    "SELECT ?whole ?compartment WHERE { ?muscle tmr:partOf? ?whole . ?whole tmr:inCompartment ?compartment }"
)
# in: ?muscle · out: ?whole (itself or a direct whole) and its ?depth ("superficial" or "deep")
# in: ?nerve · ask: whether any tmr:runsIn is recorded for it
HAS_COURSE = _query("ASK { ?nerve tmr:runsIn ?compartment }")
# in: ?nerve · out: ?region where it lies superficial to the deep fascia
SUPERFICIAL_IN = _query("SELECT ?region WHERE { ?nerve tmr:superficialIn ?region }")
DEPTH = _query(
    "SELECT ?whole ?depth WHERE { ?muscle tmr:partOf? ?whole . ?whole tmr:depth ?depth }"
)
# in: ?muscle · out: ?whole (itself or a direct whole), whether it is ?inconstant, and its ?rate
INCONSTANT = _query(
    """SELECT ?whole ?inconstant ?rate WHERE {
        ?muscle tmr:partOf? ?whole . ?whole tmr:inconstant ?inconstant .
        OPTIONAL { ?whole tmr:absenceRatePercent ?rate }
    }"""
)
# in: ?branch · out: whether it is ?inconstant, and its absence ?rate
BRANCH_INCONSTANT = _query(
    """SELECT ?inconstant ?rate WHERE {
        { ?branch tmr:inconstant ?inconstant }
        FILTER EXISTS { ?branch a tmr:MotorBranch }
        OPTIONAL { ?branch tmr:absenceRatePercent ?rate }
    }"""
)
# in: ?muscle, ?level · true if a technique keeps it (or a direct whole) as a native control site there
NATIVE = _query("ASK { ?muscle tmr:partOf? ?whole . ?whole tmr:nativeControlSiteAt ?level }")

# The point of a third along its region, as a share of the region's length (as the planner's).
_SHARE = {"proximal": 1 / 6, "middle": 1 / 2, "distal": 5 / 6}


def _reported_type(classes: set[URIRef]) -> URIRef | None:
    """The class an entity is reported as (the first of ENTITY_CLASSES it has), as the planner's."""
    return next((c for c in ENTITY_CLASSES if c in classes), None)


@dataclass(frozen=True)
class _Neuroma:
    """Where a neuroma nerve lies at the site: its compartments, its point on the limb axis, the
    side of the limb it runs on and the site's limb beyond the limb's root (None: not recorded)."""

    compartments: frozenset[URIRef]
    at: float | None
    side: str | None
    limb: URIRef | None
    superficial: bool | None = None


@dataclass(frozen=True)
class _Outcome:
    present: bool
    kept: frozenset[URIRef]
    lost: frozenset[URIRef]


@dataclass(frozen=True)
class BaselineOption:
    """One candidate donor with the facts the baseline found and the rules that fired on them."""

    nerve: URIRef
    branch: URIRef
    muscle: URIRef
    facts: dict[str, Any]
    rule_ids: frozenset[str]


@dataclass
class BaselinePlan:
    """What the baseline answers for a case: candidates with facts and flags, per nerve."""

    options: dict[URIRef, list[BaselineOption]]
    case_rule_ids: frozenset[str]
    queries: int = 0


@dataclass
class _Request:
    """Per-request memory: nothing here outlives one :meth:`SparqlBaseline.plan` call."""

    level: URIRef | None
    position: str | None = None
    outcomes: dict[URIRef, _Outcome | None] = field(default_factory=dict)
    ancestry: dict[URIRef, dict[URIRef, int]] = field(default_factory=dict)
    around: frozenset[URIRef] | None = None
    removed: frozenset[URIRef] | None = None
    neuromas: dict[URIRef, _Neuroma] = field(default_factory=dict)
    limbs: dict[URIRef, URIRef | None] = field(default_factory=dict)
    tops: dict[URIRef, URIRef] = field(default_factory=dict)
    across: dict[URIRef, set[URIRef]] = field(default_factory=dict)
    opens_into: dict[URIRef, set[URIRef]] = field(default_factory=dict)
    septa: dict[tuple[URIRef, URIRef], int | None] = field(default_factory=dict)
    queries: int = 0


class SparqlBaseline:
    """Answers a case by SPARQL over the graph, every time; see the module docstring.

    Args:
        graph: the knowledge base's rdflib graph (``kb.graph``, with its materialised triples).
        engine: a rule engine of the same rule book the planner uses.
    """

    def __init__(self, graph: Graph, engine: RuleEngine) -> None:
        self.graph = graph
        self.engine = engine

    # ------------------------------------------------------------------ SPARQL helpers
    def _rows(self, request: _Request, query: Query, **bindings: Any) -> list[Any]:
        request.queries += 1
        return list(self.graph.query(query, initBindings=bindings))

    def _column(self, request: _Request, query: Query, **bindings: Any) -> list[URIRef]:
        return [row[0] for row in self._rows(request, query, **bindings)]

    def _ask(self, request: _Request, query: Query, **bindings: Any) -> bool:
        request.queries += 1
        return bool(self.graph.query(query, initBindings=bindings).askAnswer)

    # ------------------------------------------------------------------ the request
    def plan(self, case: Case) -> BaselinePlan:
        """Candidates, facts and option flags for every nerve of ``case``, found by SPARQL.

        Raises:
            UnknownEntityError: for an unknown level, region or nerve name.
            InvalidCaseError: for a nerve that does not reach the site.
        """
        request, site = self._site(case)
        context = dict(case.context)
        nerves = [self._nerve(request, name, site) for name in case.nerves]
        drafts: list[tuple[URIRef, URIRef, URIRef, dict[str, Any]]] = []
        for nerve in nerves:
            for branch, muscle, distance in self._candidates(request, nerve, site):
                facts = self._facts(request, nerve, branch, muscle, distance, site, context)
                drafts.append((nerve, branch, muscle, facts))
        fired = self.engine.evaluate([{"scope": "option", **facts} for *_, facts in drafts])
        options: dict[URIRef, list[BaselineOption]] = {nerve: [] for nerve in nerves}
        for (nerve, branch, muscle, facts), rule_ids in zip(drafts, fired, strict=True):
            options[nerve].append(BaselineOption(nerve, branch, muscle, facts, frozenset(rule_ids)))
        case_facts = {**context, "nerve_count": len(nerves)}
        case_rules = self.engine.evaluate([{"scope": "case", **case_facts}])[0]
        return BaselinePlan(options, frozenset(case_rules), request.queries)

    def _site(self, case: Case) -> tuple[_Request, URIRef]:
        if case.level == "none":
            probe = _Request(None)
            rows = self._column(probe, REGION_BY_ID, id=Literal(case.region))
            if not rows:
                raise UnknownEntityError("region", str(case.region), [])
            request = _Request(None, case.position, queries=probe.queries)
            return request, rows[0]
        probe = _Request(None)
        found = self._rows(probe, LEVEL_SITE, id=Literal(case.level))
        if not found:
            raise UnknownEntityError("level", case.level, [])
        level, stump = found[0]
        return _Request(level, queries=probe.queries), stump

    def _nerve(self, request: _Request, name: str, site: URIRef) -> URIRef:
        # An exact label is one index lookup; only a name typed otherwise needs the label scan.
        found = set(self._column(request, NAMED_EXACTLY, label=Literal(name.strip(), lang="en")))
        if not found:
            key = Literal(name.strip().casefold())
            found = set(self._column(request, NAMED, name=key))
            found |= set(self._column(request, NAMED_BY_IRI, name=key))
        if len(found) != 1:
            raise UnknownEntityError("nerve", name, [])
        nerve = found.pop()
        if not self._ask(request, IS_NERVE, entity=nerve):
            raise InvalidCaseError(f"{name!r} is not a nerve")
        if not self._ask(request, REACHES, nerve=nerve, site=site):
            raise InvalidCaseError(f"{name!r} does not reach the site")
        return nerve

    def _candidates(
        self, request: _Request, nerve: URIRef, site: URIRef
    ) -> list[tuple[URIRef, URIRef, int]]:
        around = self._around(request, site)
        adjacent = set(self._column(request, ADJACENT, site=site)) - around
        removed = self._removed(request)
        nearest: dict[tuple[URIRef, URIRef], int] = {}
        for distance, regions in ((0, around), (1, adjacent)):
            for region in regions - removed:
                for branch, muscle in self._rows(request, BRANCHES_IN, region=region):
                    if branch == nerve or (branch, muscle) in nearest:
                        continue
                    outcome = self._outcome(request, muscle)
                    if outcome is not None and outcome.present:
                        nearest[(branch, muscle)] = distance
        # Regions are visited nearest first, so a pair seen twice keeps its smaller distance.
        return [(branch, muscle, d) for (branch, muscle), d in nearest.items()]

    def _around(self, request: _Request, site: URIRef) -> frozenset[URIRef]:
        if request.around is None:
            request.around = frozenset(self._column(request, AROUND, site=site))
        return request.around

    def _removed(self, request: _Request) -> frozenset[URIRef]:
        if request.removed is None:
            request.removed = (
                frozenset(self._column(request, REMOVED, level=request.level))
                if request.level is not None
                else frozenset()
            )
        return request.removed

    # ------------------------------------------------------------------ what the level does
    def _outcome(self, request: _Request, muscle: URIRef) -> _Outcome | None:
        if muscle in request.outcomes:
            return request.outcomes[muscle]
        actions = set(self._column(request, ACTIONS, muscle=muscle))
        outcome: _Outcome | None
        parts = self._column(request, PARTS, muscle=muscle) if not actions else []
        if parts:  # a whole described through its heads takes their status
            outcomes = [self._part_outcome(request, p) for p in parts]
            present = [o for o in outcomes if o is not None]
            kept = frozenset().union(*(o.kept for o in present))
            lost = frozenset().union(*(o.lost for o in present))
            outcome = _Outcome(any(o.present for o in present), kept, lost - kept)
        else:
            outcome = self._own_outcome(request, muscle, actions)
        request.outcomes[muscle] = outcome
        return outcome

    def _part_outcome(self, request: _Request, part: URIRef) -> _Outcome | None:
        actions = set(self._column(request, ACTIONS, muscle=part))
        if not actions and self._column(request, PARTS, muscle=part):
            return None  # a whole of its own: the planner's rule reads only the leaf outcomes
        return self._own_outcome(request, part, actions)

    def _own_outcome(self, request: _Request, muscle: URIRef, actions: set[URIRef]) -> _Outcome:
        level = request.level
        if level is None:
            return _Outcome(True, frozenset(actions), frozenset())
        if self._ask(request, ABSENT, muscle=muscle, level=level):
            return _Outcome(False, frozenset(), frozenset(actions))
        if self._ask(request, DETACHED, muscle=muscle, level=level):
            lost = set(actions)
        else:
            lost = set(self._column(request, LOST_AT_JOINT, muscle=muscle, level=level))
        return _Outcome(True, frozenset(actions - lost), frozenset(lost))

    # ------------------------------------------------------------------ facts
    def _facts(
        self,
        request: _Request,
        nerve: URIRef,
        branch: URIRef,
        muscle: URIRef,
        distance: int,
        site: URIRef,
        context: dict[str, bool],
    ) -> dict[str, Any]:
        outcome = self._outcome(request, muscle)
        assert outcome is not None  # candidates are present muscles
        prime = set(self._column(request, PRIME, muscle=muscle))
        without_backup = [
            action
            for action in outcome.kept
            if not self._other_movers(request, muscle, branch, action)
        ]
        supply = set(self._column(request, SUPPLY, muscle=muscle))
        up_branch = self._ancestry(request, branch)
        up_nerve = self._ancestry(request, nerve)
        common = up_nerve.keys() & up_branch.keys()
        published, clinical = self._published(request, nerve, branch, muscle, site)
        facts: dict[str, Any] = {
            "muscle_present": True,
            "actions_total": len(outcome.kept) + len(outcome.lost),
            "actions_lost": len(outcome.lost),
            "actions_kept": len(outcome.kept),
            "prime_actions_kept": len(outcome.kept & prime),
            "kept_actions_without_other_mover": len(without_backup),
            "only_supply": supply == {branch},
            "region_distance": distance,
            "published_pattern": published,
            "clinical_pattern": clinical,
            "donor_from_neuroma_nerve": nerve in up_branch,
            "nerve_distance": min((up_nerve[a] + up_branch[a] for a in common), default=99),
        }
        facts.update(self._spatial_facts(request, nerve, branch, muscle, site))
        donor_mm = self._column(request, DIAMETER, nerve=branch)
        nerve_mm = self._column(request, DIAMETER, nerve=nerve)
        if donor_mm and nerve_mm:
            small, large = sorted((float(donor_mm[0]), float(nerve_mm[0])))
            facts["diameter_ratio"] = round(large / small, 2)
        for key in ("myoelectric_prosthesis", "strength_needs"):
            if key in context:
                facts[key] = context[key]
        return facts

    def _other_movers(
        self, request: _Request, muscle: URIRef, branch: URIRef, action: URIRef
    ) -> list[URIRef]:
        movers = []
        for other in self._column(request, MOVERS, action=action, donor=muscle, branch=branch):
            outcome = self._outcome(request, other)
            if outcome is not None and action in outcome.kept:
                movers.append(other)
        return movers

    def _published(
        self, request: _Request, nerve: URIRef, branch: URIRef, muscle: URIRef, site: URIRef
    ) -> tuple[bool, bool]:
        """Whether a published pattern pairs the nerve with this donor here, and whether one was
        done in patients (not only in cadavers)."""
        contexts: list[URIRef] = (
            [request.level]
            if request.level is not None
            else [site, *self._column(request, ANCESTORS, site=site)]
        )
        bound = {"nerve": nerve, "branch": branch, "muscle": muscle}
        published = [c for c in contexts if self._ask(request, PATTERN, context=c, **bound)]
        clinical = any(self._ask(request, CLINICAL_PATTERN, context=c, **bound) for c in published)
        return bool(published), clinical

    def _ancestry(self, request: _Request, nerve: URIRef) -> dict[URIRef, int]:
        """Each ancestor with the fewest branchOf steps to it, found one query per nerve."""
        found = request.ancestry.get(nerve)
        if found is None:
            found = {nerve: 0}
            frontier = [nerve]
            while frontier:
                following = []
                for current in frontier:
                    for parent in self._column(request, PARENTS, nerve=current):
                        if parent not in found:
                            found[parent] = found[current] + 1
                            following.append(parent)
                frontier = following
            request.ancestry[nerve] = found
        return found

    # ------------------------------------------------------------------ space
    def _spatial_facts(
        self, request: _Request, nerve: URIRef, branch: URIRef, muscle: URIRef, site: URIRef
    ) -> dict[str, Any]:
        neuroma = self._neuroma(request, nerve, site)
        compartments, at = neuroma.compartments, neuroma.at
        facts: dict[str, Any] = {}
        target = self._first_of_wholes(muscle, self._rows(request, IN_COMPARTMENT, muscle=muscle))
        if target is not None and compartments:
            facts["same_compartment"] = self._top(request, target[1]) in compartments
            counts = [self._septa(request, c, target[1]) for c in compartments]
            known = [n for n in counts if n is not None]
            if known:
                facts["septa_crossed"] = min(known)
        same_side = self._same_side(request, neuroma, branch, muscle)
        if same_side is not None:
            facts["same_side"] = same_side
        points = [
            self._point(start, end, third)
            for _region, start, end, third in sorted(
                self._rows(request, ENTRY, branch=branch), key=lambda row: str(row[0])
            )
        ]
        if at is not None and points:
            entry = min(points, key=lambda p: abs(p - at))
            facts["distance_to_entry"] = round(abs(entry - at), 1)
            facts["target_distal_by"] = round(max(entry - at, 0.0), 1)
        depth = self._first_of_wholes(muscle, self._rows(request, DEPTH, muscle=muscle))
        if depth is not None:
            facts["superficial_target"] = str(depth[1]) == "superficial"
            if neuroma.superficial:  # known only for a nerve under the skin at the site
                facts["same_depth"] = str(depth[1]) == "superficial"
        # The branch itself first (radial to brachialis), then the muscle or a whole of it.
        inconstant = sorted(
            (
                tuple(row)
                for row in self._rows(request, BRANCH_INCONSTANT, branch=branch)
                if str(row[0]) in ("true", "1")
            ),
            key=lambda row: tuple(map(str, row)),
        )
        if not inconstant:
            whole = self._first_of_wholes(
                muscle,
                [
                    row
                    for row in self._rows(request, INCONSTANT, muscle=muscle)
                    if str(row[1]) in ("true", "1")
                ],
            )
            inconstant = [whole[1:]] if whole is not None else []
        facts["inconstant_target"] = bool(inconstant)
        if inconstant and inconstant[0][1] is not None:
            facts["absence_rate_percent"] = float(str(inconstant[0][1]))
        facts["native_control_site"] = request.level is not None and self._ask(
            request, NATIVE, muscle=muscle, level=request.level
        )
        return facts

    @staticmethod
    def _first_of_wholes(muscle: URIRef, rows: list[Any]) -> Any:
        """The row of the muscle itself if it has one, else of its first whole (by IRI), as the
        planner's index reads them: a head takes what its whole records only where it records
        nothing of its own; of two values, the first by IRI."""
        if not rows:
            return None
        return min(rows, key=lambda row: (row[0] != muscle, *map(str, row)))

    @staticmethod
    def _point(start: Any, end: Any, third: Any) -> float:
        low, high = float(str(start)), float(str(end))
        share = _SHARE.get(str(third) if third is not None else "middle", 0.5)
        return low + (high - low) * share

    def _neuroma(self, request: _Request, nerve: URIRef, site: URIRef) -> _Neuroma:
        """The compartments the nerve runs in at the site, the neuroma's point on the axis, the
        side of the limb the nerve runs on there and the site's limb (beyond its root)."""
        found = request.neuromas.get(nerve)
        if found is not None:
            return found
        at: float | None = None
        axis = self._rows(request, AXIS, region=site)
        if axis:
            start, end = axis[0]
            if request.level is not None:
                at = float(str(end))  # the stump's distal end
            else:
                at = self._point(start, end, request.position)
        found = _Neuroma(
            frozenset(self._compartments(request, nerve, site, at)),
            at,
            self._side_at(request, nerve, site, at),
            self._segment_limb(request, site),
            self._superficial_at(request, nerve, site),
        )
        request.neuromas[nerve] = found
        return found

    def _superficial_at(self, request: _Request, nerve: URIRef, site: URIRef) -> bool | None:
        """Whether the nerve lies under the skin at the site: a region of its tmr:superficialIn
        is the site's region, a part or a parent (None: no course recorded)."""
        if not self._ask(request, HAS_COURSE, nerve=nerve):
            return None
        around = self._around(request, site)
        return any(r in around for r in self._column(request, SUPERFICIAL_IN, nerve=nerve))

    def _compartments(
        self, request: _Request, nerve: URIRef, site: URIRef, at: float | None
    ) -> set[URIRef]:
        around = self._around(request, site)
        # A course segment for the site's region (or a part or parent) says it; two segments
        # naming one region add up.
        here = {
            self._top(request, compartment)
            for _segment, region, compartment in self._rows(request, SEGMENTS, nerve=nerve)
            if region in around and compartment is not None
        }
        if here:
            return here
        # The compartments it runs in that the amputation leaves, with the regions they span.
        spans: dict[URIRef, set[URIRef]] = {}
        on_axis: dict[URIRef, tuple[float, float]] = {}
        for compartment, region, start, end in self._rows(request, COURSE, nerve=nerve):
            spans.setdefault(compartment, set()).add(region)
            if start is not None and end is not None:
                on_axis[region] = (float(str(start)), float(str(end)))
        removed = self._removed(request)
        runs = [c for c, regions in spans.items() if regions - removed]
        here = {self._top(request, c) for c in runs if spans[c] & around}
        if here or at is None:
            return here
        # Failing both, the nearest along the limb in what is left, the proximal side first.
        gaps: dict[URIRef, tuple[bool, float]] = {}
        for c in runs:
            for region in spans[c] - removed:
                if region in on_axis:
                    low, high = on_axis[region]
                    gap = (low > at, max(low - at, at - high, 0.0))
                    top = self._top(request, c)
                    gaps[top] = min(gap, gaps.get(top, gap))
        if not gaps:
            return set()
        nearest = min(gaps.values())
        return {c for c, gap in gaps.items() if gap == nearest}

    def _side_at(
        self, request: _Request, nerve: URIRef, site: URIRef, at: float | None
    ) -> str | None:
        """The side of the limb the nerve runs on at the site: as recorded for the site's region,
        a part or a parent (two sides there: central); else for the remaining region nearest along
        the limb, the proximal side first; None when not recorded."""
        order = {"medial": 0, "lateral": 1, "central": 2}  # a later property wins, as the planner's
        sides: dict[URIRef, str] = {}
        on_axis: dict[URIRef, tuple[float, float]] = {}
        for side, region, start, end in sorted(
            self._rows(request, NERVE_SIDES, nerve=nerve), key=lambda row: order[str(row[0])]
        ):
            sides[region] = str(side)
            if start is not None and end is not None:
                on_axis[region] = (float(str(start)), float(str(end)))
        around = self._around(request, site)
        here = {side for region, side in sides.items() if region in around}
        if here:
            return here.pop() if len(here) == 1 else "central"
        if at is None:
            return None
        removed = self._removed(request)
        placed = [
            ((on_axis[r][0] > at, max(on_axis[r][0] - at, at - on_axis[r][1], 0.0)), str(r), side)
            for r, side in sides.items()
            if r in on_axis and r not in removed
        ]
        return min(placed)[2] if placed else None

    def _segment_limb(self, request: _Request, region: URIRef) -> URIRef | None:
        """The limb of a region beyond the limb's root (axis start 1 or more), else None: the
        first limb a region on its first chain of parent regions (by IRI) is part of."""
        if region in request.limbs:
            return request.limbs[region]
        axis = self._rows(request, AXIS, region=region)
        found: URIRef | None = None
        if axis and float(str(axis[0][0])) >= 1.0:
            at: URIRef | None = region
            seen = {region}
            while at is not None and found is None:
                classes: dict[URIRef, set[URIRef]] = {}
                for parent, cls in self._rows(request, PARTS_OF, region=at):
                    classes.setdefault(parent, set()).add(cls)
                kinds = {p: _reported_type(c) for p, c in classes.items()}
                parents = sorted(kinds, key=str)
                found = next((p for p in parents if kinds[p] == TMR.Limb), None)
                at = next((p for p in parents if kinds[p] == TMR.Region), None)
                if at in seen:
                    at = None
                elif at is not None:
                    seen.add(at)
        request.limbs[region] = found
        return found

    def _same_side(
        self, request: _Request, neuroma: _Neuroma, branch: URIRef, muscle: URIRef
    ) -> bool | None:
        """Whether the target lies on the nerve's side of the limb ("central" matches either);
        None unless both sides are recorded and the muscle lies in the site's limb."""
        if neuroma.side is None or neuroma.limb is None:
            return None
        own = sorted(self._column(request, BRANCH_SIDE, branch=branch), key=str)
        side: Any = own[0] if own else None
        if side is None:
            row = self._first_of_wholes(muscle, self._rows(request, MUSCLE_SIDE, muscle=muscle))
            side = row[1] if row is not None else None
        if side is None:
            return None
        row = self._first_of_wholes(muscle, self._rows(request, MUSCLE_REGION, muscle=muscle))
        if row is None or self._segment_limb(request, row[1]) != neuroma.limb:
            return None
        target = str(side)
        return "central" in (neuroma.side, target) or neuroma.side == target

    def _top(self, request: _Request, compartment: URIRef) -> URIRef:
        found = request.tops.get(compartment)
        if found is None:
            tops = sorted(self._column(request, TOP, compartment=compartment), key=str)
            found = tops[0] if tops else compartment
            request.tops[compartment] = found
        return found

    def _septa(self, request: _Request, a: URIRef, b: URIRef) -> int | None:
        """The fewest septa or membranes crossed from compartment ``a`` to ``b`` (None: no way is
        recorded), by a breadth-first search that asks the graph for the far sides of each
        compartment it reaches. Layers of one compartment, and compartments that open into each
        other, cross none; an opening counts only as the first or the last step."""
        a, b = self._top(request, a), self._top(request, b)
        key = (a, b)
        if key in request.septa:
            return request.septa[key]
        starts = {a} | self._neighbours(request, a, OPENS_INTO, request.opens_into)
        goals = {b} | self._neighbours(request, b, OPENS_INTO, request.opens_into)
        found: int | None = None
        if b in starts or a in goals:
            found = 0
        else:
            seen = dict.fromkeys(starts, 0)
            queue = deque(starts)
            while queue and found is None:
                at = queue.popleft()
                for other in self._neighbours(request, at, ACROSS, request.across) - {at}:
                    if other not in seen:
                        seen[other] = seen[at] + 1
                        if other in goals:
                            found = seen[other]
                            break
                        queue.append(other)
        request.septa[key] = found
        return found

    def _neighbours(
        self, request: _Request, at: URIRef, query: Query, memo: dict[URIRef, set[URIRef]]
    ) -> set[URIRef]:
        found = memo.get(at)
        if found is None:
            found = {self._top(request, c) for c in self._column(request, query, at=at)}
            memo[at] = found
        return found
