"""Turtle nested 100,000 deep passed ``check`` and then made ``export`` fail with a
RecursionError traceback (rdflib's serialiser recurses per level; its parser fails past about
150), and a 100 MB literal stopped every command with pyoxigraph's bare ``MemoryError: Reached
the buffer maximal size``. Found by issue 17 red-team item 10. Blank nodes and collections may
now nest at most 64 deep, and a term too long for the parser is refused: both exit 2 naming the
file and line. (A 100 MB file is over the 64 MiB limit for a Turtle file, so by default it is
refused for its size; with the limit raised, for its literal.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tmrplan.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    escaped = result.exception
    assert escaped is None or isinstance(escaped, SystemExit), repr(escaped)[:2000]
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("opener, closer", [("[ tmr:p ", " ]"), ("( ", " )")])
def test_turtle_nested_100000_deep_is_refused_with_file_and_line(
    make_ontology: Callable[..., Path], opener: str, closer: str
) -> None:
    depth = 100_000
    ontology = make_ontology(
        f"tmr:X rdfs:comment 'not ( a [ bracket' ;\n  tmr:y {opener * depth}1{closer * depth} .\n"
    )
    for command in (["check"], ["export", "--format", "ttl"]):
        code, out = run("--ontology", str(ontology), *command)
        assert code == 2, out[-2000:]
        assert re.search(
            r"extra\.ttl:\d+: blank nodes or collections nested more than 64 deep", out
        ), out


def test_nesting_up_to_the_limit_still_loads_and_exports(
    make_ontology: Callable[..., Path],
) -> None:
    ontology = make_ontology(f"tmr:X tmr:y {'( ' * 64}1{' )' * 64} .\n")
    code, out = run("--ontology", str(ontology), "export", "--format", "ttl")
    assert code == 0, out[-2000:]


def test_a_literal_too_long_for_the_parser_is_refused_with_file_and_line(
    make_ontology: Callable[..., Path],
) -> None:
    ontology = make_ontology(f'tmr:X rdfs:comment\n  "{"a" * (20 << 20)}" .\n')  # 20 MiB
    code, out = run("--ontology", str(ontology), "check")
    assert code == 2, out[-2000:]
    assert re.search(r"extra\.ttl:\d+: a literal or IRI longer than 16 MiB", out), out


def test_a_100_mb_literal_is_refused_by_size_or_with_its_line(
    make_ontology: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    ontology = make_ontology(f'tmr:X rdfs:comment\n  "{"a" * (100 << 20)}" .\n')
    code, out = run("--ontology", str(ontology), "check")
    assert code == 2, out[-2000:]
    assert "extra.ttl: larger than 64 MiB, the limit for a Turtle file" in out
    monkeypatch.setenv("TMRPLAN_MAX_INPUT_MB", "200")
    code, out = run("--ontology", str(ontology), "check")
    assert code == 2, out[-2000:]
    assert re.search(r"extra\.ttl:\d+: a literal or IRI longer than 16 MiB", out), out
