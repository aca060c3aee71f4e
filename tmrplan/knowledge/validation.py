"""Validate a knowledge base: SHACL shapes plus SPARQL ``*_violation.rq`` checks.

A check passes when it finds nothing. Each finding names the entity and the shape or query that
failed, so that an author can go straight to the triple at fault.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from tmrplan import paths
from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge.kb import KnowledgeBase, local_name
from tmrplan.knowledge.parsing import parse_turtle_file
from tmrplan.knowledge.vocab import SH, TMR

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query

# pyshacl and rdflib's SPARQL parser are imported where they run: a process whose knowledge base
# is stamped valid (every plan after the first) then never pays their half second of imports.


@dataclass(frozen=True)
class Violation:
    """One finding: which check, about which entity, and what it says."""

    check: str
    focus: str
    message: str

    def __str__(self) -> str:
        return f"{self.check}: {self.focus}: {self.message}"


@dataclass(frozen=True)
class ViolationQuery:
    """A prepared consistency query; its first projected variable is the entity at fault."""

    name: str
    path: Path
    query: Query
    variables: tuple[str, ...]
    text: str = ""


def load_violation_queries(ontology: Path) -> list[ViolationQuery]:
    """Prepare every ``queries/*_violation.rq`` once.

    Raises:
        KnowledgeBaseError: naming the query file if it does not parse.
    """
    from rdflib.plugins.sparql import prepareQuery

    prepared = []
    for path in paths.violation_queries(ontology):
        text = path.read_text(encoding="utf-8")
        try:
            query = prepareQuery(text, initNs={"tmr": TMR})
        except Exception as exc:  # pyparsing raises several unrelated classes
            raise KnowledgeBaseError(f"SPARQL does not parse: {exc}", path=str(path)) from exc
        variables = tuple(str(v) for v in query.algebra.get("PV") or ())
        prepared.append(ViolationQuery(path.stem, path, query, variables, text))
    return prepared


def query_store(graph: Graph) -> Any:
    """The graph copied into an in-memory pyoxigraph store, where the checks run: rdflib takes
    about 7 s for the undefined-reference query on the shipped knowledge base, pyoxigraph 0.1 s
    for all of them (rdflib stays the graph API; its answers are the same)."""
    import pyoxigraph as ox

    def term(node: Node) -> Any:
        if isinstance(node, URIRef):
            return ox.NamedNode(str(node))
        if isinstance(node, BNode):
            return ox.BlankNode(str(node))
        assert isinstance(node, Literal)
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))

    store = ox.Store()
    store.extend([ox.Quad(term(s), term(p), term(o)) for s, p, o in graph])
    return store


def run_violation_query(
    graph: Graph, check: ViolationQuery, store: Any | None = None
) -> list[Violation]:
    """Run one prepared check (on ``store``, a :func:`query_store` of ``graph``, built here when
    not given); each row becomes a violation."""
    import pyoxigraph as ox

    store = store if store is not None else query_store(graph)

    def back(value: Any) -> object:
        if isinstance(value, ox.NamedNode):
            return URIRef(value.value)
        return None if value is None else value.value

    found = []
    for row in store.query(check.text, prefixes={"tmr": str(TMR)}):
        values = [back(row[v]) for v in check.variables]
        focus = local_name(values[0]) if isinstance(values[0], URIRef) else str(values[0])
        details = ", ".join(
            f"{name}={_short(value)}"
            for name, value in zip(check.variables[1:], values[1:], strict=True)
            if value is not None
        )
        found.append(Violation(check.name, focus, details))
    return found


def _short(value: object) -> str:
    return local_name(value) if isinstance(value, URIRef) else str(value)


def load_shapes(ontology: Path) -> Graph:
    """The SHACL shapes graph of an ontology directory."""
    shapes = Graph()
    path = paths.shapes_file(ontology)
    if not path.is_file():
        raise KnowledgeBaseError("SHACL shapes file not found", path=str(path))
    parse_turtle_file(path, shapes)
    return shapes


def shacl_violations(graph: Graph, shapes: Graph) -> list[Violation]:
    """Validate ``graph`` against ``shapes``; one violation per SHACL result."""
    from pyshacl import validate

    conforms, report, _ = validate(graph, shacl_graph=shapes, inference="none", advanced=True)
    if conforms:
        return []
    found = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        shape_name = _shape_name(shapes, shape)
        where = f" (path {_short(path)})" if isinstance(path, URIRef) else ""
        found.append(Violation(f"shacl:{shape_name}", _short(focus), f"{message}{where}"))
    return sorted(found, key=lambda v: (v.check, v.focus, v.message))


def _shape_name(shapes: Graph, shape: object) -> str:
    # Property shapes are blank nodes: name the node shape that owns them instead.
    owner = shapes.value(predicate=SH.property, object=shape) if isinstance(shape, Node) else None
    named = owner if isinstance(owner, URIRef) else shape
    return _short(named) if isinstance(named, URIRef) else "shape"


def validate_knowledge_base(kb: KnowledgeBase) -> list[Violation]:
    """Every SHACL and SPARQL finding for a loaded knowledge base; empty when it is clean.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> validate_knowledge_base(load_knowledge_base())
        []
    """
    found = shacl_violations(kb.graph, load_shapes(kb.directory))
    store = query_store(kb.graph)
    for check in load_violation_queries(kb.directory):
        found += run_violation_query(kb.graph, check, store)
    return found


__all__ = [
    "Violation",
    "ViolationQuery",
    "checks_hash",
    "ensure_valid",
    "load_shapes",
    "load_violation_queries",
    "query_store",
    "run_violation_query",
    "shacl_violations",
    "validate_knowledge_base",
    "validate_once",
]


def ensure_valid(kb: KnowledgeBase, stamp_dir: Path | None = None) -> None:
    """Refuse to plan from a knowledge base that fails its checks; validate each content once.

    Validation takes seconds, so a passing result is remembered as an empty stamp file named after
    the knowledge base's content hash: the same bytes are not validated twice, and any edit changes
    the hash and forces a new validation.

    Raises:
        KnowledgeBaseError: listing the first violations.
    """
    violations = validate_once(kb, stamp_dir)
    if violations:
        shown = "; ".join(str(v) for v in violations[:5])
        more = f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""
        raise KnowledgeBaseError(
            f"{len(violations)} violation(s): {shown}{more}; run 'tmrplan check'",
            path=str(kb.directory),
        )


def validate_once(kb: KnowledgeBase, stamp_dir: Path | None = None) -> list[Violation]:
    """:func:`validate_knowledge_base`, skipped when these very knowledge files passed these very
    checks before (a stamp named after both hashes; an edit to either validates again).

    Returns:
        The violations (none when a stamp says the content passed).
    """
    folder = stamp_dir or paths.validation_stamps()
    stamp = folder / f"{kb.version}-{checks_hash(kb.directory)}.ok"
    if stamp.is_file():
        return []
    violations = validate_knowledge_base(kb)
    if not violations:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stamp.touch()
        except OSError:
            pass  # a read-only cache only costs a re-validation next time
    return violations


def checks_hash(ontology: Path) -> str:
    """A short hash of what a knowledge base is checked against: its shapes and its queries
    (a stamp of the knowledge files alone would survive an edited shape).

    Example:
        >>> len(checks_hash(paths.ontology_dir()))
        12
    """
    digest = hashlib.sha256()
    for path in (paths.shapes_file(ontology), *paths.violation_queries(ontology)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:12]
