"""A muscle typed as the neuroma nerve was refused with its label only ("'pronator quadratus' is
a muscle"), so the message did not contain what the user typed. Found by the case property
tests with the input ``PQ``."""

from __future__ import annotations

import pytest

from tmrplan.errors import InvalidCaseError
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.model import Case
from tmrplan.planning.planner import Planner
from tmrplan.rules.cards import load_rulebook


def test_refusal_names_the_value_as_typed(kb: KnowledgeBase) -> None:
    planner = Planner(kb, load_rulebook(known_sources=kb.source_ids()))
    with pytest.raises(InvalidCaseError, match=r"^'PQ' \(pronator quadratus\) is a muscle"):
        planner.plan(Case(("PQ",), "transradial"))
