"""An IRI holding a character Turtle forbids (a stray quote: ``<""http://x#>``) was read with
only a logged warning, and ``tmrplan export`` then stopped with a bare Exception and a traceback
when it wrote the graph back. Found by the Turtle property tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge.kb import load_knowledge_base


def test_forbidden_iri_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "x.ttl").write_bytes(b'<a> <b> "x" .\n@prefix s: <""http://x#> .\n<a> s:b "x" .\n')
    with pytest.raises(KnowledgeBaseError, match=r"x\.ttl:2: "):
        load_knowledge_base(tmp_path, cache_dir=tmp_path / "cache")
