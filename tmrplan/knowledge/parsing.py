"""Read the ontology's Turtle files into one rdflib graph, with located errors.

pyoxigraph parses (it reports line and column and refuses IRIs Turtle forbids, which rdflib reads
with only a warning and cannot write back); its terms are turned into rdflib terms, because rdflib
stays the graph API. That is also about twice as fast as rdflib's own Turtle parser.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from tmrplan import paths
from tmrplan.errors import InputFileError, KnowledgeBaseError
from tmrplan.files import read_regular_file
from tmrplan.knowledge.vocab import DCTERMS, SKOS, TMR, XSD

Triple = tuple[Node, URIRef, Node]

_XSD_STRING = str(XSD.string)
# pyoxigraph's messages in the words authors already know from earlier releases.
_PHRASES = (
    (re.compile(r"A dot is expected at the end of statements"), "expected '.' at statement end"),
    (re.compile(r"The prefix (\S*:) has not been declared"), r'Prefix "\1" not bound'),
)
_LOCATION = re.compile(r"^Parser error (?:at|between) line \d+[^:]*: ")
_START = re.compile(r"line (\d+) (?:column|between columns) (\d+)")
# Blank nodes ([ ]) and collections (( )) nest at most this deep: pyoxigraph reads any depth,
# but rdflib's serialisers (export) and its own parser recurse once or more per level and
# fail past about 150. The shipped files nest 3 deep.
MAX_NESTING = 64
# pyoxigraph's buffer for one term: a longer literal or IRI is a MemoryError from the parser.
_TERM_LIMIT = 16 * 1024 * 1024
# What the nesting scan looks at: strings (long ones first), IRIs, comments, brackets.
_TOKEN = re.compile(rb"\"\"\"|'''|[\"'<#\[\]()]")
_STRING_END = {
    b'"""': re.compile(rb'(?:[^"\\]++|\\.|"(?!""))*+"""', re.S),
    b"'''": re.compile(rb"(?:[^'\\]++|\\.|'(?!''))*+'''", re.S),
    b'"': re.compile(rb'(?:[^"\\\n]++|\\.)*+"'),
    b"'": re.compile(rb"(?:[^'\\\n]++|\\.)*+'"),
}
_BRACKETS = (b"[", b"(", b"]", b")")


def read_turtle(path: Path) -> tuple[list[Triple], dict[str, str]]:
    """The triples of one Turtle file as rdflib terms, and the prefixes it declares.

    Blank nodes are fresh for each file, as when rdflib parses it; relative IRIs resolve against
    the file's own URI.

    Args:
        path: the file to read.

    Raises:
        KnowledgeBaseError: naming the file, the 1-based line and the parser's complaint.

    Example:
        >>> triples, prefixes = read_turtle(paths.ontology_dir() / "tmr.ttl")
        >>> prefixes["tmr"]
        'https://w3id.org/tmrplan#'
    """
    data = _read(path)
    _check_nesting(path, data)
    parser = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
    try:
        triples = list(_to_rdflib(parser))
    except SyntaxError as exc:
        raise _located(exc, path, data) from exc
    except MemoryError as exc:  # pyoxigraph: "Reached the buffer maximal size of 16777216"
        line = next((at for at, size in _long_terms(data) if size >= _TERM_LIMIT), None)
        raise KnowledgeBaseError(
            "a literal or IRI longer than 16 MiB, more than the Turtle parser holds",
            path=str(path),
            line=line,
        ) from exc
    return triples, dict(parser.prefixes)


def _read(path: Path) -> bytes:
    """The bytes of a Turtle file: a regular file within the size limit."""
    try:
        return read_regular_file(path, "Turtle file")
    except InputFileError as exc:
        raise KnowledgeBaseError(exc.reason, path=str(path)) from exc


def _tokens(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """The brackets, strings and IRIs of a Turtle text with their byte spans, comments skipped.

    Approximate where the text is not Turtle (the parser reports that): it stops at a string or
    IRI that does not end.
    """
    position = 0
    search = _TOKEN.search
    while (found := search(data, position)) is not None:
        token, start = found.group(), found.start()
        if token in _STRING_END:
            end = _STRING_END[token].match(data, found.end())
            if end is None:
                return
            position = end.end()
        elif token in (b"<", b"#"):  # an IRI to its ">", a comment to its line's end
            position = data.find(b">" if token == b"<" else b"\n", start) + 1
            if position == 0:
                return
            if token == b"#":
                continue
        else:
            position = found.end()
        yield token, start, position


def _check_nesting(path: Path, data: bytes) -> None:
    """Refuse blank nodes or collections nested deeper than :data:`MAX_NESTING`, naming the
    line where the text goes too deep."""
    if data.count(b"[") + data.count(b"(") <= MAX_NESTING:  # cannot nest that deep at all
        return
    depth = 0
    for token, start, _ in _tokens(data):
        if token in (b"[", b"("):
            depth += 1
            if depth > MAX_NESTING:
                raise KnowledgeBaseError(
                    f"blank nodes or collections nested more than {MAX_NESTING} deep",
                    path=str(path),
                    line=data.count(b"\n", 0, start) + 1,
                )
        elif token in _BRACKETS and depth:
            depth -= 1


def _long_terms(data: bytes) -> Iterator[tuple[int, int]]:
    """The line and length in bytes of each string and IRI of a Turtle text."""
    for token, start, end in _tokens(data):
        if token not in _BRACKETS:
            yield data.count(b"\n", 0, start) + 1, end - start


def _to_rdflib(quads: Iterable[ox.Quad]) -> Iterator[Triple]:
    blanks: dict[str, BNode] = {}
    named: dict[str, URIRef] = {}  # one URIRef per IRI: most IRIs recur many times in a file

    def iri(node: ox.NamedNode) -> URIRef:
        found = named.get(node.value)
        if found is None:
            found = named[node.value] = URIRef(node.value)
        return found

    def term(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
        if isinstance(node, ox.NamedNode):
            return iri(node)
        if isinstance(node, ox.BlankNode):
            found = blanks.get(node.value)
            if found is None:
                found = blanks[node.value] = BNode()
            return found
        if isinstance(node, ox.Literal):
            if node.language:
                return Literal(node.value, lang=node.language)
            datatype = node.datatype.value
            # rdflib keeps a plain literal without a datatype, as its parser does
            return Literal(node.value, datatype=None if datatype == _XSD_STRING else datatype)
        raise SyntaxError(f"Parser error at line 1 column 1: {node} is RDF-star, not Turtle")

    for quad in quads:
        yield term(quad.subject), iri(quad.predicate), term(quad.object)


def _located(exc: SyntaxError, path: Path, data: bytes) -> KnowledgeBaseError:
    message = exc.msg or str(exc)
    line = exc.lineno
    why = _LOCATION.sub("", message)
    for pattern, phrase in _PHRASES:
        why = pattern.sub(phrase, why)
    start = _START.search(message)
    if start and why.startswith("Unexpected end"):
        # A file that ends after an unclosed "…" means a string ran past its line's end.
        text = data.decode("utf-8", "replace").split("\n")
        at, column = int(start.group(1)), int(start.group(2))
        if at <= len(text) and text[at - 1][column - 1 : column] in ('"', "'"):
            why = f"newline found in string literal ({why})"
    return KnowledgeBaseError(f"Turtle syntax error: {why}", path=str(path), line=line)


def parse_turtle_file(path: Path, graph: Graph) -> None:
    """Parse one Turtle file into ``graph``, binding its prefixes.

    Raises:
        KnowledgeBaseError: naming the file, the 1-based line and the parser's complaint.

    Example:
        >>> g = Graph()
        >>> parse_turtle_file(paths.ontology_dir() / "tmr.ttl", g)
        >>> len(g) > 0
        True
    """
    triples, prefixes = read_turtle(path)
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=False)
    add = graph.add
    for triple in triples:
        add(triple)


def load_graph(ontology: Path) -> tuple[Graph, list[Path]]:
    """Read every knowledge file of an ontology directory into one graph.

    Raises:
        KnowledgeBaseError: if the directory has no Turtle files or a file does not parse.

    Example:
        >>> graph, files = load_graph(paths.ontology_dir())
        >>> len(graph) > 1000
        True
    """
    files = knowledge_files(ontology)
    graph = Graph()
    graph.bind("tmr", TMR)
    graph.bind("skos", SKOS)
    graph.bind("dcterms", DCTERMS)
    for path in files:
        parse_turtle_file(path, graph)
    return graph, files


def knowledge_files(ontology: Path) -> list[Path]:
    """The knowledge files of an ontology directory.

    Raises:
        KnowledgeBaseError: if it is not a directory or has no Turtle files.

    Example:
        >>> knowledge_files(paths.ontology_dir())[0].suffix
        '.ttl'
    """
    if not ontology.is_dir():
        raise KnowledgeBaseError("ontology directory not found", path=str(ontology))
    files = paths.knowledge_files(ontology)
    if not files:
        raise KnowledgeBaseError("no Turtle files in the ontology directory", path=str(ontology))
    return files


def materialise(graph: Graph) -> None:
    """Add the triples the vocabulary defines as derived (RDFS-style, only the ones we use).

    ``tmr:performs`` from its sub-properties, and ``tmr:actsOn`` from the joints of the actions.

    Example:
        >>> graph, _ = load_graph(paths.ontology_dir())
        >>> before = len(graph)
        >>> materialise(graph)
        >>> len(graph) > before
        True
    """
    for prop in (TMR.primeMoverFor, TMR.accessoryFor):
        for muscle, action in list(graph.subject_objects(prop)):
            graph.add((muscle, TMR.performs, action))
    for muscle, action in list(graph.subject_objects(TMR.performs)):
        for joint in graph.objects(action, TMR.atJoint):
            graph.add((muscle, TMR.actsOn, joint))


def content_hash(files: Iterable[Path]) -> str:
    """A short hash of the files' bytes: two knowledge bases with equal hashes hold equal data.

    Example:
        >>> len(content_hash(knowledge_files(paths.ontology_dir())))
        12
    """
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(_read(path))
    return digest.hexdigest()[:12]
