"""One case validator: an unknown context field is the same error from the command line, from
a JSON case and from the API, with the closest known fields, and exit code 2."""

from __future__ import annotations

import pytest

from tmrplan.cli.context import exit_code
from tmrplan.cli.plan import parse_context
from tmrplan.errors import InvalidCaseError, UnknownEntityError
from tmrplan.model import check_context, parse_case

TYPO = "anticoagulant"


def error_of(call: object) -> Exception:
    assert callable(call)
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


def test_unknown_context_field_is_one_error_everywhere() -> None:
    errors = [
        error_of(lambda: parse_context((f"{TYPO}=yes",))),
        error_of(
            lambda: parse_case({"nerves": ["x"], "level": "transtibial", "context": {TYPO: True}})
        ),
        error_of(lambda: check_context({TYPO: True})),
    ]
    for error in errors:
        assert type(error) is UnknownEntityError
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
