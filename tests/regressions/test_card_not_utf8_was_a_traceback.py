"""A card holding bytes that are not UTF-8 stopped loading with UnicodeDecodeError. Found by
the rule-card property tests with the input byte ``\\xe9`` (Latin-1 é) in a title."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmrplan.errors import RuleFileError
from tmrplan.rules.cards import load_rulebook


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"id: TMR-X-Y\ntitle: caf\xe9\n")
    with pytest.raises(RuleFileError, match=r"a\.yaml:2: not UTF-8"):
        load_rulebook(tmp_path)
