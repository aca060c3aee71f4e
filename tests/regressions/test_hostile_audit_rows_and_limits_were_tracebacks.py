"""Hostile audit rows and ``--limit`` values ended in a traceback (exit 1) or a wrong verdict.

What was wrong: a row whose detail is JSON nested 100,000 deep raised ``RecursionError`` out of
``tmrplan audit verify`` and ``audit log``; a row holding bytes that are not UTF-8 stopped both
with sqlite3's decoding error (exit 2, "cannot read the audit log") instead of naming the row; a
hash stored as a BLOB made ``audit log --format json`` raise ``TypeError``; a detail of 5,000
digits was printed whole; ``audit log --limit 99999999999999999999`` raised ``OverflowError``
(SQLite's integers end at 2**63 - 1) and a 5,000-digit limit was echoed whole.

How found: issue 17 red-team item 10 (the ledger's NaN, non-UTF-8, 5,000-digit seq and deep JSON
lines were already refused with file and line: ``tests/rules/test_ledger.py``).

What changed: the log is read with text as bytes decoded per row, a detail that canonical JSON
cannot write is kept as stored (its hash then fails), every row is shown cut short, JSON output
names what it cannot write, and ``--limit`` takes any whole number (more than the log holds
means all) and names a bad one cut short.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tmrplan.cli import main
from tmrplan.governance.audit import AuditLog

HOSTILE = {
    "deep JSON": ("detail", "'" + "[" * 100_000 + "]" * 100_000 + "'", "altered"),
    "not UTF-8 detail": ("detail", "CAST(x'7b22ff227d' AS TEXT)", "not UTF-8"),
    "not UTF-8 actor": ("actor", "CAST(x'41ff' AS TEXT)", "not UTF-8"),
    "5,000 digits": ("detail", '\'{"a":' + "9" * 5000 + "}'", "altered"),
    "NaN": ("detail", "'{\"a\":NaN}'", "altered"),
    "hash as a blob": ("hash", "x'00'", "has no 'hash' string"),
}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "audit.sqlite3"
    with AuditLog(path) as log:
        for _ in range(3):
            log.record("export", {"format": "pdf"})
    return path


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_row_is_named_and_every_reader_ends_cleanly(
    db: Path, tmp_path: Path, case: str
) -> None:
    column, value, why = HOSTILE[case]
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute(f"UPDATE events SET {column} = {value} WHERE seq = 2")
    conn.close()
    code, out = run("--rules", str(tmp_path), "audit", "verify", "--db", str(db))
    assert code == 1, out
    assert "BROKEN at seq 2:" in out and why in out
    code, out = run("audit", "log", "--db", str(db))
    assert code == 0, out
    assert len(out) < 2000 and len(out.splitlines()) == 3
    code, out = run("audit", "log", "--db", str(db), "--format", "json")
    assert code == 0, out
    assert [e["seq"] for e in json.loads(out)] == [1, 2, 3]


@pytest.mark.parametrize("limit", ["99999999999999999999", "9" * 5000, str(2**63)])
def test_a_huge_limit_means_all(db: Path, limit: str) -> None:
    code, out = run("audit", "log", "--db", str(db), "--limit", limit)
    assert code == 0, out
    assert len(out.splitlines()) == 3


@pytest.mark.parametrize("limit", ["-5", "1e3", "x" * 5000, "\u0663"])
def test_a_bad_limit_is_named_cut_short(db: Path, limit: str) -> None:
    code, out = run("audit", "log", "--db", str(db), "--limit", limit)
    assert code == 2, out
    assert "is not a whole number of 0 or more" in out and len(out) < 400
