"""Load the knowledge base once, index it, and answer lookups without scanning the graph.

The rdflib graph is the single source of truth. The indexes (labels, per-entity property tables)
are derived from its tables (see ``tables``), which are cached between processes, so that a
command that only looks things up neither parses Turtle nor builds the graph: the graph and the
networkx views are built at first use.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef

from tmrplan import paths
from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge import tables as cache
from tmrplan.knowledge.lookup import NameLookup, SearchHit
from tmrplan.knowledge.names import Match, NameIndex
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
    NERVE_KINDS,
    RDF,
    SKOS,
    TMR,
)
from tmrplan.text import to_short_repr

if TYPE_CHECKING:
    import networkx as nx

# Match and SearchHit are part of the knowledge base's answers; they live in ``names`` and
# ``lookup``.
__all__ = [
    "ANATOMY_PREDICATES",
    "KnowledgeBase",
    "Match",
    "SearchHit",
    "checks_digest",
    "load_knowledge_base",
    "local_name",
]

# Resolved once: attribute access on an rdflib Namespace builds a new URIRef every time.
_NERVE = TMR.Nerve
_TYPE, _PREF, _ALT, _LEVEL_ID, _REGION_ID = (
    RDF.type,
    SKOS.prefLabel,
    SKOS.altLabel,
    TMR.levelId,
    TMR.regionId,
)

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
class KnowledgeBase(NameLookup):
    """A loaded, indexed knowledge base. Build it with :func:`load_knowledge_base`.

    Attributes:
        directory: where it was loaded from.
        files: its knowledge files.
        version: declared ``owl:versionInfo`` plus a hash of everything that decides what the
            knowledge base says and whether it is valid (the knowledge files, the shapes and the
            violation queries), e.g. ``0.1.0+3fa2…``.
        content: the hash of the knowledge files alone (what the cached indexes are of).
        checks: the hash of the shapes and violation queries it was loaded with.
        graph: the RDF graph (source of truth, with materialised ``performs``/``actsOn``), parsed
            at first use when the indexes came from the cache.
    """

    directory: Path
    files: list[Path]
    version: str
    content: str = ""
    checks: str = ""
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
            if content_hash(files) != self.content:
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
            return kind in NERVE_KINDS
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
            kinds = NERVE_KINDS if cls == _NERVE else (cls,)
            found = sorted((e for k in kinds for e in self._of_kind.get(k, ())), key=self.label)
            self._by_type[cls] = found
        return found

    def sources_of(self, entity: URIRef) -> list[URIRef]:
        """The ``dcterms:source`` of an entity."""
        return self.objects(entity, DCTERMS.source)

    def source_ids(self) -> frozenset[str]:
        """Local names of every ``tmr:Source``: the ids rule cards cite."""
        return frozenset(local_name(s) for s in self.entities(TMR.Source))

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
    checks = checks_digest(directory)
    folder = cache_dir or paths.knowledge_cache()
    key = cache.cache_key(directory, digest)
    graph = None
    tables = cache.load(folder, key)
    if tables is None:
        graph, files = load_graph(directory)
        materialise(graph)
        tables = cache.tables_of(graph)
        cache.store(folder, key, tables)
    declared = checked_version(tables.declared, files)
    version = f"{declared}+{_combined(digest, checks)}"
    kb = KnowledgeBase(directory, files, version, digest, checks, _graph=graph)
    kb._build_indexes(tables)
    return kb


def checks_digest(ontology: Path) -> str:
    """A short hash of what a knowledge base is checked against: its shapes and its violation
    queries (names and bytes; a missing shapes file hashes as empty and fails at validation).

    Example:
        >>> len(checks_digest(paths.ontology_dir()))
        12
    """
    digest = hashlib.sha256()
    for path in (paths.shapes_file(ontology), *paths.violation_queries(ontology)):
        digest.update(path.name.encode() + b"\0")
        try:
            data = path.read_bytes() if path.is_file() else b""
        except OSError as exc:
            raise KnowledgeBaseError(f"cannot read: {exc.strerror}", path=str(path)) from exc
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()[:12]


def _combined(content: str, checks: str) -> str:
    # One 12-digit hash in the version: the same knowledge files checked by other shapes or
    # queries are another knowledge base as far as validity goes (issue 17, item 1).
    return hashlib.sha256(f"{content}\n{checks}".encode()).hexdigest()[:12]


# A declared version: ASCII digits and dots, an optional pre-release; short, no path characters.
_VERSION = re.compile(
    r"[0-9]{1,9}(?:\.[0-9]{1,9}){0,3}(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?", re.ASCII
)
MAX_VERSION_LENGTH = 40
UNVERSIONED = "unversioned"


def checked_version(declared: str, files: list[Path]) -> str:
    """The ontology's ``owl:versionInfo`` if it is a version (``0.1.0``, ``2.0.0-rc.1``), else
    an error naming the file and line that declare it: the value goes into every plan, audit
    event and export, so a long or path-like one is refused here (issue 17, item 3).

    Raises:
        KnowledgeBaseError: for a value that is not a version, or for two different values.

    Example:
        >>> checked_version("0.1.0", [])
        '0.1.0'
        >>> checked_version("../../x", [])
        Traceback (most recent call last):
        ...
        tmrplan.errors.KnowledgeBaseError: owl:versionInfo '../../x' is not a version: ...
    """
    if declared == UNVERSIONED:
        return declared
    values = declared.split("\n")
    path, line = _declared_where(files, values[0])
    if len(values) > 1:
        shown = ", ".join(to_short_repr(v, 30) for v in values[:3])
        raise KnowledgeBaseError(
            f"the ontology declares {len(values)} owl:versionInfo values ({shown}); keep one",
            path=path,
            line=line,
        )
    if len(declared) > MAX_VERSION_LENGTH or not _VERSION.fullmatch(declared):
        raise KnowledgeBaseError(
            f"owl:versionInfo {to_short_repr(declared, 40)} is not a version: ASCII digits and "
            f"dots with an optional pre-release, e.g. '0.1.0' or '1.2.0-rc.1', at most "
            f"{MAX_VERSION_LENGTH} characters",
            path=path,
            line=line,
        )
    return declared


def _declared_where(files: list[Path], value: str) -> tuple[str | None, int | None]:
    """The file and line that declare ``owl:versionInfo`` (the first line naming the property
    in the file that holds the value), for the error message; best effort."""
    found: tuple[str | None, int | None] = (None, None)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        at = text.find("versionInfo")
        if at == -1:
            continue
        where = (str(path), text.count("\n", 0, at) + 1)
        if value[:20] in text:
            return where
        found = found if found[0] else where
    return found
