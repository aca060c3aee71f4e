"""A straightforward baseline for ``make bench``: the planner's question answered by SPARQL.

For every request it asks the rdflib graph, by SPARQL, everything the planner's indexes hold.
First what was lost: at a level that does not name rays, its own ``tmr:removesRegion`` with their
parts, or those of its ``tmr:ResidualVariant`` of the case's residual length (``short`` or
``long``; ``mid`` is the level); at a level that names rays (``tmr:namesRays``: digit, partial
hand, partial foot), one reading per through-level (the case's ``through``, by ``tmr:throughId``,
else each ``tmr:DigitLevel`` of the limb) and per set of rays (the case's digits or toes, by
``tmr:digitId``, else each ray alone and all rays; all rays at a ``tmr:wholeFoot`` level), less
the rays it is ``tmr:notForDigit`` (none left: not a reading): the named rays' segments of the
kinds it ``tmr:removesSegment``, and its own ``tmr:removesRegion``, each with their parts. The site
is the through-level's ``tmr:stumpRegion``, else the residual variant's, else the level's (or the
region given for an intact limb). Then each nerve (by label, synonym or local name) and whether
it runs through the site, the regions around and next to the site, the motor branches entering
muscles there (leaving out a branch with ``tmr:practicalDonor false``), each muscle's outcome in
every reading: absent when a region it lies in is removed, or when every origin lies on ray
segments and all are removed; an action lost when every insertion is removed (detached), when
its joint articulates a removed region, or when it is at one ray's joint and the muscle's
insertions on that ray are all removed; a whole described through its heads takes their status;
where the readings disagree the muscle is undetermined (its action counts then are unknowns, left
out of the facts as the planner leaves them). Regions removed in every reading are the removed
ones for candidates and for the neuroma's compartments and side. Then the other muscles that
still perform each action, the supply of each muscle, published patterns (with those that name only the target
muscle, ``tmr:targetAnyUnit``; a nerve also takes those of the nerve groups it belongs to,
``tmr:nerveGroup``) and whether one of them was done in patients (evidence other than
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
the readings of the case, a muscle's outcome (and what decides it), a nerve's ancestry, where each neuroma lies, the site's surroundings and
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
# in: ?level (a level, a residual variant or a through-level) · out: ?removed, every region it
# removes itself (tmr:removesRegion), with their parts
REMOVED = _query(
    """SELECT DISTINCT ?removed WHERE {
        { ?level tmr:removesRegion ?x } ?removed tmr:partOf* ?x . ?removed a tmr:Region .
    }"""
)
# in: ?level · out: ?limb it is on
LEVEL_LIMB = _query("SELECT ?limb WHERE { ?level tmr:limb ?limb }")
# in: ?level · true if it is described by which rays were lost (digit, partial hand, partial foot)
NAMES_RAYS = _query('ASK { ?level tmr:namesRays ?rays . FILTER (STR(?rays) IN ("true", "1")) }')
# in: ?limb · out: ?digit, each digit or toe of the limb
LIMB_DIGITS = _query("SELECT ?digit WHERE { { ?digit tmr:limb ?limb } ?digit a tmr:Digit }")
# in: ?limb, ?id (casefolded) · out: ?digit of the limb with that tmr:digitId
DIGIT_BY_ID = _query(
    "SELECT ?digit WHERE { { ?digit tmr:digitId ?id } ?digit tmr:limb ?limb ; a tmr:Digit }"
)
# in: ?limb · out: ?through, each level through a ray (tmr:DigitLevel) of the limb
LIMB_THROUGHS = _query(
    "SELECT ?through WHERE { { ?through tmr:limb ?limb } ?through a tmr:DigitLevel }"
)
# in: ?limb, ?id (casefolded) · out: ?through of the limb with that tmr:throughId
THROUGH_BY_ID = _query(
    "SELECT ?through WHERE { { ?through tmr:throughId ?id } ?through tmr:limb ?limb ; a tmr:DigitLevel }"
)
# in: ?through · true if it takes every ray (Lisfranc, Chopart)
WHOLE_FOOT = _query('ASK { ?through tmr:wholeFoot ?whole . FILTER (STR(?whole) IN ("true", "1")) }')
# in: ?through · out: ?digit it cannot be said of (the thumb has no PIP joint)
NOT_FOR = _query("SELECT ?digit WHERE { ?through tmr:notForDigit ?digit }")
# in: ?through, ?digit · out: ?removed, the digit's ray segments of a kind the through-level
# removes (tmr:removesSegment), with their parts
RAY_SEGMENTS = _query(
    """SELECT DISTINCT ?removed WHERE {
        { ?segment tmr:ofDigit ?digit }
        ?segment tmr:segmentKind ?kind .
        FILTER EXISTS { ?through tmr:removesSegment ?kind }
        ?removed tmr:partOf* ?segment . ?removed a tmr:Region .
    }"""
)
# in: ?level, ?length ("short" or "long") · out: ?variant, its tmr:ResidualVariant of that length
VARIANT = _query(
    "SELECT ?variant WHERE { { ?variant tmr:residualOf ?level } ?variant tmr:residualLength ?length }"
)
# in: ?level · true if it has residual variants at all (a trans-segment level)
HAS_VARIANTS = _query("ASK { ?variant tmr:residualOf ?level }")
# in: ?of (a level, residual variant or through-level) · out: ?stump, where its divided nerves end
STUMP = _query("SELECT ?stump WHERE { ?of tmr:stumpRegion ?stump }")
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
# in: ?muscle · out: each ?action it performs (prime mover or accessory), each ?joint the action is
# at (unbound: none), whether that ?joint is a tmr:Joint (?isJoint), each ?region the joint
# articulates and the ?ray (tmr:ofDigit) that region is of (unbound: none)
ACTION_JOINTS = _query(
    """SELECT ?action ?joint ?isJoint ?region ?ray WHERE {
        { ?muscle tmr:performs ?action }
        OPTIONAL {
            ?action tmr:atJoint ?joint .
            BIND (EXISTS { ?joint a tmr:Joint } AS ?isJoint)
            OPTIONAL {
                ?joint tmr:articulates ?region .
                OPTIONAL { ?region tmr:ofDigit ?ray }
            }
        }
    }"""
)
# in: ?muscle · out: ?action it is a prime mover for
PRIME = _query("SELECT ?action WHERE { ?muscle tmr:primeMoverFor ?action }")
# in: ?muscle · out: ?part, its heads and segments, transitively
PARTS = _query("SELECT DISTINCT ?part WHERE { { ?part tmr:partOf+ ?muscle } ?part a tmr:Muscle }")
# in: ?muscle · out: each region it lies in, arises from or inserts on (?kind "located", "origin"
# or "insertion") with the ?ray (tmr:ofDigit) the region is of (unbound: none)
MUSCLE_REGIONS = _query(
    """SELECT ?kind ?region ?ray WHERE {
        { ?muscle tmr:locatedIn ?region BIND ("located" AS ?kind) }
        UNION { ?muscle tmr:originIn ?region BIND ("origin" AS ?kind) }
        UNION { ?muscle tmr:insertionIn ?region BIND ("insertion" AS ?kind) }
        OPTIONAL { ?region tmr:ofDigit ?ray }
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
# in: ?nerve · out: ?group, the nerve groups it belongs to (tmr:nerveGroup true), whose published
# patterns hold for it
GROUPS = _query(
    """SELECT ?group WHERE {
        { ?nerve tmr:branchOf ?group }
        ?group tmr:nerveGroup ?flag . FILTER (STR(?flag) IN ("true", "1"))
    }"""
)
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
# A muscle's statuses, as the planner's MuscleStatus values; undetermined: the readings of the case
# disagree about it.
_ABSENT, _REDUNDANT, _PARTIAL, _FUNCTIONAL, _UNDETERMINED = (
    "absent",
    "redundant",
    "partial",
    "functional",
    "undetermined",
)
_RESIDUALS = ("short", "mid", "long")


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
    """A muscle's status (one of ``_STATUSES``) with the actions it keeps and loses; for an
    undetermined muscle, the actions every reading keeps and those every reading loses."""

    status: str
    kept: frozenset[URIRef]
    lost: frozenset[URIRef]

    @property
    def present(self) -> bool:
        return self.status != _ABSENT


@dataclass(frozen=True)
class _Muscle:
    """What decides a muscle's outcome in each reading, asked of the graph once per request."""

    located: frozenset[URIRef]
    # Its origins when every one lies on a ray's segments (else empty): all removed, it is absent.
    ray_origins: frozenset[URIRef]
    insertions: frozenset[URIRef]
    # Each ray it inserts on, with its insertions there.
    on_rays: dict[URIRef, frozenset[URIRef]]
    # Each action with its joints (each a tmr:Joint's articulated regions) and the ray whose
    # joint it is at (None: no single ray).
    actions: dict[URIRef, tuple[tuple[frozenset[URIRef], ...], URIRef | None]]


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
    # The removed regions of each reading of the case (one unless a ray level leaves rays or
    # through-level open; an intact limb's one reading removes nothing).
    readings: tuple[frozenset[URIRef], ...] = (frozenset(),)
    outcomes: dict[URIRef, _Outcome | None] = field(default_factory=dict)
    by_reading: dict[URIRef, tuple[_Outcome, ...] | None] = field(default_factory=dict)
    parts: dict[URIRef, list[URIRef]] = field(default_factory=dict)
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


def _reading_outcome(muscle: _Muscle, removed: frozenset[URIRef]) -> _Outcome:
    """A muscle's outcome in one reading: absent if a region it lies in is removed, or every
    origin when all lie on ray segments; an action lost when the muscle is detached (every
    insertion removed), a joint of it articulates a removed region, or it is at a ray's joint
    and the muscle's insertions on that ray are all removed."""
    actions = frozenset(muscle.actions)
    if muscle.located & removed or (muscle.ray_origins and muscle.ray_origins <= removed):
        return _Outcome(_ABSENT, frozenset(), actions)
    detached = bool(muscle.insertions) and muscle.insertions <= removed
    lost_rays = {ray for ray, regions in muscle.on_rays.items() if regions <= removed}
    lost = frozenset(
        action
        for action, (joints, ray) in muscle.actions.items()
        if detached
        or any(regions & removed for regions in joints)
        or (ray is not None and ray in lost_rays)
    )
    kept = actions - lost
    status = _REDUNDANT if not kept else _PARTIAL if lost else _FUNCTIONAL
    return _Outcome(status, kept, lost)


def _whole_outcome(parts: list[_Outcome]) -> _Outcome:
    """A whole's outcome in one reading, from its heads': every action any head keeps or loses."""
    kept = frozenset().union(*(p.kept for p in parts))
    lost = frozenset().union(*(p.lost for p in parts))
    statuses = {p.status for p in parts}
    if not parts or statuses == {_ABSENT}:
        status = _ABSENT
    elif statuses <= {_REDUNDANT, _ABSENT}:
        status = _REDUNDANT
    elif statuses == {_FUNCTIONAL}:
        status = _FUNCTIONAL
    else:
        status = _PARTIAL
    return _Outcome(status, kept, lost - kept)


def _agreement(per_reading: tuple[_Outcome, ...]) -> _Outcome:
    """The outcome every reading gives, else undetermined with the actions all keep and all lose."""
    first, *others = per_reading
    if all(o == first for o in others):
        return first
    kept = frozenset.intersection(*(o.kept for o in per_reading))
    lost = frozenset.intersection(*(o.lost for o in per_reading))
    return _Outcome(_UNDETERMINED, kept, lost)


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
        probe = _Request(None)
        if case.level == "none":
            rows = self._column(probe, REGION_BY_ID, id=Literal(case.region))
            if not rows:
                raise UnknownEntityError("region", str(case.region), [])
            return _Request(None, case.position, queries=probe.queries), rows[0]
        found = self._rows(probe, LEVEL_SITE, id=Literal(case.level))
        if not found:
            raise UnknownEntityError("level", case.level, [])
        level, stump = found[0]
        readings, stump = self._loss(probe, case, level, stump)
        return _Request(level, readings=readings, queries=probe.queries), stump

    def _loss(
        self, request: _Request, case: Case, level: URIRef, stump: URIRef
    ) -> tuple[tuple[frozenset[URIRef], ...], URIRef]:
        """The removed regions of each reading of the case's amputation, and its stump region.

        A level that does not name rays has one reading: its own regions, or its short or long
        residual variant's. A ray level has one per through-level (the case's, or each of the
        limb's) and per set of rays (the case's digits or toes, or else each ray alone and all
        rays; all rays for a whole-foot through-level), without the rays the through-level
        cannot be said of: the named rays' segments of the kinds it removes, and what it removes
        itself, each with its parts.
        """
        rays = self._ask(request, NAMES_RAYS, level=level)
        if not rays and (case.digits or case.toes or case.through):
            raise InvalidCaseError(
                f"digits, toes and through are only for a hand or foot level, not {case.level!r}"
            )
        if case.residual is not None:
            if case.residual not in _RESIDUALS:
                raise UnknownEntityError("residual length", case.residual, list(_RESIDUALS))
            if not self._ask(request, HAS_VARIANTS, level=level):
                raise InvalidCaseError(
                    f"a residual length is only for a trans-segment level, not {case.level!r}"
                )
        if not rays:
            length = Literal(case.residual) if case.residual else None
            variants = self._column(request, VARIANT, level=level, length=length) if length else []
            of = min(variants, key=str) if variants else level  # mid: the level itself
            if of != level:
                stump = min(self._column(request, STUMP, of=of), key=str)
            return (frozenset(self._column(request, REMOVED, level=of)),), stump
        limb = min(self._column(request, LEVEL_LIMB, level=level), key=str)
        on_foot = limb == TMR.LowerLimb
        typed, wrong = (case.toes, case.digits) if on_foot else (case.digits, case.toes)
        what = "toe" if on_foot else "digit"
        if wrong:
            raise InvalidCaseError(
                f"{case.level!r} is a {'foot' if on_foot else 'hand'} level: name its {what}s"
            )
        named: set[URIRef] = set()
        for value in typed:
            key = Literal(value.strip().casefold())
            found = self._column(request, DIGIT_BY_ID, limb=limb, id=key)
            if not found:
                raise UnknownEntityError(what, value, [])
            if found[0] in named:
                raise InvalidCaseError(f"{what} {value!r} is listed twice")
            named.add(found[0])
        every = frozenset(self._column(request, LIMB_DIGITS, limb=limb))
        if case.through is not None:
            key = Literal(case.through.strip().casefold())
            throughs = self._column(request, THROUGH_BY_ID, limb=limb, id=key)[:1]
            if not throughs:
                raise UnknownEntityError("through", case.through, [])
            stump = min(self._column(request, STUMP, of=throughs[0]), key=str)
        else:
            throughs = self._column(request, LIMB_THROUGHS, limb=limb)
        readings: list[frozenset[URIRef]] = []
        for through in throughs:
            whole = self._ask(request, WHOLE_FOOT, through=through)
            not_for = frozenset(self._column(request, NOT_FOR, through=through))
            if case.through is not None and named & not_for:
                raise InvalidCaseError(f"through {case.through!r} cannot be said of every {what}")
            if case.through is not None and whole and named and named != every:
                raise InvalidCaseError(f"through {case.through!r} takes every toe: leave toes out")
            if whole or named:
                choices = [every if whole else frozenset(named)]
            else:
                choices = [frozenset({d}) for d in sorted(every)] + [every]
            own = frozenset(self._column(request, REMOVED, level=through))
            segments: dict[URIRef, frozenset[URIRef]] = {}
            for digits in choices:
                allowed = digits - not_for
                if not allowed and not whole:
                    continue  # the thumb alone through the PIP: not a reading
                removed = set(own)
                for digit in sorted(allowed):
                    if digit not in segments:
                        segments[digit] = frozenset(
                            self._column(request, RAY_SEGMENTS, through=through, digit=digit)
                        )
                    removed |= segments[digit]
                readings.append(frozenset(removed))
        if not readings:
            raise InvalidCaseError(
                f"the case's rays and through allow no reading of {case.level!r}"
            )
        return tuple(dict.fromkeys(readings)), stump

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
        """The regions removed in every reading of the case."""
        if request.removed is None:
            request.removed = frozenset.intersection(*request.readings)
        return request.removed

    # ------------------------------------------------------------------ what the level does
    def _outcome(self, request: _Request, muscle: URIRef) -> _Outcome | None:
        """The muscle's outcome where every reading agrees, else undetermined."""
        if muscle in request.outcomes:
            return request.outcomes[muscle]
        per_reading = self._leaf_outcomes(request, muscle)
        if per_reading is None:  # a whole described through its heads takes their status
            # A head that is a whole of its own is left out: the planner's reads leaf outcomes.
            parts = [self._leaf_outcomes(request, p) for p in request.parts[muscle]]
            leaves = [p for p in parts if p is not None]
            per_reading = tuple(
                _whole_outcome([p[i] for p in leaves]) for i in range(len(request.readings))
            )
        outcome = _agreement(per_reading)
        request.outcomes[muscle] = outcome
        return outcome

    def _leaf_outcomes(self, request: _Request, muscle: URIRef) -> tuple[_Outcome, ...] | None:
        """The outcome of a muscle with actions of its own in each reading (None: a whole
        described through its heads)."""
        if muscle in request.by_reading:
            return request.by_reading[muscle]
        anatomy = self._muscle(request, muscle)
        found = (
            tuple(_reading_outcome(anatomy, removed) for removed in request.readings)
            if anatomy is not None
            else None
        )
        request.by_reading[muscle] = found
        return found

    def _muscle(self, request: _Request, muscle: URIRef) -> _Muscle | None:
        """What decides the muscle's outcome (None: no action of its own and heads instead)."""
        actions: dict[URIRef, dict[URIRef, set[URIRef]]] = {}
        on_ray: dict[URIRef, list[tuple[str, str, str, URIRef]]] = {}
        for action, joint, is_joint, region, ray in self._rows(
            request, ACTION_JOINTS, muscle=muscle
        ):
            joints = actions.setdefault(action, {})
            if joint is None:
                continue
            if is_joint is not None and is_joint.toPython() is True:
                regions = joints.setdefault(joint, set())
                if region is not None:
                    regions.add(region)
            if ray is not None:  # the ray of the first joint, region and ray by IRI
                on_ray.setdefault(action, []).append((str(joint), str(region), str(ray), ray))
        if not actions:
            request.parts[muscle] = self._column(request, PARTS, muscle=muscle)
            if request.parts[muscle]:
                return None
        by_kind: dict[str, dict[URIRef, set[URIRef]]] = {
            "located": {},
            "origin": {},
            "insertion": {},
        }
        if any(request.readings):  # an intact limb removes nothing: where it lies does not matter
            for kind, region, ray in self._rows(request, MUSCLE_REGIONS, muscle=muscle):
                rays = by_kind[str(kind)].setdefault(region, set())
                if ray is not None:
                    rays.add(ray)
        origins = by_kind["origin"]
        on_rays: dict[URIRef, set[URIRef]] = {}
        for region, rays in by_kind["insertion"].items():
            for ray in rays:
                on_rays.setdefault(ray, set()).add(region)
        return _Muscle(
            frozenset(by_kind["located"]),
            frozenset(origins) if origins and all(origins.values()) else frozenset(),
            frozenset(by_kind["insertion"]),
            {ray: frozenset(regions) for ray, regions in on_rays.items()},
            {
                action: (
                    tuple(frozenset(regions) for regions in joints.values()),
                    min(on_ray[action])[3] if action in on_ray else None,
                )
                for action, joints in actions.items()
            },
        )

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
        supply = set(self._column(request, SUPPLY, muscle=muscle))
        up_branch = self._ancestry(request, branch)
        up_nerve = self._ancestry(request, nerve)
        common = up_nerve.keys() & up_branch.keys()
        published, clinical = self._published(request, nerve, branch, muscle, site)
        undetermined = outcome.status == _UNDETERMINED
        facts: dict[str, Any] = {"status_undetermined": undetermined}
        if not undetermined:  # the counts of an undetermined muscle are unknowns
            prime = set(self._column(request, PRIME, muscle=muscle))
            without_backup = [
                action
                for action in outcome.kept
                if not self._other_movers(request, muscle, branch, action)
            ]
            facts |= {
                "muscle_present": outcome.present,
                "actions_total": len(outcome.kept) + len(outcome.lost),
                "actions_lost": len(outcome.lost),
                "actions_kept": len(outcome.kept),
                "prime_actions_kept": len(outcome.kept & prime),
                "kept_actions_without_other_mover": len(without_backup),
            }
        facts |= {
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
        nerves = [nerve, *self._column(request, GROUPS, nerve=nerve)]
        published = [
            (c, n)
            for n in nerves
            for c in contexts
            if self._ask(request, PATTERN, context=c, nerve=n, branch=branch, muscle=muscle)
        ]
        clinical = any(
            self._ask(request, CLINICAL_PATTERN, context=c, nerve=n, branch=branch, muscle=muscle)
            for c, n in published
        )
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
