"""Truncated or damaged Turtle escaped as AssertionError, IndexError or AttributeError
tracebacks from the parser. Found by the Turtle property tests with a file cut inside a string
(``tmr:A tmr:b "abc``), one cut inside a name, and an N3 ``?x`` variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge.kb import load_knowledge_base

PREFIX = b"@prefix tmr: <https://w3id.org/tmrplan#> .\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (PREFIX + b'tmr:A tmr:b "abc', 2),
        (PREFIX + b"tmr:A tmr:b\n  tmr:", 3),
        (b"<a> <b> <c> .\n\n<a> <b> ?x .\n", 3),
    ],
)
def test_damage_is_a_located_error(tmp_path: Path, text: bytes, line: int) -> None:
    (tmp_path / "x.ttl").write_bytes(text)
    with pytest.raises(KnowledgeBaseError, match=rf"x\.ttl:{line}: "):
        load_knowledge_base(tmp_path, cache_dir=tmp_path / "cache")
