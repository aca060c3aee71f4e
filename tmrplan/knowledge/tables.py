"""A knowledge base's facts as plain tables, and a cache of them between processes.

Parsing and indexing the ontology costs most of a command's start; the tables it comes down to
(every IRI once, IRI triples as integers, literal values) load from JSON in a few milliseconds.
A cache file is named after the files' content hash and is believed only when it is well formed
and names that same key inside: anything else (truncated, edited, another version's) is rebuilt.
JSON rather than pickle, so that reading a cache file never runs code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from tmrplan.atomic import write_atomically
from tmrplan.knowledge.vocab import ONTOLOGY_IRI, OWL

# Raised when the layout of the tables changes, so older cache files stop matching (2: every
# owl:versionInfo value is kept, not the first one met).
FORMAT = 2


@dataclass(frozen=True)
class Tables:
    """The facts of a graph the indexes need.

    Attributes:
        iris: every IRI that is a subject, predicate or object of an IRI triple, or has a literal.
        triples: IRI-only triples as indexes into ``iris``, sorted, without duplicates.
        literals: ``(subject, predicate, lexical form)`` in the graph's order, IRI subjects only.
        declared: the ontology's ``owl:versionInfo`` as declared, unchecked (several values one
            per line, ``unversioned`` when there is none): ``kb.checked_version`` decides
            whether it is a version. It never names a file: cache files are named by a hash.
    """

    iris: list[URIRef]
    triples: list[tuple[int, int, int]]
    literals: list[tuple[int, int, str]]
    declared: str


def tables_of(graph: Graph) -> Tables:
    """The tables of a (materialised) graph; IRIs are numbered in sorted order, so that index
    lists built in triple order come out sorted too.

    Example:
        >>> from tmrplan import paths
        >>> from tmrplan.knowledge.parsing import load_graph
        >>> tables_of(load_graph(paths.ontology_dir())[0]).declared
        '0.1.0'
    """
    links: set[tuple[URIRef, URIRef, URIRef]] = set()
    values: list[tuple[URIRef, URIRef, str]] = []
    for s, p, o in graph:
        if not isinstance(s, URIRef) or not isinstance(p, URIRef):
            continue
        if isinstance(o, URIRef):
            links.add((s, p, o))
        elif isinstance(o, Literal):
            values.append((s, p, str(o)))
    iris = sorted({t for link in links for t in link} | {t for s, p, _ in values for t in (s, p)})
    number = {iri: i for i, iri in enumerate(iris)}
    # Every value, so that two of them are refused at load rather than one picked at random.
    declared = "\n".join(
        sorted({str(v) for v in graph.objects(URIRef(ONTOLOGY_IRI), OWL.versionInfo)})
    )
    return Tables(
        iris,
        sorted((number[s], number[p], number[o]) for s, p, o in links),
        [(number[s], number[p], v) for s, p, v in values],
        declared or "unversioned",
    )


def cache_key(directory: Path, digest: str) -> str:
    """The cache key of an ontology's content: relative IRIs depend on its folder, so it counts.

    Example:
        >>> len(cache_key(Path("ontology"), "3fa2"))
        24
    """
    text = f"{FORMAT}\n{directory.resolve()}\n{digest}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def store(folder: Path, key: str, tables: Tables) -> None:
    """Keep tables for the next process; a cache that cannot be written only costs a rebuild."""
    document = {
        "format": FORMAT,
        "key": key,
        "declared": tables.declared,
        "iris": [str(i) for i in tables.iris],
        "triples": [n for triple in tables.triples for n in triple],
        "literals": [list(v) for v in tables.literals],
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / f"{key}.json", json.dumps(document, separators=(",", ":")))
    except OSError:
        pass


def load(folder: Path, key: str) -> Tables | None:
    """The cached tables for ``key``, or None if there are none or the file is not trustworthy.

    Example:
        >>> load(Path("/nonexistent"), "0" * 24) is None
        True
    """
    try:
        document = json.loads((folder / f"{key}.json").read_bytes())
        return _checked(document, key)
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return None


def _checked(document: dict[str, object], key: str) -> Tables | None:
    iris, flat, literals, declared = (
        document["iris"],
        document["triples"],
        document["literals"],
        document["declared"],
    )
    if document["format"] != FORMAT or document["key"] != key or not isinstance(declared, str):
        return None
    if not (isinstance(iris, list) and isinstance(flat, list) and isinstance(literals, list)):
        return None
    size = len(iris)
    if not all(isinstance(i, str) for i in iris) or len(flat) % 3:
        return None
    if set(map(type, flat)) - {int} or (flat and not 0 <= min(flat) <= max(flat) < size):
        return None
    if not all(type(entry) is list and len(entry) == 3 for entry in literals):
        return None
    subjects, predicates, texts = zip(*literals, strict=True) if literals else ((), (), ())
    ids = subjects + predicates
    if set(map(type, ids)) - {int} or set(map(type, texts)) - {str}:
        return None
    if ids and not 0 <= min(ids) <= max(ids) < size:
        return None
    values = list(zip(subjects, predicates, texts, strict=True))
    it = iter(flat)
    return Tables([URIRef(i) for i in iris], list(zip(it, it, it, strict=True)), values, declared)
