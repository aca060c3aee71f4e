"""The card schema beside the cards is a valid draft 2020-12 schema that every shipped card
passes as an editor's YAML reader sees it (dates as text)."""

from __future__ import annotations

import json

import jsonschema
import yaml

from tmrplan import paths
from tmrplan.model import Severity
from tmrplan.rules.cards import SCHEMA_FILE, card_schema


def test_schema_is_valid_and_every_shipped_card_passes() -> None:
    schema = json.loads((paths.rules_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.FormatChecker(["date"])
    )
    cards = sorted(paths.rules_dir().glob("*.yaml"))
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
