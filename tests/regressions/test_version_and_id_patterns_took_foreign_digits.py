"""A card's version and id patterns accepted Unicode digits, leading zeros and a trailing newline.

What was wrong: ``card.schema.json`` and ``ranking.schema.json`` matched versions with
``^\\d+\\.\\d+\\.\\d+$`` and ids with ``…$``. Python's ``\\d`` is any script's digit
(``"\\u0661.0.0"``, an Arabic-Indic one, passed), ``\\d+`` allows leading zeros (``"01.0.0"``,
not semantic versioning), and Python's ``$`` also matches before a final newline (``"1.0.0\\n"``
and ``"TMR-RISK-NONE\\n"`` passed, an id that prints like another card's).

How found: issue 17 red-team item 12.

What changed: the patterns are ASCII (``[0-9]``), a number has no leading zero, and each ends in
``$(?!\\n)``, which means end of text both in Python and in an editor's ECMA-262 engine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tmrplan import paths
from tmrplan.errors import RuleFileError
from tmrplan.rules.cards import parse_card
from tmrplan.rules.ranking import parse_ranking

BAD_VERSIONS = ["1.0.0\n", "\u0661.0.0", "1.\u0660.0", "01.0.0", "1.00.0", "1.0.0\u0967"]


def _card(**fields: str) -> str:
    text = (paths.rules_dir() / "risk_none.yaml").read_text(encoding="utf-8")
    for key, value in fields.items():
        text, count = re.subn(
            rf"^{key}: .*$", lambda _, line=f"{key}: {value}": line, text, count=1, flags=re.M
        )
        assert count == 1, key
    return text


@pytest.mark.parametrize("version", BAD_VERSIONS, ids=ascii)
def test_a_card_version_must_be_ascii_semantic_and_end_at_its_end(version: str) -> None:
    with pytest.raises(RuleFileError, match="is not semantic"):
        parse_card(_card(version=ascii(version).replace("'", '"')), Path("card.yaml"))


@pytest.mark.parametrize("card_id", ["TMR-RISK-NONE\n", "TMR-RISK-\u0661"], ids=ascii)
def test_a_card_id_must_end_at_its_end(card_id: str) -> None:
    with pytest.raises(RuleFileError, match="must look like 'TMR-DONOR-REDUNDANT'"):
        parse_card(_card(id=ascii(card_id).replace("'", '"')), Path("card.yaml"))


@pytest.mark.parametrize("version", BAD_VERSIONS, ids=ascii)
def test_the_ranking_card_version_likewise(version: str) -> None:
    text = (paths.rules_dir() / "ranking.yaml").read_text(encoding="utf-8")
    line = f"version: {version!a}".replace("'", '"')
    text = re.sub(r"^version: .*$", lambda _: line, text, count=1, flags=re.M)
    with pytest.raises(RuleFileError, match="version"):
        parse_ranking(text, Path("ranking.yaml"))


@pytest.mark.parametrize("version", ["0.0.0", "1.0.0", "10.20.300"])
def test_ordinary_versions_still_pass(version: str) -> None:
    assert parse_card(_card(version=version), Path("card.yaml")).version == version
