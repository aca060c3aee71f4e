"""Load the knowledge base once, index it, and answer lookups without scanning the graph.

The rdflib graph is the single source of truth. Everything else here (label index, per-entity
property tables, networkx views) is derived from it at load time, so that planning and lookups
never run a full-graph query.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from tmrplan import paths
from tmrplan.errors import AmbiguousNameError, KnowledgeBaseError, UnknownEntityError
from tmrplan.knowledge.vocab import (
    DCTERMS,
    ENTITY_CLASSES,
    NERVE_CLASSES,
    ONTOLOGY_IRI,
    OWL,
    RDF,
    SKOS,
    TMR,
)
from tmrplan.text import suggest

# Resolved once: attribute access on an rdflib Namespace builds a new URIRef every time.
_NERVE = TMR.Nerve
_NERVE_KINDS = frozenset((*NERVE_CLASSES, _NERVE))

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


def parse_turtle_file(path: Path, graph: Graph) -> None:
    """Parse one Turtle file into ``graph``, turning parser failures into a located error.

    Args:
        path: the file to read.
        graph: the graph that receives the triples.

    Raises:
        KnowledgeBaseError: naming the file, the 1-based line and the parser's complaint.

    Example:
        >>> g = Graph()
        >>> parse_turtle_file(paths.ontology_dir() / "tmr.ttl", g)
        >>> len(g) > 0
        True
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    # Decoded here so that a file that is not UTF-8 is reported with its line, like any other
    # damage (tests/test_properties_files.py found it reported with a byte position only).
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise KnowledgeBaseError(
            f"not UTF-8: byte {data[exc.start]:#04x}", path=str(path), line=line
        ) from exc
    try:
        graph.parse(data=data, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        # BadSyntax keeps the decoded text and the *character* offset of the failure: count
        # lines in that text, not in the bytes (with accents or arrows before the error, counting
        # bytes gave too small a line; found by tests/test_properties_files.py).
        offset = getattr(exc, "_i", 0)
        line = text[:offset].count("\n") + 1
        why = getattr(exc, "_why", str(exc))
        raise KnowledgeBaseError(f"Turtle syntax error: {why}", path=str(path), line=line) from exc
    except (ValueError, AssertionError, IndexError, AttributeError) as exc:
        # rdflib's Turtle parser also fails on damaged input with these: AssertionError (a string
        # cut off by truncation, a short \u escape), IndexError (a file that ends inside a name),
        # AttributeError (an N3 ``?x`` variable), ValueError (a bad language tag). They escaped as
        # tracebacks, or came without a line (tests/test_properties_files.py). The parser's
        # position is read back from its frame to name the line.
        why = _PARSER_CRASHES.get(type(exc)) or str(exc).split("\n")[0] or type(exc).__name__
        raise KnowledgeBaseError(
            f"cannot parse: {why}", path=str(path), line=_parser_line(exc, text)
        ) from exc
    invalid = _invalid_iri(text)
    if invalid is not None:
        iri, at = invalid
        shown = iri if len(iri) <= 80 else f"{iri[:79]}…"
        raise KnowledgeBaseError(
            f"<{shown}> is not an IRI: Turtle allows no space, control character or one of "
            '< " { } | ^ ` in one',
            path=str(path),
            line=at,
        )


_PARSER_CRASHES: dict[type, str] = {
    IndexError: "the file ends inside a statement",
    AttributeError: "syntax that is N3, not Turtle (e.g. a ?variable)",
}
_SPACE = re.compile(r"\s*")
# Strings and comments are matched only to be skipped; what is left of a "<" is an IRI reference.
_TURTLE_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|#[^\n]*"
    r"|<(?P<iri>[^>\n]*)>",
    re.DOTALL,
)
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _parser_line(exc: BaseException, text: str) -> int | None:
    """The line rdflib's notation3 parser was reading when it raised ``exc``: from the ``i``
    (character offset into the decoded text ``argstr``) of the innermost parser frame of the
    traceback, past any blank; None if there is no parser frame."""
    offset = None
    trace = exc.__traceback__
    while trace is not None:
        names = trace.tb_frame.f_locals
        if isinstance(names.get("argstr"), str) and isinstance(names.get("i"), int):
            offset = names["i"]
        trace = trace.tb_next
    if offset is None or not 0 <= offset <= len(text):
        return None
    match = _SPACE.match(text, offset)
    return text[: match.end() if match else offset].count("\n") + 1


def _invalid_iri(text: str) -> tuple[str, int] | None:
    """The first IRI reference of a parsed file that holds a character Turtle forbids in one,
    with its line; None if there is none.

    rdflib reads such an IRI (e.g. ``<""http://…>`` after a stray quote) with only a logged
    warning, and fails when the graph is written back: ``tmrplan export`` stopped with a bare
    Exception and a traceback (found by tests/test_properties_files.py).
    """
    for match in _TURTLE_TOKENS.finditer(text):
        iri = match.group("iri")
        # \uXXXX escapes are allowed, and checked for what they stand for; any other "\" is not.
        if iri is not None and _NOT_IN_IRI.search(_UCHAR.sub(_unescape, iri)):
            return iri, text.count("\n", 0, match.start()) + 1
    return None


def _unescape(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code <= 0x10FFFF else "\\"


def load_graph(ontology: Path) -> tuple[Graph, list[Path]]:
    """Read every knowledge file of an ontology directory into one graph.

    Raises:
        KnowledgeBaseError: if the directory has no Turtle files or a file does not parse.
    """
    if not ontology.is_dir():
        raise KnowledgeBaseError("ontology directory not found", path=str(ontology))
    files = paths.knowledge_files(ontology)
    if not files:
        raise KnowledgeBaseError("no Turtle files in the ontology directory", path=str(ontology))
    graph = Graph()
    graph.bind("tmr", TMR)
    graph.bind("skos", SKOS)
    graph.bind("dcterms", DCTERMS)
    for path in files:
        parse_turtle_file(path, graph)
    return graph, files


def materialise(graph: Graph) -> None:
    """Add the triples the vocabulary defines as derived (RDFS-style, only the ones we use).

    ``tmr:performs`` from its sub-properties, and ``tmr:actsOn`` from the joints of the actions.
    """
    for prop in (TMR.primeMoverFor, TMR.accessoryFor):
        for muscle, action in list(graph.subject_objects(prop)):
            graph.add((muscle, TMR.performs, action))
    for muscle, action in list(graph.subject_objects(TMR.performs)):
        for joint in graph.objects(action, TMR.atJoint):
            graph.add((muscle, TMR.actsOn, joint))


def content_hash(files: Iterable[Path]) -> str:
    """A short hash of the files' bytes: two knowledge bases with equal hashes hold equal data."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class KnowledgeBase:
    """A loaded, indexed knowledge base. Build it with :func:`load_knowledge_base`.

    Attributes:
        graph: the RDF graph (source of truth, with materialised ``performs``/``actsOn``).
        directory: where it was loaded from.
        version: declared ``owl:versionInfo`` plus the content hash, e.g. ``0.1.0+3fa2…``.
    """

    graph: Graph
    directory: Path
    files: list[Path]
    version: str
    labels: dict[URIRef, str] = field(default_factory=dict)
    alt_labels: dict[URIRef, list[str]] = field(default_factory=dict)
    types: dict[URIRef, URIRef] = field(default_factory=dict)
    _names: dict[str, set[URIRef]] = field(default_factory=dict)
    _out: dict[URIRef, dict[URIRef, list[URIRef]]] = field(default_factory=dict)
    _in: dict[URIRef, dict[URIRef, list[URIRef]]] = field(default_factory=dict)
    level_ids: dict[str, URIRef] = field(default_factory=dict)
    _by_type: dict[URIRef, list[URIRef]] = field(default_factory=dict)
    region_ids: dict[str, URIRef] = field(default_factory=dict)

    # ------------------------------------------------------------------ index building
    def _build_indexes(self) -> None:
        g = self.graph
        for subject, label in g.subject_objects(SKOS.prefLabel):
            if isinstance(subject, URIRef):
                self.labels[subject] = str(label)
        for subject, label in g.subject_objects(SKOS.altLabel):
            if isinstance(subject, URIRef):
                self.alt_labels.setdefault(subject, []).append(str(label))
        for labels in self.alt_labels.values():
            labels.sort()
        classes_of: dict[URIRef, set[URIRef]] = defaultdict(set)
        for subject, cls in g.subject_objects(RDF.type):
            if isinstance(subject, URIRef) and isinstance(cls, URIRef):
                classes_of[subject].add(cls)
        for subject, classes in classes_of.items():
            for cls in ENTITY_CLASSES:
                if cls in classes:
                    self.types[subject] = cls
                    break
        names: dict[str, set[URIRef]] = defaultdict(set)
        for subject in self.types:
            for name in self.names_of(subject):
                names[name.casefold()].add(subject)
        self._names = dict(names)
        out: dict[URIRef, dict[URIRef, list[URIRef]]] = defaultdict(lambda: defaultdict(list))
        inc: dict[URIRef, dict[URIRef, list[URIRef]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in g:
            if isinstance(s, URIRef) and isinstance(o, URIRef) and isinstance(p, URIRef):
                out[s][p].append(o)
                inc[o][p].append(s)
        self._out = {s: {p: sorted(set(v)) for p, v in d.items()} for s, d in out.items()}
        self._in = {o: {p: sorted(set(v)) for p, v in d.items()} for o, d in inc.items()}
        for level, level_id in g.subject_objects(TMR.levelId):
            self.level_ids[str(level_id)] = URIRef(str(level))
        for region, region_id in g.subject_objects(TMR.regionId):
            self.region_ids[str(region_id)] = URIRef(str(region))

    def names_of(self, entity: URIRef) -> list[str]:
        """Every name an entity answers to: labels, synonyms, ids and its IRI's local name."""
        names = [self.labels.get(entity, "")]
        names += self.alt_labels.get(entity, [])
        names.append(local_name(entity))
        for prop in (TMR.levelId, TMR.regionId):
            names += [str(v) for v in self.graph.objects(entity, prop)]
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
        for obj in self.graph.objects(subject, predicate):
            if isinstance(obj, Literal):
                return str(obj)
        return None

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
        found = self._by_type.get(cls)
        if found is None:
            found = sorted((e for e in self.types if self.is_a(e, cls)), key=self.label)
            self._by_type[cls] = found
        return found

    def sources_of(self, entity: URIRef) -> list[URIRef]:
        """The ``dcterms:source`` of an entity."""
        return self.objects(entity, DCTERMS.source)

    def source_ids(self) -> frozenset[str]:
        """Local names of every ``tmr:Source``: the ids rule cards cite."""
        return frozenset(local_name(s) for s in self.entities(TMR.Source))

    def find(self, name: str) -> URIRef | None:
        """The entity a name denotes, or None.

        Raises:
            AmbiguousNameError: if the name denotes more than one entity.
        """
        matches = self._names.get(name.strip().casefold(), set())
        if len(matches) > 1:
            raise AmbiguousNameError(name, sorted(self.label(m) for m in matches))
        return next(iter(matches), None)

    def get(self, name: str, what: str = "name") -> URIRef:
        """The entity a name denotes.

        Raises:
            UnknownEntityError: with the closest known names as suggestions.
            AmbiguousNameError: if the name denotes more than one entity.

        Example:
            >>> kb = load_knowledge_base()
            >>> kb.label(kb.get("tibial nerve"))
            'tibial nerve'
        """
        found = self.find(name)
        if found is None:
            raise UnknownEntityError(what, name, self.suggest(name))
        return found

    def suggest(self, name: str, limit: int = 3, cls: URIRef | None = None) -> list[str]:
        """The closest known names to ``name``, optionally only of one class."""
        pool = (
            self._names
            if cls is None
            else {k: v for k, v in self._names.items() if any(self.is_a(e, cls) for e in v)}
        )
        close = suggest(name.strip().casefold(), list(pool), limit * 3)
        names = [self.label(next(iter(pool[c]))) if len(pool[c]) == 1 else c for c in close]
        return list(dict.fromkeys(names))[:limit]  # a label and its synonym can name one entity

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Fuzzy, synonym-aware search over every name; best matches first.

        A name that contains the query scores above a merely similar one; ties go to the
        shorter name, so "peroneal" finds the peroneal nerves before longer descriptions.
        """
        query = text.strip().casefold()
        if not query:
            return []
        best: dict[URIRef, SearchHit] = {}
        for name, entities in self._names.items():
            if query in name:
                score = 1.0 + (1.0 if name == query else 0.5 if name.startswith(query) else 0.0)
            else:
                score = difflib.SequenceMatcher(None, query, name).ratio()
                if score < 0.7:
                    continue
            for entity in entities:
                hit = best.get(entity)
                if hit is None or (score, -len(name)) > (hit.score, -len(hit.matched)):
                    best[entity] = SearchHit(entity, self.label(entity), name, score)
        ranked = sorted(best.values(), key=lambda h: (-h.score, len(h.matched), h.label))
        return ranked[:limit]

    # ------------------------------------------------------------------ anatomy helpers
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

        path = [nerve]
        seen = {nerve}
        while parents := self.objects(path[-1], TMR.branchOf):
            parent = max(parents, key=carries_roots)  # ties keep the first parent
            if parent in seen:  # a cycle; the checks report it, lookups must not hang on it
                break
            path.append(parent)
            seen.add(parent)
        return path

    def region_and_parts(self, region: URIRef) -> set[URIRef]:
        """A region with all its parts, transitively."""
        parts = {region}
        stack = [region]
        while stack:
            for part in self.subjects(TMR.partOf, stack.pop()):
                if part not in parts and self.is_a(part, TMR.Region):
                    parts.add(part)
                    stack.append(part)
        return parts

    def region_ancestors(self, region: URIRef) -> list[URIRef]:
        """The regions (not limbs) that contain this one, nearest first."""
        chain: list[URIRef] = []
        current = region
        while parents := [p for p in self.objects(current, TMR.partOf) if self.is_a(p, TMR.Region)]:
            current = parents[0]
            if current in chain:
                break
            chain.append(current)
        return chain

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
        return self._views["nerves"]

    @property
    def anatomy(self) -> nx.MultiDiGraph:
        """Every anatomical relation as an edge with its predicate as the ``predicate`` attribute."""
        return self._views["anatomy"]

    @property
    def region_graph(self) -> nx.Graph:
        """Regions joined by adjacency (``adjacentTo``) and containment (``partOf``)."""
        return self._views["regions"]

    def _build_views(self) -> None:
        nerves = nx.DiGraph()
        anatomy = nx.MultiDiGraph()
        regions = nx.Graph()
        for entity, kind in self.types.items():
            anatomy.add_node(entity, label=self.label(entity), type=local_name(kind))
            if kind == TMR.Region:
                regions.add_node(entity)
            if kind in NERVE_CLASSES:
                nerves.add_node(entity)
        for predicate in ANATOMY_PREDICATES:
            for s, o in self.graph.subject_objects(predicate):
                if isinstance(s, URIRef) and isinstance(o, URIRef):
                    anatomy.add_edge(s, o, key=local_name(predicate), predicate=predicate)
        for child, parent in self.graph.subject_objects(TMR.branchOf):
            nerves.add_edge(child, parent)
        for a, b in self.graph.subject_objects(TMR.adjacentTo):
            regions.add_edge(a, b, relation="adjacent")
        for part, whole in self.graph.subject_objects(TMR.partOf):
            if part in regions and whole in regions:
                regions.add_edge(part, whole, relation="part")
        self._views = {"nerves": nerves, "anatomy": anatomy, "regions": regions}

    _views: dict[str, nx.Graph] = field(default_factory=dict)


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


def load_knowledge_base(ontology: Path | None = None) -> KnowledgeBase:
    """Load, materialise and index a knowledge base (validation is separate: see ``validation``).

    Args:
        ontology: an ontology directory; the shipped one by default.

    Raises:
        KnowledgeBaseError: if a file is missing or does not parse (file and line named).

    Example:
        >>> kb = load_knowledge_base()
        >>> kb.label(TMR.MedianNerve)
        'median nerve'
    """
    directory = ontology or paths.ontology_dir()
    graph, files = load_graph(directory)
    materialise(graph)
    declared = next(
        (str(v) for v in graph.objects(URIRef(ONTOLOGY_IRI), OWL.versionInfo)), "unversioned"
    )
    kb = KnowledgeBase(graph, directory, files, f"{declared}+{content_hash(files)}")
    kb._build_indexes()
    kb._build_views()
    return kb
