"""A list where a word belongs (``severity: [info]``) was looked up in a set and raised
TypeError (unhashable). Found by the rule-card property tests with the input ``['info']`` as
the severity of donor_redundant.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tmrplan import paths
from tmrplan.errors import RuleFileError
from tmrplan.rules.cards import parse_card


def test_list_severity_is_a_rule_file_error() -> None:
    data = yaml.safe_load((paths.rules_dir() / "donor_redundant.yaml").read_text("utf-8"))
    data["then"]["severity"] = ["info"]
    with pytest.raises(RuleFileError, match=r"\[rule TMR-DONOR-REDUNDANT\]: severity \['info'\]"):
        parse_card(yaml.safe_dump(data), Path("rules/x.yaml"))
