"""Validate a knowledge base: SHACL shapes plus SPARQL ``*_violation.rq`` checks.

A check passes when it finds nothing. Each finding names the entity and the shape or query that
failed, so that an author can go straight to the triple at fault.
"""

from __future__ import annotations

import hashlib
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from tmrplan import paths
from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge.kb import KnowledgeBase, checks_digest, local_name
from tmrplan.knowledge.parsing import parse_turtle_file
from tmrplan.knowledge.vocab import SH, TMR
from tmrplan.text import to_short_repr

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
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise KnowledgeBaseError(f"cannot read the query: {exc}", path=str(path)) from exc
        refuse_network(text, str(path))  # before any parser sees it
        try:
            query = prepareQuery(text, initNs={"tmr": TMR})
        except Exception as exc:  # pyparsing raises several unrelated classes
            raise KnowledgeBaseError(f"SPARQL does not parse: {exc}", path=str(path)) from exc
        _refuse_in_algebra(query.algebra, str(path))
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

    refuse_network(check.text, str(check.path))  # the very text pyoxigraph runs
    try:
        rows = list(store.query(check.text, prefixes={"tmr": str(TMR)}))
    except (SyntaxError, OSError) as exc:
        raise KnowledgeBaseError(f"SPARQL query failed: {exc}", path=str(check.path)) from exc
    found = []
    for row in rows:
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
    check_shape_queries(shapes, path)
    return shapes


def shacl_violations(
    graph: Graph, shapes: Graph, shapes_path: Path | None = None
) -> list[Violation]:
    """Validate ``graph`` against ``shapes``; one violation per SHACL result.

    pySHACL runs with no network (see :func:`offline`) and without ``owl:imports``.

    Raises:
        KnowledgeBaseError: naming the shapes file when a shape is malformed (pySHACL cannot
            load or run it) or asks for the network.
    """
    from pyparsing import ParseBaseException
    from pyshacl import validate
    from pyshacl.errors import ReportableRuntimeError

    where = str(shapes_path) if shapes_path is not None else None
    try:
        with offline():
            conforms, report, text = validate(
                graph, shacl_graph=shapes, inference="none", advanced=True, do_owl_imports=False
            )
    except KnowledgeBaseError:
        raise
    except (ReportableRuntimeError, ParseBaseException, ValueError, TypeError) as exc:
        # A malformed shape: sh:minCount "abc", a sh:select that does not parse, ...
        raise KnowledgeBaseError(
            f"the SHACL shapes cannot be used: {_first_line(exc)}", path=where
        ) from exc
    if not isinstance(report, Graph):
        # pyshacl answers a ValidationFailure (e.g. a SPARQL constraint with VALUES) with the
        # exception in place of the report graph.
        raise KnowledgeBaseError(
            f"the SHACL shapes cannot be used: {_first_line(report)} ({to_short_repr(text, 120)})",
            path=where,
        )
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
    shapes = load_shapes(kb.directory)
    checks = load_violation_queries(kb.directory)
    if kb.checks and checks_digest(kb.directory) != kb.checks:
        # The version (and so the stamp) names the checks it was loaded with; these are others.
        raise KnowledgeBaseError(
            f"the shapes or violation queries in {str(kb.directory)!r} changed after the "
            f"knowledge base was loaded (version {kb.version}); load it again"
        )
    found = shacl_violations(kb.graph, shapes, paths.shapes_file(kb.directory))
    store = query_store(kb.graph)
    with offline():
        for check in checks:
            found += run_violation_query(kb.graph, check, store)
    return found


__all__ = [
    "Violation",
    "ViolationQuery",
    "check_shape_queries",
    "checks_hash",
    "ensure_valid",
    "load_shapes",
    "load_violation_queries",
    "offline",
    "query_store",
    "refuse_network",
    "run_violation_query",
    "shacl_violations",
    "stamp_name",
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
    stamp = folder / stamp_name(kb)
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
    (a stamp of the knowledge files alone would survive an edited shape); part of the version.

    Example:
        >>> len(checks_hash(paths.ontology_dir()))
        12
    """
    return checks_digest(ontology)


# Raised when what validation does changes (not what it reads: the version covers that), so
# that a stamp of the old checking code is not believed by the new (2: network refused).
VALIDATOR = 2


def stamp_name(kb: KnowledgeBase) -> str:
    """The stamp file's name: a hash of the version (knowledge files, shapes and queries), the
    folder (relative IRIs resolve against it), the checking code and its engines' versions.
    Nothing of the ontology's own text goes into the name (issue 17, item 3).

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> stamp_name(load_knowledge_base()).endswith(".ok")
        True
    """
    from importlib.metadata import version

    engines = ",".join(version(name) for name in ("pyshacl", "pyoxigraph", "rdflib"))
    text = f"{VALIDATOR}\n{kb.version}\n{kb.directory.resolve()}\n{engines}"
    return hashlib.sha256(text.encode()).hexdigest()[:32] + ".ok"


# ------------------------------------------------------------------------ no network in checks
# Checks run on the local graph only (issue 17, item 2). A query or shape that asks for the
# network is refused before it runs, with its file and line; while checks run, rdflib's SPARQL
# engine may not fetch (FROM graphs are not loaded, SERVICE raises) and no Python code in this
# thread may open a connection (an audit hook). pyoxigraph's own HTTP client is not Python: the
# text it runs is the text refused here.

# Words that reach beyond the local graph: a federated query, a graph loaded by IRI, the
# dataset clauses (a FROM would also point the check at an empty graph: a silent pass).
_NETWORK_WORDS = re.compile(r"(?<![\w:?$])(SERVICE|LOAD|FROM|USING)(?![\w:-])", re.IGNORECASE)
# What cannot hold a keyword: strings, IRIs and comments (in SPARQL's own lexical order).
_NOT_CODE = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|<[^<>\"{}|^`\\\x00-\x20]*>|#[^\n]*"
)
_SPARQL_IN_SHAPES = (SH.select, SH.ask, SH.construct, SH.update)
_NETWORK_EVENTS = frozenset(
    (
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.sendto",
        "socket.sendmsg",
        "urllib.Request",
        "http.client.connect",
        "ftplib.connect",
        "smtplib.connect",
    )
)
_OFFLINE: ContextVar[list[str] | None] = ContextVar("tmrplan_offline", default=None)
_GUARD = threading.Lock()
_installed = False
_depth = 0


def refuse_network(text: str, where: str, *, line_offset: int = 0) -> None:
    """Refuse a SPARQL text that reaches beyond the local graph (``SERVICE``, ``LOAD``,
    ``FROM``, ``USING``), naming ``where`` and the line.

    Raises:
        KnowledgeBaseError: naming the file, the line and the word.

    Example:
        >>> refuse_network("SELECT ?x WHERE { ?x a ?c } # no SERVICE here", "q.rq")
        >>> refuse_network("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", "q.rq")
        Traceback (most recent call last):
        ...
        tmrplan.errors.KnowledgeBaseError: q.rq:1: SERVICE is refused: checks run on the local knowledge base only, never over the network
    """
    code = _NOT_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    found = _NETWORK_WORDS.search(code)
    if found is None:
        return
    line = code.count("\n", 0, found.start()) + 1 + line_offset
    raise KnowledgeBaseError(
        f"{found.group(1).upper()} is refused: checks run on the local knowledge base only, "
        "never over the network",
        path=where,
        line=line,
    )


def _refuse_in_algebra(node: object, where: str) -> None:
    """The parsed query, walked for what :func:`refuse_network` looks for in the text (two
    readings must agree before a query runs)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        at = stack.pop()
        if isinstance(at, CompValue):
            # dict.get: CompValue.get answers a missing key with the key itself
            if at.name in ("ServiceGraphPattern", "Load") or dict.get(at, "datasetClause"):
                raise KnowledgeBaseError(
                    "a federated query, LOAD or FROM clause is refused: checks run on the "
                    "local knowledge base only",
                    path=where,
                )
            stack.extend(at.values())
        elif isinstance(at, dict):
            stack.extend(at.values())
        elif isinstance(at, (list, tuple)):
            stack.extend(at)


def check_shape_queries(shapes: Graph, path: Path) -> None:
    """Every SPARQL text of the shapes (``sh:select``, ``sh:ask``, ``sh:construct``,
    ``sh:update``): no network, and it parses.

    Raises:
        KnowledgeBaseError: naming the shapes file, the line where the text is found, and the
            shape it belongs to.
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser

    try:
        source = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        source = ""
    for predicate in _SPARQL_IN_SHAPES:
        for owner, text in sorted(shapes.subject_objects(predicate)):
            query = str(text)
            first = next((ln.strip() for ln in query.splitlines() if ln.strip()), "")
            at = source.find(first[:60]) if first else -1
            offset = source.count("\n", 0, at) if at != -1 else 0
            where = f"{path}" + ("" if at != -1 else f" ({_shape_label(shapes, owner)})")
            refuse_network(query, where, line_offset=offset)
            try:
                parsed = parser.parseQuery(query)
            except ParseBaseException as exc:
                raise KnowledgeBaseError(
                    f"SPARQL of {_shape_label(shapes, owner)} ({local_name(predicate)}) does "
                    f"not parse: {_first_line(exc)}",
                    path=str(path),
                    line=offset + 1 if at != -1 else None,
                ) from exc
            _refuse_in_algebra(parsed, where)


def _shape_label(shapes: Graph, node: object) -> str:
    # A SPARQL constraint is a blank node: name the shape that holds it.
    for _ in range(3):
        if isinstance(node, URIRef):
            return f"shape {local_name(node)}"
        owner = next(iter(shapes.subjects(object=node)), None) if isinstance(node, Node) else None
        if owner is None:
            break
        node = owner
    return "a shape"


def _first_line(error: object) -> str:
    text = str(error).strip().splitlines()
    return to_short_repr(text[0], 200)[1:-1] if text else type(error).__name__


@contextmanager
def offline() -> Iterator[None]:
    """No network while the body runs, in this thread: rdflib's SPARQL does not load FROM
    graphs and refuses SERVICE, and a Python socket, DNS lookup or URL request raises
    :class:`KnowledgeBaseError` (an audit hook, installed once, active only in here). An
    attempt that a library caught and swallowed is still refused when the body ends.

    Example:
        >>> import urllib.request
        >>> with offline():
        ...     urllib.request.urlopen("http://example.org/")
        Traceback (most recent call last):
        ...
        tmrplan.errors.KnowledgeBaseError: network access refused while checks run (urllib.Request 'http://example.org/'): checks run on the local knowledge base only
    """
    import rdflib.plugins.sparql as rdflib_sparql

    global _installed, _depth
    with _GUARD:
        if not _installed:
            sys.addaudithook(_audit)
            rdflib_sparql.CUSTOM_EVALS["tmrplan_no_service"] = _no_service
            _installed = True
        _depth += 1
        rdflib_sparql.SPARQL_LOAD_GRAPHS = False
    attempts: list[str] = []
    token = _OFFLINE.set(attempts)
    try:
        yield
    finally:
        _OFFLINE.reset(token)
        with _GUARD:
            _depth -= 1
            if _depth == 0:
                rdflib_sparql.SPARQL_LOAD_GRAPHS = True
    if attempts:
        raise _refused(attempts[0])


def _refused(what: str) -> KnowledgeBaseError:
    return KnowledgeBaseError(
        f"network access refused while checks run ({what}): checks run on the local knowledge "
        "base only"
    )


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event not in _NETWORK_EVENTS:
        return
    attempts = _OFFLINE.get()
    if attempts is None:
        return
    what = f"{event} {to_short_repr(str(args[0]) if args else '', 80)}"
    attempts.append(what)
    raise _refused(what)


def _no_service(ctx: Any, part: Any) -> Any:
    if part.name == "ServiceGraphPattern" and _OFFLINE.get() is not None:
        raise _refused("SPARQL SERVICE")
    raise NotImplementedError  # every other part: rdflib's own evaluation
