"""Synthetic knowledge bases N times the shipped one, with the same shape, for ``make bench``.

Copy 0 is the shipped ontology, file for file, so every reference case resolves unchanged in it.
Copies 1 … N-1 clone every individual of the knowledge files (anatomy, levels, regions, transfer
patterns, clinical content, sources) with renamed IRIs (``tmr:MedianNerve_c007``), labels and
synonyms ("median nerve (copy 7)") and level and region ids (``transhumeral_copy_aah``), so that each
copy is self-consistent (its own levels remove its own regions; its own branches enter its own
muscles) and no name means two things. The vocabulary file (``tmr.ttl``: classes, properties,
controlled values and the three limbs) is shared, as it would be in one larger knowledge base.

Synthetic knowledge bases are loaded through the real loader but not validated (no SHACL, no
``*_violation.rq``): their content is the shipped content, renamed, and validating a million
triples with pySHACL would take longer than the whole benchmark.

Generated directories are cached under the system temp directory (``TMRPLAN_BENCH_CACHE`` to move
them), keyed by the shipped ontology's content hash, the generator version and the scale, so a
second ``make bench`` reuses them; a new one replaces the stale one of the same scale.

Usage::

    .venv/bin/python scripts/synthetic_kb.py --scale 10      # prints the directory
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from tmrplan import paths
from tmrplan.knowledge.parsing import content_hash, parse_turtle_file
from tmrplan.knowledge.vocab import DCTERMS, OWL, RDF, RDFS, SKOS, TMR, XSD

# Bump when the generated shape changes, so that cached directories are rebuilt.
GENERATOR_VERSION = "4"
VOCABULARY_FILE = "tmr.ttl"
_TMR = str(TMR)
_LABELS = (SKOS.prefLabel, SKOS.altLabel)
# Ids a case names (levels, regions, digits or toes, through-levels): each copy has its own, so
# that "thumb" in a case is copy 0's thumb, on copy 0's hand.
_IDS = (TMR.levelId, TMR.regionId, TMR.digitId, TMR.throughId)


def cache_root() -> Path:
    """Where generated knowledge bases are kept (``TMRPLAN_BENCH_CACHE`` or the temp dir)."""
    base = os.environ.get("TMRPLAN_BENCH_CACHE") or tempfile.gettempdir()
    return Path(base) / "tmrplan-bench"


def _vocabulary(ontology: Path) -> frozenset[URIRef]:
    """Every IRI the vocabulary file describes: shared by all copies, never renamed."""
    graph = Graph()
    parse_turtle_file(ontology / VOCABULARY_FILE, graph)
    return frozenset(s for s in graph.subjects() if isinstance(s, URIRef))


_PREFIXES = {
    "tmr": _TMR,
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _term(term: Node) -> str:
    """A term in Turtle: a prefixed name where one is possible (it parses faster than ``<…>``)."""
    if isinstance(term, URIRef):
        if term == RDF.type:
            return "a"
        text = str(term)
        for prefix, namespace in _PREFIXES.items():
            if text.startswith(namespace) and _LOCAL.fullmatch(text[len(namespace) :]):
                return f"{prefix}:{text[len(namespace) :]}"
    return str(term.n3())


Triple = tuple[Node, Node, Node]


def copy_id_suffix(copy: int) -> str:
    """The suffix of a copy's level and region ids: letters only, because the shapes require
    snake_case ids without digits (copy 7 → ``_copy_aah``).

    Example:
        >>> "transhumeral" + copy_id_suffix(12)
        'transhumeral_copy_abc'
    """
    return "_copy_" + f"{copy:03d}".translate(str.maketrans("0123456789", "abcdefghij"))


def copy_triples(triples: list[Triple], vocabulary: frozenset[URIRef], copy: int) -> list[Triple]:
    """The triples renamed for copy number ``copy``.

    Args:
        triples: the shipped individuals (everything but the vocabulary file), not materialised.
        vocabulary: IRIs that every copy shares.
        copy: the copy number (1 or more; copy 0 is the shipped files themselves).

    Example:
        >>> label = (TMR.MedianNerve, SKOS.prefLabel, Literal("median nerve", lang="en"))
        >>> copy_triples([label], frozenset(), 7)[0][::2]
        (rdflib.term.URIRef('https://w3id.org/tmrplan#MedianNerve_c007'), rdflib.term.Literal('median nerve (copy 7)', lang='en'))
    """
    iri_suffix = f"_c{copy:03d}"
    label_suffix = f" (copy {copy})"
    id_suffix = copy_id_suffix(copy)
    renamed: dict[Node, Node] = {}

    def iri(term: Node) -> Node:
        found = renamed.get(term)
        if found is None:
            found = term
            if isinstance(term, URIRef) and str(term).startswith(_TMR) and term not in vocabulary:
                found = URIRef(f"{term}{iri_suffix}")
            renamed[term] = found
        return found

    copied = []
    for s, p, o in triples:
        if isinstance(o, Literal) and p in _LABELS:
            o = Literal(f"{o}{label_suffix}", lang=o.language, datatype=o.datatype)
        elif isinstance(o, Literal) and p in _IDS:
            o = Literal(f"{o}{id_suffix}", lang=o.language, datatype=o.datatype)
        else:
            o = iri(o)
        copied.append((iri(s), p, o))
    return copied


def to_turtle(triples: list[Triple]) -> str:
    """Compact Turtle (prefixed names, one block per subject), written directly: rdflib's own
    serializer takes about a second per copy, and its output parses no faster."""
    grouped: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples:
        grouped[s][p].append(o)
    lines = [f"@prefix {prefix}: <{namespace}> ." for prefix, namespace in _PREFIXES.items()]
    for subject, predicates in grouped.items():
        statements = [
            f"{_term(p)} {' , '.join(_term(o) for o in objects)}"
            for p, objects in predicates.items()
        ]
        lines.append(f"{_term(subject)} " + " ;\n    ".join(statements) + " .")
    return "\n".join(lines) + "\n"


def generate(scale: int, ontology: Path | None = None, cache: Path | None = None) -> Path:
    """An ontology directory ``scale`` times the shipped one (built once, then reused).

    Args:
        scale: how many copies of the shipped individuals (1 returns a copy of the shipped files).
        ontology: the ontology to multiply; the shipped one by default.
        cache: where to keep generated directories; :func:`cache_root` by default.

    Returns:
        The directory, loadable with ``tmrplan.knowledge.kb.load_knowledge_base``.
    """
    if scale < 1:
        raise ValueError(f"scale must be at least 1, not {scale!r}")
    source = ontology or paths.ontology_dir()
    files = paths.knowledge_files(source)
    key = f"{content_hash(files)}-g{GENERATOR_VERSION}-x{scale}"
    target = (cache or cache_root()) / key
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=target.parent))
    for path in files:  # copy 0: the shipped files themselves
        destination = building / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    if scale > 1:
        vocabulary = _vocabulary(source)
        individuals = Graph()
        for path in files:
            if path.name != VOCABULARY_FILE:
                parse_turtle_file(path, individuals)
        triples: list[Triple] = sorted(individuals)
        synthetic = building / "synthetic"
        synthetic.mkdir()
        for copy in range(1, scale):
            text = to_turtle(copy_triples(triples, vocabulary, copy))
            (synthetic / f"copy_{copy:03d}.ttl").write_text(text, encoding="utf-8")
    (building / ".complete").write_text(key + "\n", encoding="utf-8")
    try:
        building.rename(target)
    except OSError:  # another run finished first: use theirs
        shutil.rmtree(building, ignore_errors=True)
    for stale in target.parent.glob(f"*-x{scale}"):  # earlier content or generator versions
        if stale != target and (stale / ".complete").exists():
            shutil.rmtree(stale, ignore_errors=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10, help="copies of the shipped individuals")
    parser.add_argument("--cache", type=Path, default=None, help="where to keep generated data")
    args = parser.parse_args()
    print(generate(args.scale, cache=args.cache))


if __name__ == "__main__":
    main()
