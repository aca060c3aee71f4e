"""A validation stamp was named after the knowledge files alone, so a knowledge base that passed
once stayed "valid" after a shape was made stricter: planning skipped the new check. Found while
letting ``tmrplan check`` reuse the stamp (issue 12); the stamp now names the checks' hash too."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import build_ontology
from tmrplan.knowledge.kb import load_knowledge_base
from tmrplan.knowledge.validation import validate_once


def test_a_stricter_shape_validates_again(tmp_path: Path) -> None:
    ontology = build_ontology(tmp_path / "ontology")  # the framework and the mini anatomy
    # The session's own stamps (conftest.py): the mini knowledge base may be stamped valid
    # already by another test, the very situation the bug was about, and is not validated twice.
    kb = load_knowledge_base(ontology)
    assert validate_once(kb) == []
    assert validate_once(kb) == []  # stamped: not validated again
    shapes = ontology / "shapes.ttl"
    # Every region must now have a comment: several do not, so the stricter shape must fire.
    shapes.write_text(
        shapes.read_text(encoding="utf-8")
        + "\ntmr:StrictRegionShape a sh:NodeShape ; sh:targetClass tmr:Region ;\n"
        + "    sh:property [ sh:path rdfs:comment ; sh:minCount 1 ] .\n",
        encoding="utf-8",
    )
    found = validate_once(load_knowledge_base(ontology))
    assert any(v.check == "shacl:StrictRegionShape" for v in found)
