"""pyoxigraph parsing gives rdflib's triples; the cache of indexes is believed only when sound."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from tmrplan import paths
from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge.kb import KnowledgeBase, load_knowledge_base
from tmrplan.knowledge.parsing import load_graph
from tmrplan.knowledge.tables import FORMAT


def _indexes(kb: KnowledgeBase) -> tuple[object, ...]:
    return (
        kb.labels,
        kb.alt_labels,
        kb.types,
        kb.level_ids,
        kb.region_ids,
        kb._names,
        kb._out,
        kb._in,
        kb._values,
        kb.version,
    )


def test_shipped_ontology_parses_to_the_triples_rdflib_reads() -> None:
    ours, files = load_graph(paths.ontology_dir())
    theirs = Graph()
    for path in files:
        theirs.parse(path, format="turtle", publicID=path.resolve().as_uri())
    assert len(ours) == len(theirs)
    assert dict(theirs.namespaces()).items() <= dict(ours.namespaces()).items()  # prefixes too
    assert isomorphic(ours, theirs)  # equal triples, blank nodes up to renaming
    assert {t for t in ours if not any(type(x).__name__ == "BNode" for x in t)} == {
        t for t in theirs if not any(type(x).__name__ == "BNode" for x in t)
    }


def test_cache_hit_gives_the_same_graph_and_indexes(tmp_path: Path) -> None:
    fresh = load_knowledge_base(cache_dir=tmp_path)
    assert list(tmp_path.glob("*.json"))
    cached = load_knowledge_base(cache_dir=tmp_path)
    assert cached._graph is None  # indexes came from the cache
    assert _indexes(cached) == _indexes(fresh)
    assert set(cached.graph) >= {t for t in fresh.graph if "BNode" not in repr(t)}
    assert len(cached.graph) == len(fresh.graph)


def test_editing_a_turtle_file_invalidates_the_cache(
    make_ontology: Callable[..., Path], tmp_path: Path
) -> None:
    ontology = make_ontology()  # the mini knowledge base: the check does not depend on content
    before = load_knowledge_base(ontology, cache_dir=tmp_path / "cache")
    with (ontology / "tmr.ttl").open("a", encoding="utf-8") as f:
        f.write('\ntmr:Deltoid skos:altLabel "shoulder cap muscle"@en .\n')
    after = load_knowledge_base(ontology, cache_dir=tmp_path / "cache")
    assert after.version != before.version
    assert after._graph is not None  # rebuilt, not read from the old entry
    assert after.find("shoulder cap muscle") is not None


def test_corrupt_or_foreign_cache_file_is_rebuilt(
    make_ontology: Callable[..., Path], tmp_path: Path
) -> None:
    """On the mini knowledge base: every damaged entry means a rebuild, and the cache's checks do
    not depend on the content (a hit on the shipped one is the test above)."""
    ontology = make_ontology()
    cache = tmp_path / "cache"
    fresh = load_knowledge_base(ontology, cache_dir=cache)
    (entry,) = cache.glob("*.json")
    good = entry.read_bytes()
    damaged = [
        good[: len(good) // 2],  # truncated
        b"\xff\xfe not json",
        b"[]",
        good.replace(f'"format":{FORMAT}'.encode(), b'"format":0'),  # another layout
        good.replace(b'"triples":[', b'"triples":[999999999,'),  # an index out of range
        good.replace(b'"key":"', b'"key":"x'),  # another content's entry
    ]
    for data in damaged:
        entry.write_bytes(data)
        kb = load_knowledge_base(ontology, cache_dir=cache)
        assert kb._graph is not None, data[:40]  # rebuilt from the Turtle
        assert _indexes(kb) == _indexes(fresh)
        assert load_knowledge_base(ontology, cache_dir=cache)._graph is None  # and rewritten whole


def test_a_graph_read_after_the_files_changed_is_refused(
    make_ontology: Callable[..., Path], tmp_path: Path
) -> None:
    """A cached load reads the graph at first use; files edited in between must not be mixed
    with indexes of the old content."""
    ontology = make_ontology()
    load_knowledge_base(ontology, cache_dir=tmp_path / "cache")  # fills the cache
    kb = load_knowledge_base(ontology, cache_dir=tmp_path / "cache")  # from the cache: no graph yet
    extra = ontology / "anatomy" / "late.ttl"
    extra.write_text(
        "@prefix tmr: <https://w3id.org/tmrplan#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        'tmr:Deltoid skos:altLabel "late"@en .\n',
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError, match="changed after they were loaded"):
        _ = kb.graph
