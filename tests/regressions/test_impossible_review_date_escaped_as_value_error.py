"""An impossible date (``review_due: 2027-02-30``) escaped PyYAML as a bare ValueError, a
traceback instead of a RuleFileError with the line. Found by the rule-card property tests with
the input ``2027-02-30`` inserted as the review date."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmrplan.errors import RuleFileError
from tmrplan.rules.cards import parse_card


def test_impossible_date_names_the_line() -> None:
    text = "id: TMR-X-Y\ntitle: t\nreview_due: 2027-02-30\n"
    with pytest.raises(RuleFileError, match=r"x\.yaml:3: YAML does not parse: '2027-02-30'"):
        parse_card(text, Path("rules/x.yaml"))
