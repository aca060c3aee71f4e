"""Batch (``plan --cases``): output lines carried no input line number and a caller could not
pass an id (an ``id`` field was refused); duplicate JSON keys were silently last-wins; an
unknown field name was echoed whole (1 MB); a UTF-8 byte-order mark made line 1 "not JSON".
Found by issue 17 red-team item 15. Each plan line now starts with ``line`` and the caller's
``id``; error lines name both; a key given twice is refused naming it; unknown names are cut
short; a BOM on line 1 is skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tmrplan.cli import context as cli_context
from tmrplan.cli import main
from tmrplan.planning.planner import Planner

GOOD = {"level": "transtibial", "nerves": ["sural nerve"]}


@pytest.fixture
def batch(monkeypatch: pytest.MonkeyPatch, planner: Planner, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli_context, "load_planner", lambda ontology, rules: planner)

    def run(lines: list[bytes]) -> tuple[int, list[dict[str, object]], list[str], Path]:
        cases = tmp_path / "cases.jsonl"
        cases.write_bytes(b"\n".join(lines) + b"\n")
        result = CliRunner().invoke(main, ["plan", "--cases", str(cases), "--format", "jsonl"])
        out = [json.loads(x) for x in result.stdout.split("\n")[:-1]]
        return result.exit_code, out, result.stderr.split("\n")[:-1], cases

    return run


def line(data: dict[str, object]) -> bytes:
    return json.dumps(data).encode()


def test_plans_carry_the_line_number_and_the_callers_id(batch) -> None:  # type: ignore[no-untyped-def]
    code, out, err, cases = batch(
        [line({**GOOD, "id": "A-17"}), b"", line(GOOD), line({**GOOD, "id": 3, "level": "x"})]
    )
    assert code == 2, err
    assert [(p["line"], p.get("id")) for p in out] == [(1, "A-17"), (3, None)]
    assert out[0]["case"]["nerves"] == ["sural nerve"]
    assert err[0].startswith(f"error: {cases}:4: id 3: unknown level 'x'"), err


def test_an_id_that_is_not_text_or_a_number_is_refused(batch) -> None:  # type: ignore[no-untyped-def]
    code, _, err, cases = batch([line({**GOOD, "id": [1]}), line({**GOOD, "id": "x" * 500})])
    assert code == 2
    assert err[0] == f"error: {cases}:1: id must be text or a whole number, not [1]"
    assert err[1].startswith(f"error: {cases}:2: id 'xxx") and "too long" in err[1]
    assert len(err[1]) < 300


def test_a_key_given_twice_is_refused_naming_it(batch) -> None:  # type: ignore[no-untyped-def]
    dup = b'{"level": "transtibial", "level": "transhumeral", "nerves": ["sural nerve"]}'
    nested = b'{"level": "transtibial", "nerves": ["sural nerve"], "context": {"a": 1, "a": 2}}'
    code, out, err, cases = batch([dup, nested])
    assert code == 2 and out == []
    assert err == [
        f"error: {cases}:1: not JSON: duplicate key 'level'",
        f"error: {cases}:2: not JSON: duplicate key 'a'",
    ]


def test_an_unknown_field_name_is_cut_short_with_a_close_match(batch) -> None:  # type: ignore[no-untyped-def]
    code, _, err, cases = batch([line({**GOOD, "x" * 1_000_000: 1}), line({**GOOD, "levle": 1})])
    assert code == 2
    assert len(err[0]) < 300 and "(1000000 characters)" in err[0], err[0][:300]
    assert err[1] == f"error: {cases}:2: unknown field(s) 'levle'; did you mean 'level'?"


def test_a_byte_order_mark_on_line_1_is_skipped(batch) -> None:  # type: ignore[no-untyped-def]
    code, out, err, _ = batch([b"\xef\xbb\xbf" + line(GOOD), line(GOOD)])
    assert code == 0, err
    assert [p["line"] for p in out] == [1, 2]
