"""A Turtle error after accented letters and arrows was reported on too small a line: the
parser's character offset was counted as bytes. Found by the Turtle property tests with twenty
lines of ``"é→é→…"`` literals before a statement with one object too many."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge.kb import load_knowledge_base


def test_line_counts_characters(tmp_path: Path) -> None:
    lines = ["@prefix tmr: <https://w3id.org/tmrplan#> ."]
    lines += [f'tmr:A{i} tmr:b "é→é→é→é→é→é→é→é→" .' for i in range(20)]
    lines += ["tmr:X tmr:b tmr:c tmr:d ."]
    (tmp_path / "x.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"x\.ttl:22: "):
        load_knowledge_base(tmp_path, cache_dir=tmp_path / "cache")
