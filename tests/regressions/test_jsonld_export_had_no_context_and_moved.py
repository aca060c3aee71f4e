"""The JSON-LD export had no ``@context`` (every IRI written out in full) and its node order
changed between runs (rdflib's serializer walks a set of subjects, ordered by string hashes
that differ per process). Found by issue 17's red-team pass (item 19). ``tmrplan export``
now writes JSON-LD itself: an ``@context`` of the ontology's prefixes, nodes ordered by IRI,
values by their text; Turtle and JSON-LD are byte-identical from run to run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from tmrplan import paths


def export(tmp_path: Path, fmt: str, seed: str) -> bytes:
    target = tmp_path / f"kb-{seed}.{fmt}"
    env = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from tmrplan.cli import main; sys.exit(main())",
            "--ontology",
            str(paths.ontology_dir()),
            "export",
            "--format",
            fmt,
            "--output",
            str(target),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return target.read_bytes()


@pytest.mark.parametrize("fmt", ["jsonld", "ttl"])
def test_two_runs_write_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    assert export(tmp_path, fmt, "1") == export(tmp_path, fmt, "2")


def test_jsonld_has_a_context_of_the_ontology_prefixes_and_ordered_nodes(tmp_path: Path) -> None:
    data = export(tmp_path, "jsonld", "3")
    document = json.loads(data)
    context = document["@context"]
    assert context["tmr"] == "https://w3id.org/tmrplan#"
    assert {"skos", "dcterms", "rdfs", "owl", "xsd"} <= set(context)
    assert "brick" not in context  # rdflib's default bindings that nothing uses stay out
    ids = [node["@id"] for node in document["@graph"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    median = next(n for n in document["@graph"] if n["@id"] == "tmr:MedianNerve")
    assert median["@type"] == "tmr:MixedNerve"
    assert median["skos:prefLabel"] == {"@language": "en", "@value": "median nerve"}
    # A JSON-LD processor reads the same triples back.
    triples = list(ox.parse(data, format=ox.RdfFormat.JSON_LD))
    assert ox.Triple(
        ox.NamedNode("https://w3id.org/tmrplan#MedianNerve"),
        ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("https://w3id.org/tmrplan#MixedNerve"),
    ) in [ox.Triple(q.subject, q.predicate, q.object) for q in triples]
