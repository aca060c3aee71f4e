"""A Turtle file with bytes that are not UTF-8 was reported with a byte position and no line.
Found by the Turtle property tests with the input ``<a> <b> "\\xff" .`` on line 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge.kb import load_knowledge_base


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "x.ttl").write_bytes(b'<a> <b> "x" .\n<a> <b> "\xff" .\n')
    with pytest.raises(KnowledgeBaseError, match=r"x\.ttl:2: "):
        load_knowledge_base(tmp_path, cache_dir=tmp_path / "cache")
