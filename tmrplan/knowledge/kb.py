"""Load the knowledge base once, index it, and answer lookups without scanning the graph.

The rdflib graph is the single source of truth. The indexes (labels, per-entity property tables)
are derived from its tables (see ``tables``), which are cached between processes, so that a
command that only looks things up neither parses Turtle nor builds the graph: the graph and the
networkx views are built at first use.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef

from tmrplan import paths
from tmrplan.errors import KnowledgeBaseError, UnknownEntityError
from tmrplan.knowledge import tables as cache
from tmrplan.knowledge.names import Entry, How, Match, NameIndex, normalise
from tmrplan.knowledge.parsing import (
    content_hash,
    knowledge_files,
    load_graph,
    materialise,
)
from tmrplan.knowledge.tables import Tables
from tmrplan.knowledge.vocab import (
    DCTERMS,
    ENTITY_CLASSES,
    NERVE_CLASSES,
    RDF,
    SKOS,
    TMR,
)

if TYPE_CHECKING:
    import networkx as nx

# scripts/synthetic_kb.py imports these two from here; they live in ``parsing``.
__all__ = [
    "ANATOMY_PREDICATES",
    "KnowledgeBase",
    "Match",
    "SearchHit",
    "load_knowledge_base",
    "local_name",
]

# Resolved once: attribute access on an rdflib Namespace builds a new URIRef every time.
_NERVE = TMR.Nerve
_NERVE_KINDS = frozenset((*NERVE_CLASSES, _NERVE))
_TYPE, _PREF, _ALT, _LEVEL_ID, _REGION_ID = (
    RDF.type,
    SKOS.prefLabel,
    SKOS.altLabel,
    TMR.levelId,
    TMR.regionId,
)

# Kinds whose names take part in partial matches ("digital nerve" lists the digital nerves, not
# the sources whose titles say "digital nerve").
_GENERIC_KINDS = frozenset(
    (
        *NERVE_CLASSES,
        _NERVE,
        TMR.Muscle,
        TMR.Region,
        TMR.Compartment,
        TMR.Joint,
        TMR.Limb,
        TMR.Digit,
    )
)
# Where an entity lies: a nerve's course, a muscle's or branch's region.
_PLACES = (TMR.coursesThrough, TMR.locatedIn)

# Object properties that become edges of the anatomy view (predicate kept as an edge attribute).
ANATOMY_PREDICATES = (
    TMR.branchOf,
    TMR.innervates,
    TMR.spinalRoot,
    TMR.partOf,
    TMR.performs,
    TMR.atJoint,
    TMR.actsOn,
    TMR.locatedIn,
    TMR.originIn,
    TMR.insertionIn,
    TMR.coursesThrough,
    TMR.articulates,
    TMR.removesRegion,
    TMR.adjacentTo,
)


@dataclass
class KnowledgeBase:
    """A loaded, indexed knowledge base. Build it with :func:`load_knowledge_base`.

    Attributes:
        directory: where it was loaded from.
        files: its knowledge files.
        version: declared ``owl:versionInfo`` plus the content hash, e.g. ``0.1.0+3fa2…``.
        graph: the RDF graph (source of truth, with materialised ``performs``/``actsOn``), parsed
            at first use when the indexes came from the cache.
    """

    directory: Path
    files: list[Path]
    version: str
    labels: dict[URIRef, str] = field(default_factory=dict)
    alt_labels: dict[URIRef, list[str]] = field(default_factory=dict)
    types: dict[URIRef, URIRef] = field(default_factory=dict)
    level_ids: dict[str, URIRef] = field(default_factory=dict)
    region_ids: dict[str, URIRef] = field(default_factory=dict)
    _names: dict[str, set[URIRef]] = field(default_factory=dict)
    _out: dict[URIRef, dict[URIRef, list[URIRef]]] = field(default_factory=dict)
    _in: dict[URIRef, dict[URIRef, list[URIRef]]] = field(default_factory=dict)
    _values: dict[URIRef, dict[URIRef, list[str]]] = field(default_factory=dict)
    _by_type: dict[URIRef, list[URIRef]] = field(default_factory=dict)
    _of_kind: dict[URIRef, list[URIRef]] = field(default_factory=dict)
    _graph: Graph | None = None
    _views: dict[str, nx.DiGraph] = field(default_factory=dict)
    _resolver: NameIndex | None = None
    _limbs: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)
    _digits: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)

    @property
    def graph(self) -> Graph:
        """The RDF graph, read from the files at first use when the indexes came from the cache."""
        if self._graph is None:
            graph, files = load_graph(self.directory)
            # The indexes came from the cache for the files as they were at load; a graph read
            # from files edited since would disagree with them (and with the version every plan
            # and validation stamp names), so it is refused rather than mixed.
            if content_hash(files) != self.version.rpartition("+")[2]:
                raise KnowledgeBaseError(
                    f"the knowledge files in {str(self.directory)!r} changed after they were "
                    f"loaded (version {self.version}); load the knowledge base again"
                )
            materialise(graph)
            self._graph = graph
        return self._graph

    # ------------------------------------------------------------------ index building
    def _build_indexes(self, tables: Tables) -> None:
        iris = tables.iris
        out: dict[URIRef, dict[URIRef, list[URIRef]]] = defaultdict(lambda: defaultdict(list))
        inc: dict[URIRef, dict[URIRef, list[URIRef]]] = defaultdict(lambda: defaultdict(list))
        # Sorted triples over IRIs numbered in sorted order: every list comes out sorted.
        for s, p, o in tables.triples:
            out[iris[s]][iris[p]].append(iris[o])
            inc[iris[o]][iris[p]].append(iris[s])
        self._out = {s: dict(d) for s, d in out.items()}
        self._in = {o: dict(d) for o, d in inc.items()}
        values: dict[URIRef, dict[URIRef, list[str]]] = defaultdict(lambda: defaultdict(list))
        for s, p, v in tables.literals:
            values[iris[s]][iris[p]].append(v)
        self._values = {s: dict(d) for s, d in values.items()}
        for subject, by_predicate in self._values.items():
            if _PREF in by_predicate:
                self.labels[subject] = by_predicate[_PREF][-1]
            if _ALT in by_predicate:
                self.alt_labels[subject] = sorted(by_predicate[_ALT])
            for level_id in by_predicate.get(_LEVEL_ID, ()):
                self.level_ids[level_id] = subject
            # A ray's segments (tmr:ofDigit) and the cuts of residual lengths (tmr:caseRegion
            # false) are what a level removes, not places a case names: an intact-limb neuroma
            # of a digit is in "digits", its nerve says which digit; a third of the forearm is
            # its position. Kept out, they stay out of region pickers and the sweep.
            if TMR.ofDigit in self._out.get(subject, {}) or by_predicate.get(TMR.caseRegion) == [
                "false"
            ]:
                continue
            for region_id in by_predicate.get(_REGION_ID, ()):
                self.region_ids[region_id] = subject
        for subject, links in self._out.items():
            classes = set(links.get(_TYPE, ()))
            kind = next((c for c in ENTITY_CLASSES if c in classes), None)
            if kind is not None:
                self.types[subject] = kind
        names: dict[str, set[URIRef]] = defaultdict(set)
        for subject in self.types:
            for name in self.names_of(subject):
                names[name.casefold()].add(subject)
        self._names = dict(names)

    def names_of(self, entity: URIRef) -> list[str]:
        """Every name an entity answers to: labels, synonyms, ids and its IRI's local name."""
        names = [self.labels.get(entity, "")]
        names += self.alt_labels.get(entity, [])
        names.append(local_name(entity))
        own = self._values.get(entity, {})
        for prop in (_LEVEL_ID, _REGION_ID):
            names += own.get(prop, [])
        return [n for n in names if n]

    # ------------------------------------------------------------------ lookups (no scans)
    def objects(self, subject: URIRef, predicate: URIRef) -> list[URIRef]:
        """IRIs linked from ``subject`` by ``predicate`` (sorted, from the index)."""
        return self._out.get(subject, {}).get(predicate, [])

    def subjects(self, predicate: URIRef, obj: URIRef) -> list[URIRef]:
        """IRIs that link to ``obj`` by ``predicate`` (sorted, from the index)."""
        return self._in.get(obj, {}).get(predicate, [])

    def value(self, subject: URIRef, predicate: URIRef) -> str | None:
        """One literal value of ``subject``'s ``predicate``, or None."""
        found = self._values.get(subject, {}).get(predicate)
        return found[0] if found else None

    def label(self, entity: URIRef) -> str:
        """The preferred label, or the IRI's local name if it has none."""
        return self.labels.get(entity) or local_name(entity)

    def type_of(self, entity: URIRef) -> URIRef | None:
        """The most specific tmrplan class of an entity, or None if it has none."""
        return self.types.get(entity)

    def is_a(self, entity: URIRef, cls: URIRef) -> bool:
        """Whether an entity's reported type is ``cls`` (or a nerve subclass, for tmr:Nerve)."""
        kind = self.types.get(entity)
        if cls == _NERVE:
            return kind in _NERVE_KINDS
        return kind == cls

    def entities(self, cls: URIRef) -> list[URIRef]:
        """All entities whose reported type is ``cls``, sorted by label (indexed at first use)."""
        if not self._of_kind:
            grouped: dict[URIRef, list[URIRef]] = defaultdict(list)
            for entity, kind in self.types.items():
                grouped[kind].append(entity)
            self._of_kind = dict(grouped)
        found = self._by_type.get(cls)
        if found is None:
            kinds = _NERVE_KINDS if cls == _NERVE else (cls,)
            found = sorted((e for k in kinds for e in self._of_kind.get(k, ())), key=self.label)
            self._by_type[cls] = found
        return found

    def sources_of(self, entity: URIRef) -> list[URIRef]:
        """The ``dcterms:source`` of an entity."""
        return self.objects(entity, DCTERMS.source)

    def source_ids(self) -> frozenset[str]:
        """Local names of every ``tmr:Source``: the ids rule cards cite."""
        return frozenset(local_name(s) for s in self.entities(TMR.Source))

    # ------------------------------------------------------------------ names (see ``names``)
    @property
    def resolver(self) -> NameIndex:
        """The name index behind :meth:`resolve`, :meth:`suggest` and :meth:`search` (built at
        first use: a command that plans by ids needs none)."""
        if self._resolver is None:
            self._resolver = NameIndex(
                self._name_entries(),
                label=self.label,
                limbs=self.limbs_of,
                is_kind=self.is_a,
                ancestors=lambda e: [*self.closure(e, TMR.branchOf), *self.closure(e, TMR.partOf)],
                places=self.places_of,
                digits=self.digits_of,
            )
        return self._resolver

    def places_of(self, entity: URIRef) -> frozenset[URIRef]:
        """The regions an entity runs through or lies in (``tmr:coursesThrough``,
        ``tmr:locatedIn``): where the planner looks for a neuroma of a nerve."""
        return frozenset(r for p in _PLACES for r in self.objects(entity, p))

    def digits_of(self, entity: URIRef) -> frozenset[URIRef]:
        """The digits or toes (``tmr:Digit``) an entity lies on: the ray segments
        (``tmr:ofDigit``) it or any of its branches runs through or lies in.

        Example:
            >>> kb = load_knowledge_base()
            >>> [local_name(d) for d in kb.digits_of(TMR.RadialProperPalmarDigitalNerveOfIndexFinger)]
            ['IndexFinger']
        """
        found = self._digits.get(entity)
        if found is None:
            below = [entity, *self.closure(entity, TMR.branchOf, down=True)]
            found = frozenset(
                d for e in below for r in self.places_of(e) for d in self.objects(r, TMR.ofDigit)
            )
            self._digits[entity] = found
        return found

    def _name_entries(self) -> list[Entry]:
        entries = []
        for entity, kind in self.types.items():
            neural = kind in _NERVE_KINDS
            generate = (neural and kind != TMR.MotorBranch) or kind == TMR.Muscle
            generic = kind in _GENERIC_KINDS
            label = self.labels.get(entity, "")
            for name in self.names_of(entity):
                synonym = name != label and name in self.alt_labels.get(entity, ())
                how: How = "synonym" if synonym else "label"
                entries.append(Entry(entity, name, how, neural, generate, generic))
        return entries

    def limbs_of(self, entity: URIRef) -> frozenset[URIRef]:
        """The limbs (or the trunk) an entity lies on: a region's limb, the limbs of the regions a
        nerve courses through or a muscle or branch lies in, else those of a branch's muscles
        and parent nerve; empty when it has no place.

        Example:
            >>> kb = load_knowledge_base()
            >>> [local_name(limb) for limb in kb.limbs_of(TMR.MedialPlantarNerve)]
            ['LowerLimb']
        """
        found = self._limbs.get(entity)
        if found is None:
            self._limbs[entity] = frozenset()  # a cycle in the data ends here
            found = frozenset(self._limbs_from(entity))
            self._limbs[entity] = found
        return found

    def _limbs_from(self, entity: URIRef) -> set[URIRef]:
        if self.is_a(entity, TMR.Limb):
            return {entity}
        if self.is_a(entity, TMR.Region):
            limb = self.limb_of(entity)
            return {limb} if limb is not None else set()
        regions = [r for p in _PLACES for r in self.objects(entity, p)]
        limbs = {limb for r in regions if (limb := self.limb_of(r)) is not None}
        if not limbs:
            for p in (TMR.innervates, TMR.branchOf, TMR.partOf):
                for other in self.objects(entity, p):
                    limbs |= self.limbs_of(other)
        return limbs

    def resolve(
        self,
        name: str,
        *,
        kind: URIRef | None = None,
        limb: URIRef | None = None,
        what: str = "name",
        regions: frozenset[URIRef] | None = None,
        removed: frozenset[URIRef] = frozenset(),
        digits: frozenset[URIRef] = frozenset(),
    ) -> Match:
        """The entity a typed name denotes, with the name that matched and how (see ``names``).

        Args:
            name: as typed: a label, synonym, abbreviation, or the words of one in any order.
            kind: only entities of this class.
            limb: the case's limb (``limb_of`` its level's or region's region): an abbreviation
                or generic name is narrowed to the entities on it.
            what: what the name is of, for the message ("nerve").
            regions: the case's site (the regions its neuroma can lie in): a generic name is
                narrowed to the entities that run there (:meth:`NameIndex.order`).
            removed: the regions the case's amputation removed: an entity lying only in them
                is not at the site.
            digits: the case's named digits or toes (``tmr:Digit``): their nerves first.

        Raises:
            UnknownEntityError: with the closest known names as suggestions.
            AmbiguousNameError: if the name fits several entities (the case's limb's first).

        Example:
            >>> kb = load_knowledge_base()
            >>> kb.resolve("LACN")
            Match(entity=rdflib.term.URIRef('https://w3id.org/tmrplan#LateralAntebrachialCutaneousNerve'), matched='lateral antebrachial cutaneous nerve', how='abbreviation')
            >>> kb.label(kb.resolve("MPN", limb=TMR.LowerLimb).entity)
            'medial plantar nerve'
        """
        found = self._by_label(name, kind) or self.resolver.resolve(
            name, kind=kind, limb=limb, regions=regions, removed=removed, digits=digits
        )
        if found is None:
            raise UnknownEntityError(what, name, self.suggest(name, cls=kind, limb=limb))
        return found

    def _by_label(self, name: str, kind: URIRef | None) -> Match | None:
        """The resolver's first tier when the name is one entity's label, id or local name and
        no other's synonym: no index to build for a plan that names its nerves by label."""
        key = name.strip().casefold()
        found = self._names.get(key, ())
        if len(found) != 1:
            return None
        (entity,) = found
        if any(a.casefold() == key for a in self.alt_labels.get(entity, ())):
            return None
        if kind is not None and not self.is_a(entity, kind):
            return None
        matched = next(n for n in self.names_of(entity) if n.casefold() == key)
        return Match(entity, matched, "label")

    def find(
        self,
        name: str,
        *,
        kind: URIRef | None = None,
        limb: URIRef | None = None,
        regions: frozenset[URIRef] | None = None,
        removed: frozenset[URIRef] = frozenset(),
        digits: frozenset[URIRef] = frozenset(),
    ) -> URIRef | None:
        """The entity a name denotes, or None (resolved like :meth:`resolve`, with its context).

        Raises:
            AmbiguousNameError: if the name denotes more than one entity.
        """
        found = self._by_label(name, kind) or self.resolver.resolve(
            name, kind=kind, limb=limb, regions=regions, removed=removed, digits=digits
        )
        return found.entity if found is not None else None

    def get(
        self,
        name: str,
        what: str = "name",
        *,
        kind: URIRef | None = None,
        limb: URIRef | None = None,
        regions: frozenset[URIRef] | None = None,
        removed: frozenset[URIRef] = frozenset(),
        digits: frozenset[URIRef] = frozenset(),
    ) -> URIRef:
        """The entity a name denotes: :meth:`resolve`'s entity (with its context).

        Raises:
            UnknownEntityError: with the closest known names as suggestions.
            AmbiguousNameError: if the name denotes more than one entity.

        Example:
            >>> kb = load_knowledge_base()
            >>> kb.label(kb.get("tibial nerve"))
            'tibial nerve'
        """
        return self.resolve(
            name, kind=kind, limb=limb, what=what, regions=regions, removed=removed, digits=digits
        ).entity

    def suggest(
        self,
        name: str,
        limit: int = 3,
        cls: URIRef | None = None,
        *,
        limb: URIRef | None = None,
    ) -> list[str]:
        """The closest known names to ``name`` (fuzzy), optionally only of one class, as the
        labels of what they name; anatomy before sources and the like, and the case's limb's
        entities before others.

        Example:
            >>> load_knowledge_base().suggest("ulnr nerve", limit=1)
            ['ulnar nerve']
        """
        index = self.resolver
        found: list[tuple[bool, bool, str]] = []
        for choice, _ in index.close(name, limit=limit * 4, cutoff=65):
            entities = [e for e in index.entities_named(choice) if cls is None or self.is_a(e, cls)]
            if not entities:
                continue
            # Names with the same words ("deltoid", "nerve to deltoid"): each entity's label.
            for entity in sorted(entities, key=lambda e: (len(self.label(e)), self.label(e))):
                other = self.types.get(entity) not in _GENERIC_KINDS
                away = limb is not None and limb not in self.limbs_of(entity)
                found.append((other, away, self.label(entity)))
        names = [n for *_, n in sorted(found, key=lambda f: f[:2])]  # stable: best first within
        return list(dict.fromkeys(names))[:limit]  # a label and its synonym can name one entity

    def search(
        self,
        text: str,
        limit: int = 20,
        *,
        kind: URIRef | None = None,
        limb: URIRef | None = None,
    ) -> list[SearchHit]:
        """Fuzzy, synonym-aware search over every name: structures before sources, grouped by
        kind (the kind with the best hit first), best matches first within a kind.

        A name that contains the query scores above a merely similar one; ties go to the
        shorter name, so "peroneal" finds the peroneal nerves before longer descriptions. What
        the resolver answers (an abbreviation, the words in another order, every candidate of
        a generic name) is found too.
        """
        query = text.strip().casefold()
        if not query:
            return []
        index = self.resolver
        best: dict[URIRef, SearchHit] = {}

        def hit(entity: URIRef, name: str, score: float) -> None:
            if kind is not None and not self.is_a(entity, kind):
                return
            old = best.get(entity)
            if old is None or (score, -len(name)) > (old.score, -len(old.matched)):
                best[entity] = SearchHit(entity, self.label(entity), name, score)

        for name, entities in index.containing(query):
            score = 1.0 + (1.0 if name == query else 0.5 if name.startswith(query) else 0.0)
            for entity in entities:
                hit(entity, name, score)
        words = " ".join(normalise(query)[0])
        if words and words != query:
            for worded, entities in index.words_containing(words):
                for entity in entities:
                    hit(entity, index.shown(worded), 0.95)
        for worded, score in index.close(query, limit=max(limit, 10), cutoff=70):
            for entity in index.entities_named(worded):
                hit(entity, index.shown(worded), score / 100)
        resolved = index.candidates(text, kind=kind, limb=limb)
        for match in resolved:
            # One answer is the best hit; a generic name's candidates rank with the names that
            # contain the query's words (below those that contain it as typed).
            hit(match.entity, match.matched.casefold(), 2.0 if len(resolved) == 1 else 0.95)
        ranked = sorted(best.values(), key=lambda h: (-h.score, len(h.matched), h.label))
        groups: dict[URIRef | None, list[SearchHit]] = defaultdict(list)
        for h in ranked:
            groups[self.types.get(h.entity)].append(h)
        order = sorted(groups, key=lambda k: (k == TMR.Source, ranked.index(groups[k][0])))
        return [h for k in order for h in groups[k]][:limit]

    # ------------------------------------------------------------------ traversals
    def closure(
        self,
        entity: URIRef,
        relation: URIRef,
        *,
        down: bool = False,
        kind: URIRef | None = None,
        pick: Callable[[list[URIRef]], URIRef] | None = None,
    ) -> dict[URIRef, int]:
        """Everything above ``entity`` along ``relation`` (or below it, with ``down``), each with
        the fewest steps to it: nearest first, without ``entity`` itself.

        Args:
            entity: where to start.
            relation: the predicate to follow, from subject to object (above) or back (below).
            down: follow ``relation`` backwards: the parts of a whole, the branches of a nerve.
            kind: step only onto entities of this type (see :meth:`is_a`); the walk stops at
                any other.
            pick: follow one path instead of every one, choosing among the next steps.

        A cycle in the data ends the walk: the checks report it, lookups must not hang on it.

        Example:
            >>> kb = load_knowledge_base()
            >>> [kb.label(r) for r in kb.closure(TMR.SingleDigit, TMR.partOf, kind=TMR.Region)]
            ['digits of the hand']
            >>> TMR.Forearm in kb.closure(TMR.UpperLimb, TMR.partOf, down=True)
            True
            >>> kb.closure(TMR.FemoralNerve, TMR.branchOf)[TMR.LumbarPlexus]
            1
        """
        found: dict[URIRef, int] = {}
        queue = deque([entity])
        while queue:
            at = queue.popleft()
            depth = found.get(at, 0) + 1
            steps = self.subjects(relation, at) if down else self.objects(at, relation)
            nexts = [n for n in steps if kind is None or self.is_a(n, kind)]
            if pick is not None and nexts:
                nexts = [pick(nexts)]
            for n in nexts:
                if n not in found and n != entity:
                    found[n] = depth
                    queue.append(n)
        return found

    def nerve_path(self, nerve: URIRef) -> list[URIRef]:
        """One path from a nerve up to a spinal root.

        At each step the parent that carries the nerve's own roots is preferred, so the femoral
        nerve climbs the lumbar plexus to L2, one of its roots, not to L1 (the plexus's first).

        Example:
            >>> kb = load_knowledge_base()
            >>> [kb.label(n) for n in kb.nerve_path(TMR.FemoralNerve)]
            ['femoral nerve', 'lumbar plexus', 'L2 root']
        """
        roots = set(self.objects(nerve, TMR.spinalRoot))

        def carries_roots(parent: URIRef) -> tuple[bool, int]:
            shared = len(roots & set(self.objects(parent, TMR.spinalRoot)))
            return (parent in roots, shared)

        return [
            nerve,
            *self.closure(nerve, TMR.branchOf, pick=lambda ps: max(ps, key=carries_roots)),
        ]

    def region_and_parts(self, region: URIRef) -> set[URIRef]:
        """A region with all its parts, transitively."""
        return {region, *self.closure(region, TMR.partOf, down=True, kind=TMR.Region)}

    def region_ancestors(self, region: URIRef) -> list[URIRef]:
        """The regions (not limbs) that contain this one, nearest first."""
        return list(self.closure(region, TMR.partOf, kind=TMR.Region, pick=lambda ps: ps[0]))

    def limb_of(self, region: URIRef) -> URIRef | None:
        """The limb (or the trunk) a region belongs to."""
        for candidate in [region, *self.region_ancestors(region)]:
            for parent in self.objects(candidate, TMR.partOf):
                if self.is_a(parent, TMR.Limb):
                    return parent
        return None

    # ------------------------------------------------------------------ networkx views
    @property
    def nerve_tree(self) -> nx.DiGraph:
        """Child → parent edges of ``tmr:branchOf`` (a DAG: trunks have two roots)."""
        return self._view("nerves")

    @property
    def anatomy(self) -> nx.MultiDiGraph:
        """Every anatomical relation as an edge with its predicate as the ``predicate`` attribute."""
        return self._view("anatomy")

    def _view(self, name: str) -> nx.DiGraph:
        if not self._views:
            self._build_views()
        return self._views[name]

    def _build_views(self) -> None:
        import networkx as nx  # 0.2 s to import: only for the commands that walk the views

        nerves = nx.DiGraph()
        anatomy = nx.MultiDiGraph()
        for entity, kind in self.types.items():
            anatomy.add_node(entity, label=self.label(entity), type=local_name(kind))
            if kind in NERVE_CLASSES:
                nerves.add_node(entity)
        for s, by_predicate in self._out.items():
            for predicate in ANATOMY_PREDICATES:
                for o in by_predicate.get(predicate, ()):
                    anatomy.add_edge(s, o, key=local_name(predicate), predicate=predicate)
            for parent in by_predicate.get(TMR.branchOf, ()):
                nerves.add_edge(s, parent)
        self._views = {"nerves": nerves, "anatomy": anatomy}


@dataclass(frozen=True)
class SearchHit:
    """One search result: the entity, its label, the name that matched, and a relative score."""

    entity: URIRef
    label: str
    matched: str
    score: float


def local_name(iri: URIRef) -> str:
    """The part of an IRI after ``#`` or the last ``/``."""
    text = str(iri)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rstrip("/").rsplit("/", 1)[-1]


def load_knowledge_base(
    ontology: Path | None = None, *, cache_dir: Path | None = None
) -> KnowledgeBase:
    """Load, materialise and index a knowledge base (validation is separate: see ``validation``).

    The indexes of content seen before come from the cache (``paths.knowledge_cache``); the graph
    is then parsed only if something asks for it.

    Args:
        ontology: an ontology directory; the shipped one by default.
        cache_dir: where indexed knowledge bases are kept; ``paths.knowledge_cache()`` by default.

    Raises:
        KnowledgeBaseError: if a file is missing or does not parse (file and line named).

    Example:
        >>> kb = load_knowledge_base()
        >>> kb.label(TMR.MedianNerve)
        'median nerve'
    """
    directory = ontology or paths.ontology_dir()
    files = knowledge_files(directory)
    digest = content_hash(files)
    folder = cache_dir or paths.knowledge_cache()
    key = cache.cache_key(directory, digest)
    graph = None
    tables = cache.load(folder, key)
    if tables is None:
        graph, files = load_graph(directory)
        materialise(graph)
        tables = cache.tables_of(graph)
        cache.store(folder, key, tables)
    kb = KnowledgeBase(directory, files, f"{tables.declared}+{digest}", _graph=graph)
    kb._build_indexes(tables)
    return kb
