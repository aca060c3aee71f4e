"""Cutting entries off the end of the approvals ledger or the audit log still verified "ok".

What was wrong: a hash chain shows an entry edited, deleted or moved, but what is left after
cutting its last entries (or all of them) is a shorter chain, just as intact: ``tmrplan audit
verify`` said "ok" and the ledger loaded (cutting a final ``retire`` entry brought a card's
approval back). A 0-byte audit file was given a schema by ``verify`` itself and then verified
clean, and without an audit database ``audit verify`` stopped before checking the ledger.

How found: issue 17 red-team item 8.

What changed: each chain keeps a checkpoint beside it, its count and newest hash, rewritten after
every append (``approvals.checkpoint``; ``<audit db>.checkpoint``); a chain shorter than its
checkpoint, or with another entry where it names one, is BROKEN (exit 1) and the ledger no longer
loads. ``audit verify`` and ``audit log`` open the database read-only and never give it a
schema; a 0-byte file is reported; each chain that exists is checked, the ledger also when
there is no audit database. The app refuses to append to a cut log (appending would overwrite
the evidence).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.signers import sign_as
from tmrplan.cli import main
from tmrplan.errors import AuditLogError, RuleFileError
from tmrplan.governance.audit import AuditLog
from tmrplan.rules.ledger import LEDGER_FILE, Ledger, load_ledger


def verify(rules: Path, db: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--rules", str(rules), "audit", "verify", "--db", str(db)])
    return result.exit_code, result.output


def ledger_of(rules: Path, n: int = 3) -> Path:
    rules.mkdir(exist_ok=True)
    ledger = Ledger(rules / LEDGER_FILE, ())
    for i in range(1, n + 1):
        ledger = ledger.append(
            signer=sign_as(rules, "B. Reviewer", "surgeon"), action="approve" if i < n else "retire",
            card_id="R-1", version="1.0.0", content_hash="c" * 64,
        )  # fmt: skip
    return rules / LEDGER_FILE


def log_of(db: Path, n: int = 3) -> Path:
    with AuditLog(db) as log:
        for _ in range(n):
            log.record("export", {"format": "pdf"})
    return db


def cut_lines(path: Path, keep: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:keep]), encoding="utf-8")


def cut_events(db: Path, keep: int) -> None:
    """As someone with file access could: drop the guard and delete the newest rows."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq > ?", (keep,))
    conn.close()


# -- the approvals ledger


@pytest.mark.parametrize("keep", [2, 0], ids=["last entry cut", "all entries cut"])
def test_a_ledger_cut_at_its_end_is_broken(tmp_path: Path, keep: int) -> None:
    rules, db = tmp_path / "rules", log_of(tmp_path / "audit.sqlite3")
    cut_lines(ledger_of(rules), keep)
    code, out = verify(rules, db)
    assert code == 1, out
    assert "approvals ledger" in out and "BROKEN at line" in out
    assert "its checkpoint names entry 3" in out and "cut off its end" in out
    with pytest.raises(RuleFileError, match="cut off its end"):
        load_ledger(rules)  # a cut final 'retire' no longer brings an approval back


def test_a_deleted_ledger_file_beside_its_checkpoint_is_broken(tmp_path: Path) -> None:
    rules, db = tmp_path / "rules", log_of(tmp_path / "audit.sqlite3")
    ledger_of(rules).unlink()
    code, out = verify(rules, db)
    assert code == 1, out
    assert "the chain is empty but its checkpoint names entry 3" in out
    with pytest.raises(RuleFileError, match="cut off its end"):
        load_ledger(rules)


def test_an_intact_ledger_reports_its_checkpoint(tmp_path: Path) -> None:
    rules, db = tmp_path / "rules", log_of(tmp_path / "audit.sqlite3")
    ledger_of(rules)
    code, out = verify(rules, db)
    assert code == 0, out
    assert "ok, 3 entries intact; checkpoint at entry 3" in out
    assert load_ledger(rules).head.count == 3


def test_the_ledger_is_checked_without_an_audit_database(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    cut_lines(ledger_of(rules), 2)
    code, out = verify(rules, tmp_path / "absent.sqlite3")
    assert code == 1, out
    assert f"audit log {str(tmp_path / 'absent.sqlite3')!r}: none" in out
    assert "approvals ledger" in out and "cut off its end" in out
    assert not (tmp_path / "absent.sqlite3").exists()


# -- the audit log


@pytest.mark.parametrize("keep", [2, 0], ids=["last event cut", "all events cut"])
def test_an_audit_log_cut_at_its_end_is_broken(tmp_path: Path, keep: int) -> None:
    db = log_of(tmp_path / "audit.sqlite3")
    cut_events(db, keep)
    code, out = verify(tmp_path, db)
    assert code == 1, out
    assert "BROKEN" in out and "its checkpoint names event 3" in out
    with pytest.raises(AuditLogError, match="cut off its end"):
        AuditLog(db)  # and nothing more is appended over the evidence


def test_a_zero_byte_audit_file_is_reported_and_left_as_it_is(tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite3"
    db.touch()
    code, out = verify(tmp_path, db)
    assert code == 1, out
    assert "BROKEN: an empty file (0 bytes)" in out
    assert db.stat().st_size == 0  # verify gave it no schema
    result = CliRunner().invoke(main, ["audit", "log", "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "not a tmrplan audit log" in result.output
    assert db.stat().st_size == 0  # nor did log


def test_a_log_emptied_to_zero_bytes_beside_its_checkpoint_is_cut(tmp_path: Path) -> None:
    db = log_of(tmp_path / "audit.sqlite3")
    for leftover in tmp_path.glob("audit.sqlite3-*"):
        leftover.unlink()
    db.write_bytes(b"")
    code, out = verify(tmp_path, db)
    assert code == 1, out
    assert "its checkpoint names event 3: the log was cut" in out
    with pytest.raises(AuditLogError, match="empty file but its checkpoint names events"):
        AuditLog(db)
    assert db.stat().st_size == 0


def test_a_deleted_audit_log_beside_its_checkpoint_is_broken(tmp_path: Path) -> None:
    db = log_of(tmp_path / "audit.sqlite3")
    for leftover in tmp_path.glob("audit.sqlite3*"):
        if not leftover.name.endswith(".checkpoint"):
            leftover.unlink()
    code, out = verify(tmp_path, db)
    assert code == 1, out
    assert "no file, but its checkpoint names event 3: the log was deleted" in out
    assert not db.exists()


def test_an_intact_audit_log_reports_its_checkpoint(tmp_path: Path) -> None:
    db = log_of(tmp_path / "audit.sqlite3")
    code, out = verify(tmp_path, db)
    assert code == 0, out
    assert "ok, 3 events intact; checkpoint at event 3" in out
