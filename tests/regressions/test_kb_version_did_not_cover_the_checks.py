"""``kb_version`` named the knowledge files only: the same files checked by an edited
``shapes.ttl`` or ``queries/*_violation.rq`` kept the version every plan and stamp carries, so a
plan could not say which checks its knowledge base had passed, and checks edited between load
and validation were validated under the old version's name. Found by issue 17's red-team pass
(item 1). The version now hashes the shapes and queries too, and validation refuses checks that
changed after the knowledge base was loaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge.kb import load_knowledge_base
from tmrplan.knowledge.validation import validate_once

# A check that always fires on the mini knowledge base (it has muscles).
ALWAYS = "SELECT ?muscle WHERE { ?muscle a tmr:Muscle }\n"


def test_editing_a_query_or_the_shapes_changes_the_version(
    make_ontology: Callable[..., Path], tmp_path: Path
) -> None:
    ontology = make_ontology()
    cache = tmp_path / "cache"
    before = load_knowledge_base(ontology, cache_dir=cache).version
    (ontology / "queries" / "extra_violation.rq").write_text(ALWAYS, encoding="utf-8")
    with_query = load_knowledge_base(ontology, cache_dir=cache).version
    shapes = ontology / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with_shapes = load_knowledge_base(ontology, cache_dir=cache).version
    assert len({before, with_query, with_shapes}) == 3
    assert with_query.startswith("0.1.0+")


def test_a_failing_query_added_after_a_pass_is_found(
    make_ontology: Callable[..., Path], tmp_path: Path
) -> None:
    ontology = make_ontology()
    stamps = tmp_path / "stamps"
    assert validate_once(load_knowledge_base(ontology), stamps) == []
    (ontology / "queries" / "extra_violation.rq").write_text(ALWAYS, encoding="utf-8")
    found = validate_once(load_knowledge_base(ontology), stamps)
    assert {v.check for v in found} == {"extra_violation"}


def test_checks_edited_after_load_are_refused(
    make_ontology: Callable[..., Path], tmp_path: Path
) -> None:
    ontology = make_ontology()
    kb = load_knowledge_base(ontology)
    (ontology / "queries" / "extra_violation.rq").write_text(ALWAYS, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="changed after the knowledge base was loaded"):
        validate_once(kb, tmp_path / "stamps")
    assert not list((tmp_path / "stamps").glob("*")) if (tmp_path / "stamps").exists() else True
