"""The card schema beside the cards is a valid draft 2020-12 schema that every shipped card
passes as an editor's YAML reader sees it (dates as text)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tmrplan import paths
from tmrplan.errors import RuleFileError
from tmrplan.model import Severity
from tmrplan.rules import cards
from tmrplan.rules.card_schema import SCHEMA_FILE, card_schema
from tmrplan.rules.cards import card_files


def test_schema_is_valid_and_every_shipped_card_passes() -> None:
    schema = json.loads((paths.rules_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.FormatChecker(["date"])
    )
    cards = card_files(paths.rules_dir())
    assert cards
    for path in cards:
        # A YAML 1.2 editor reads an unquoted date as text.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        data["review_due"] = str(data["review_due"])
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, (path.name, errors)


def test_schema_severities_are_the_model_s() -> None:
    severity = card_schema()["properties"]["then"]["properties"]["severity"]["enum"]
    assert severity == [s.value for s in Severity]


def test_a_card_text_that_passed_is_not_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMRPLAN_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "rules"
    folder.mkdir()
    card = folder / "risk_high.yaml"
    card.write_bytes((paths.rules_dir() / "risk_high.yaml").read_bytes())
    # A rules directory needs its ranking card, and the cards whose flags the ranking reads.
    for name in ("ranking.yaml", "distal_target.yaml", "native_control_site.yaml"):
        shutil.copy(paths.rules_dir() / name, folder)
    calls: list[str] = []
    real = cards.check_structure
    monkeypatch.setattr(
        cards, "check_structure", lambda data, fail: calls.append(data["id"]) or real(data, fail)
    )
    cards.load_rulebook(folder)
    cards.load_rulebook(folder)
    # Once each: the second load found their stamps.
    assert sorted(calls) == ["TMR-DISTAL-TARGET", "TMR-NATIVE-CONTROL-SITE", "TMR-RISK-HIGH"]
    card.write_text(card.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.0"))
    with pytest.raises(RuleFileError, match=r"version '1\.0' is not semantic"):
        cards.load_rulebook(folder)  # an edited text is checked again


def test_an_unwritable_cache_only_costs_a_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("TMRPLAN_CACHE", str(blocked))  # a file where the folder would be
    assert cards.load_rulebook().cards
