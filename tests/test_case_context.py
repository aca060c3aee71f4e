"""One case validator: an unknown context field is the same error from the command line, from
a JSON case and from the API, with the closest known fields, and exit code 2."""

from __future__ import annotations

import pytest

from tmrplan.cli.context import exit_code
from tmrplan.cli.plan import parse_context
from tmrplan.errors import InvalidCaseError, UnknownCaseFieldError, UnknownEntityError
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.model import Case, check_context, parse_case
from tmrplan.planning.planner import Planner
from tmrplan.rules.cards import load_rulebook

TYPO = "anticoagulant"


def error_of(call: object) -> Exception:
    assert callable(call)
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


def test_unknown_context_field_is_one_error_everywhere(kb: KnowledgeBase) -> None:
    planner = Planner(kb, load_rulebook(known_sources=kb.source_ids()))
    errors = [
        error_of(lambda: planner.plan(Case(("sural nerve",), "transtibial", context={TYPO: True}))),
        error_of(lambda: parse_context((f"{TYPO}=yes",))),
        error_of(
            lambda: parse_case({"nerves": ["x"], "level": "transtibial", "context": {TYPO: True}})
        ),
        error_of(lambda: check_context({TYPO: True})),
    ]
    for error in errors:
        assert type(error) is UnknownCaseFieldError
        assert isinstance(error, UnknownEntityError) and isinstance(error, InvalidCaseError)
        assert error.suggestions == ("anticoagulants",)
        assert exit_code(error) == 2
    assert len({str(e) for e in errors}) == 1


def test_context_values_must_be_booleans() -> None:
    with pytest.raises(InvalidCaseError, match="line 3: context 'anticoagulants' must be true"):
        parse_case(
            {"nerves": ["x"], "level": "none", "context": {"anticoagulants": "no"}}, "line 3"
        )


def test_cli_unknown_context_field_exits_2_with_the_suggestion() -> None:
    from click.testing import CliRunner

    from tmrplan.cli import main

    args = ["plan", "--nerve=sural nerve", "--level=transtibial", f"--context={TYPO}=yes"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "unknown context field 'anticoagulant'; did you mean 'anticoagulants'?" in result.stderr
