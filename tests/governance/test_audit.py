"""The app's audit log: chain, whitelist, migrations, threads, killed writers, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.signers import sign_as
from tmrplan import paths
from tmrplan.cli import main
from tmrplan.errors import AuditLogError, TmrplanError
from tmrplan.governance import audit as audit_module
from tmrplan.governance.audit import DETAIL_FIELDS, KINDS, MIGRATIONS, AuditLog
from tmrplan.hashchain import GENESIS, canonical_json, entry_hash

PLAN: dict[str, Any] = {"kb_version": "0.1.0+abc", "rules_version": "r1", "preview": True}


@pytest.fixture(autouse=True)
def _private_audit_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own database; the user's data dir is never touched."""
    db = tmp_path / "data" / "audit.sqlite3"
    db.parent.mkdir()
    monkeypatch.setenv("TMRPLAN_AUDIT_DB", str(db))
    return db


@pytest.fixture
def log(tmp_path: Path) -> Iterator[AuditLog]:
    with AuditLog(tmp_path / "audit.sqlite3") as opened:
        yield opened


def raw(db: Path, *statements: str) -> None:
    """Change the database behind the app's back, as someone with file access could."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS events_no_update")
        conn.execute("DROP TRIGGER IF EXISTS events_no_delete")
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def filled(db: Path, n: int) -> AuditLog:
    opened = AuditLog(db)
    for i in range(n):
        opened.record("plan_generated", {**PLAN, "kb_version": f"0.1.{i}"})
    return opened


# ---------------------------------------------------------------------------------------------
# where the database lives


def test_audit_db_honours_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "new" / "folder" / "audit.sqlite3"
    monkeypatch.setenv("TMRPLAN_AUDIT_DB", str(db))
    assert paths.audit_db() == db
    assert db.parent.is_dir() and not db.exists()


def test_audit_db_defaults_to_the_xdg_data_dir_then_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMRPLAN_AUDIT_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.audit_db() == tmp_path / "xdg" / "tmrplan" / "audit.sqlite3"
    assert (tmp_path / "xdg" / "tmrplan").is_dir()
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.audit_db() == tmp_path / "home" / ".local" / "share" / "tmrplan" / "audit.sqlite3"


def test_audit_log_opens_the_configured_path_by_default(_private_audit_db: Path) -> None:
    with AuditLog() as opened:
        opened.record("export", {"format": "pdf"})
        assert opened.path == _private_audit_db
    assert _private_audit_db.is_file()


# ---------------------------------------------------------------------------------------------
# recording and reading


def test_events_are_chained_and_stored_as_canonical_json(log: AuditLog) -> None:
    first = log.record("plan_generated", {**PLAN, "preview": True})
    second = log.record("export", {"format": "md", "kb_version": "0.1.0+abc"}, actor="surgeon")
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    assert log.events() == [first, second]
    conn = sqlite3.connect(log.path)
    stored = conn.execute("SELECT detail, actor FROM events WHERE seq = 2").fetchone()
    conn.close()
    assert stored == ('{"format":"md","kb_version":"0.1.0+abc"}', "surgeon")


def test_hash_is_recomputable_from_the_exported_event(log: AuditLog) -> None:
    event = log.record("comment", {"card_id": "TMR-X", "version": "2", "text": "Ä ✓ cite 2019"})
    body = {k: v for k, v in event.to_dict().items() if k != "hash"}
    assert event.hash == entry_hash(body)
    assert set(body) == {"seq", "at", "actor", "kind", "detail", "prev_hash"}


def test_time_is_utc_iso_to_the_minute_even_from_a_local_clock(tmp_path: Path) -> None:
    local = dt.timezone(dt.timedelta(hours=2))
    clock = lambda: dt.datetime(2026, 3, 1, 12, 0, 59, 999999, tzinfo=local)  # noqa: E731
    with AuditLog(tmp_path / "a.sqlite3", clock=clock) as opened:
        event = opened.record("export", {"format": "pdf"})
    assert event.at == "2026-03-01T10:00+00:00"
    assert dt.datetime.fromisoformat(event.at).utcoffset() == dt.timedelta(0)


def test_events_limit_gives_the_newest_oldest_first(log: AuditLog) -> None:
    for i in range(5):
        log.record("basis_viewed", {"kb_version": str(i)})
    assert [e.seq for e in log.events(2)] == [4, 5]
    assert [e.seq for e in log.events()] == [1, 2, 3, 4, 5]
    assert log.events(0) == []
    assert log.count() == 5
    with pytest.raises(AuditLogError, match="limit must be 0 or more, not -1"):
        log.events(-1)


def test_database_is_in_wal_mode_at_schema_version_1(log: AuditLog) -> None:
    conn = sqlite3.connect(log.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert log.schema_version == len(MIGRATIONS) == 1


def test_app_code_cannot_update_or_delete_events(log: AuditLog) -> None:
    log.record("export", {"format": "pdf"})
    conn = sqlite3.connect(log.path)
    for statement in ("UPDATE events SET actor = 'x'", "DELETE FROM events"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(statement)
    conn.close()


# ---------------------------------------------------------------------------------------------
# no patient data: the whitelist


@pytest.mark.parametrize("kind", KINDS)
def test_every_whitelisted_field_of_every_kind_is_accepted(log: AuditLog, kind: str) -> None:
    samples: dict[str, Any] = {
        "identifier": "v1",
        "text": "a comment on the card",
        "integer": 3,
        "boolean": False,
        "list of identifiers": ["R-1", "R-2"],
    }
    detail = {key: samples[kind_of] for key, kind_of in DETAIL_FIELDS[kind].items()}
    assert log.record(kind, detail).detail == detail


def test_kinds_are_the_documented_ones() -> None:
    assert set(KINDS) == {
        "plan_generated",
        "basis_viewed",
        "export",
        "comment",
        "submission",
        "approval",
        "retirement",
    }


def test_unknown_kind_is_refused_naming_it_and_the_allowed_ones(log: AuditLog) -> None:
    with pytest.raises(TmrplanError, match=r"unknown audit event kind 'login'; allowed: plan_gen"):
        log.record("login", {})
    assert log.count() == 0


@pytest.mark.parametrize(
    ("kind", "detail"),
    [
        ("plan_generated", {**PLAN, "nerve": "median nerve"}),
        ("plan_generated", {"level": "transhumeral"}),
        ("export", {"format": "pdf", "side": "left"}),
        ("basis_viewed", {"case": {"nerves": ["ulnar nerve"]}}),
        # derived from the case: the cards that fired, counts, the rank of an option opened
        ("plan_generated", {**PLAN, "cards": ["TMR-ANTICOAGULANTS"]}),
        ("plan_generated", {**PLAN, "nerve_count": 2}),
        ("plan_generated", {**PLAN, "option_count": 9}),
        ("basis_viewed", {"rule_ids": ["TMR-PRIOR-SURGERY"]}),
        ("basis_viewed", {"option_rank": 3}),
        ("approval", {"card_id": "R-1", "text": "fine"}),  # text is for comments only
    ],
)
def test_case_data_keys_are_refused_without_echoing_the_value(
    log: AuditLog, kind: str, detail: dict[str, Any]
) -> None:
    with pytest.raises(AuditLogError, match="may not carry") as caught:
        log.record(kind, detail)
    bad_key = next(k for k in detail if k not in DETAIL_FIELDS[kind])
    assert f"may not carry {bad_key!r}" in str(caught.value)
    assert "the audit log holds no case data" in str(caught.value)
    assert repr(detail[bad_key]) not in str(caught.value)
    assert log.count() == 0


@pytest.mark.parametrize(
    ("detail", "message"),
    [
        ({"preview": "Jane Doe"}, "'preview' must be a boolean, not str"),
        ({"preview": 1}, "'preview' must be a boolean, not int"),
        ({"kb_version": ["Jane Doe"]}, "'kb_version' must be text, not list"),
        ({"kb_version": True}, "'kb_version' must be text, not bool"),
        ({"kb_version": "x" * 201}, "'kb_version' must be at most 200 characters, not 201"),
    ],
)
def test_values_of_the_wrong_type_or_length_are_refused(
    log: AuditLog, detail: dict[str, Any], message: str
) -> None:
    with pytest.raises(AuditLogError, match=message) as caught:
        log.record("plan_generated", detail)
    assert "Jane" not in str(caught.value)


def test_comment_text_and_actor_are_bounded(log: AuditLog) -> None:
    log.record("comment", {"text": "x" * 4000})
    with pytest.raises(AuditLogError, match="'text' must be at most 4000 characters"):
        log.record("comment", {"text": "x" * 4001})
    with pytest.raises(AuditLogError, match="needs a non-empty actor"):
        log.record("export", {}, actor=" ")
    assert log.count() == 1


# ---------------------------------------------------------------------------------------------
# verification: tampering is found and named


def test_intact_log_verifies(tmp_path: Path) -> None:
    with filled(tmp_path / "a.sqlite3", 10) as opened:
        result = opened.verify()
    assert (result.ok, result.checked, result.first_broken_seq, result.reason) == (
        True,
        10,
        None,
        None,
    )


def test_tampered_detail_is_named_by_seq(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    with filled(db, 10) as opened:
        raw(db, 'UPDATE events SET detail = \'{"nerve_count":2,"option_count":99}\' WHERE seq = 7')
        result = opened.verify()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 7, 6)
    assert result.reason is not None and "altered" in result.reason


def test_tampered_row_with_a_recomputed_hash_breaks_the_next_link(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    with filled(db, 10) as opened:
        event = opened.events()[4]
        forged = {**event.to_dict(), "actor": "someone else"}
        del forged["hash"]
        raw(
            db,
            f"UPDATE events SET actor = 'someone else', hash = '{entry_hash(forged)}' WHERE seq = 5",
        )
        result = opened.verify()
    assert result.first_broken_seq == 6
    assert result.reason is not None and "does not match the hash of seq 5" in result.reason


def test_deleted_row_is_named_by_the_seq_after_it(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    with filled(db, 10) as opened:
        raw(db, "DELETE FROM events WHERE seq = 4")
        assert opened.verify().first_broken_seq == 5
        raw(db, "DELETE FROM events WHERE seq = 1")
        assert opened.verify().first_broken_seq == 2


def test_reordered_chain_is_named_at_the_first_moved_seq(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    with filled(db, 10) as opened:
        raw(
            db,
            "UPDATE events SET seq = -1 WHERE seq = 3",
            "UPDATE events SET seq = 3 WHERE seq = 8",
            "UPDATE events SET seq = 8 WHERE seq = -1",
        )
        result = opened.verify()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 3, 2)


def test_detail_that_is_not_json_is_a_break_and_still_readable(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    with filled(db, 3) as opened:
        raw(db, "UPDATE events SET detail = 'Jane Doe' WHERE seq = 2")
        assert opened.verify().first_broken_seq == 2
        assert opened.events()[1].detail == "Jane Doe"


# ---------------------------------------------------------------------------------------------
# schema migrations


def test_new_and_empty_files_are_migrated_to_the_current_version(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    for db in (tmp_path / "new.sqlite3", empty):
        with AuditLog(db) as opened:
            assert opened.schema_version == len(MIGRATIONS)
            opened.record("export", {"format": "pdf"})
            assert opened.verify().ok


def test_a_version_1_database_is_migrated_by_an_appended_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "old.sqlite3"
    # A database as release 1 left it: migration 1 only, applied by hand, with events in it.
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with AuditLog(db) as opened:
        assert opened.schema_version == 1
        opened.record("approval", {"card_id": "R-1", "version": "1", "role": "surgeon"})
    staged = [*MIGRATIONS, ("CREATE INDEX events_by_kind ON events (kind)",)]
    monkeypatch.setattr(audit_module, "MIGRATIONS", staged)
    with AuditLog(db) as opened:
        assert opened.schema_version == 2
        opened.record("retirement", {"card_id": "R-1", "version": "1"})
        assert opened.verify().ok and opened.count() == 2
    conn = sqlite3.connect(db)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    assert "events_by_kind" in names


def test_a_failing_migration_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "a.sqlite3"
    filled(db, 2).close()
    staged = [*MIGRATIONS, ("CREATE TABLE extra (x)", "THIS IS NOT SQL")]
    monkeypatch.setattr(audit_module, "MIGRATIONS", staged)
    with pytest.raises(AuditLogError, match="cannot open the audit log"):
        AuditLog(db)
    monkeypatch.setattr(audit_module, "MIGRATIONS", MIGRATIONS)
    with AuditLog(db) as opened:
        assert opened.schema_version == 1 and opened.count() == 2 and opened.verify().ok
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchone() is None
    conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    filled(db, 1).close()
    raw(db, "PRAGMA user_version = 7")
    with pytest.raises(AuditLogError, match="schema version 7 is newer than this tmrplan knows"):
        AuditLog(db)


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite3"
    raw(db, "CREATE TABLE patients (name TEXT)")
    with pytest.raises(AuditLogError, match=r"not a tmrplan audit log \(it holds 'patients'"):
        AuditLog(db)
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["patients"]
    conn.close()


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("not a database at all, just some text that is long enough" * 20)
    with pytest.raises(AuditLogError, match=r"notes\.txt'.*cannot open the audit log"):
        AuditLog(db)


# ---------------------------------------------------------------------------------------------
# concurrency and killed writers


def test_threads_sharing_one_log_never_fork_the_chain(log: AuditLog) -> None:
    def write(worker: int) -> None:
        for i in range(200):
            log.record("basis_viewed", {"kb_version": f"{worker}.{i}", "preview": True})

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = log.verify()
    assert (result.ok, result.checked, log.count()) == (True, 1600, 1600)
    assert [e.seq for e in log.events()] == list(range(1, 1601))


def test_threads_with_their_own_connections_serialise_through_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"

    def write() -> None:  # each opens (and races to migrate) its own connection
        with AuditLog(db) as mine:
            for i in range(50):
                mine.record("export", {"format": "json", "kb_version": str(i)})

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with AuditLog(db) as opened:
        assert opened.verify().ok and opened.count() == 400


WRITER = """
import sys
from tmrplan.governance.audit import AuditLog
log = AuditLog(sys.argv[1])
for i in range(int(sys.argv[2])):
    event = log.record("plan_generated", {"kb_version": str(i), "preview": True})
    print(event.seq, flush=True)
"""


def writer(db: Path, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )


def test_a_writer_killed_mid_stream_leaves_an_intact_log(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    for _ in range(3):  # each round appends to what the killed writer before it left
        process = writer(db, 100_000)
        assert process.stdout is not None
        acknowledged = 0
        while acknowledged < 150:
            acknowledged = int(process.stdout.readline())
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        for line in process.stdout.read().splitlines():
            acknowledged = int(line)
        process.stdout.close()
        assert process.returncode == -signal.SIGKILL
        with AuditLog(db) as opened:
            result = opened.verify()
            count = opened.count()
            last = opened.events(1)[0]
        assert result.ok, result
        # No torn row: every row is whole and numbered 1..count; every acknowledged write is
        # there, plus at most the one committed as the kill came.
        assert result.checked == count == last.seq
        assert acknowledged <= count <= acknowledged + 1
        assert isinstance(last.detail, dict) and last.detail["preview"] is True


def test_processes_writing_at_once_serialise_through_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    processes = [writer(db, 100) for _ in range(3)]
    for process in processes:
        assert process.communicate()[0].count("\n") == 100
        assert process.returncode == 0
    with AuditLog(db) as opened:
        assert opened.verify().ok and opened.count() == 300


# ---------------------------------------------------------------------------------------------
# the CLI: tmrplan audit log|verify


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def write_ledger(rules: Path, n: int) -> Path:
    """An approvals ledger as tmrplan.rules.ledger writes it: canonical JSON lines, chained."""
    rules.mkdir(exist_ok=True)
    lines, prev = [], GENESIS
    for seq in range(1, n + 1):
        body = {
            "seq": seq, "at": "2026-01-01T00:00:00+00:00", "who": "B. Reviewer",
            "role": "surgeon", "action": "approve", "card_id": f"R-{seq}", "version": "1.0.0",
            "content_hash": "c" * 64, "text": "", "prev": prev,
        }  # fmt: skip
        prev = entry_hash(body)
        lines.append(canonical_json({**body, "hash": prev}))
    path = rules / "approvals.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_cli_log_text_and_json(_private_audit_db: Path) -> None:
    with filled(_private_audit_db, 3) as opened:
        opened.record("plan_generated", {"preview": True, "rules_version": "r1"})
    code, out = run("audit", "log", "--limit", "2")
    assert code == 0, out
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].lstrip().startswith("3  ")
    assert lines[1].endswith(f"plan_generated  preview=yes rules_version=r1  [{lines[1][-9:-1]}]")
    code, out = run("audit", "log", "--limit", "0", "--format", "json")
    assert code == 0, out
    events = json.loads(out)
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    for event in events:  # the export is enough to re-check every hash
        assert event["hash"] == entry_hash({k: v for k, v in event.items() if k != "hash"})


def test_cli_verify_both_chains_intact(_private_audit_db: Path, tmp_path: Path) -> None:
    filled(_private_audit_db, 5).close()
    rules = tmp_path / "rules"
    write_ledger(rules, 3)
    code, out = run("--rules", str(rules), "audit", "verify")
    assert ": ok, 5 events intact" in out
    assert f"approvals ledger {str(rules / 'approvals.jsonl')!r}: ok, 3 entries intact" in out
    # Intact chains, but the hand-written entries are unsigned: named, and a finding.
    assert code == 1 and "3 entries do not count" in out and "(no signer): unsigned" in out


def test_cli_verify_accepts_the_ledger_module_s_own_file(
    _private_audit_db: Path, tmp_path: Path
) -> None:
    from tmrplan.rules.ledger import Ledger

    filled(_private_audit_db, 1).close()
    rules = tmp_path / "rules"
    rules.mkdir()
    ledger = Ledger(rules / "approvals.jsonl", ())
    ledger = ledger.append(
        signer=sign_as(rules, "A. Author", "surgeon"), action="comment", card_id="R-1", version="1",
        content_hash="c" * 64, text="line\u2028separator in a comment",
    )  # fmt: skip
    ledger.append(
        signer=sign_as(rules, "B. Reviewer", "surgeon"), action="approve", card_id="R-1", version="1",
        content_hash="c" * 64,
    )  # fmt: skip
    code, out = run("--rules", str(rules), "audit", "verify")
    assert code == 0, out
    assert "ok, 2 entries intact" in out


def test_cli_verify_without_a_ledger_checks_the_log_only(
    _private_audit_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    filled(_private_audit_db, 1).close()
    monkeypatch.setenv("TMRPLAN_RULES", str(tmp_path))  # the default rules dir, if no --rules
    code, out = run("audit", "verify")
    assert code == 0, out
    assert f"approvals ledger {str(tmp_path / 'approvals.jsonl')!r}: none" in out


def test_cli_verify_names_the_broken_audit_event(_private_audit_db: Path, tmp_path: Path) -> None:
    filled(_private_audit_db, 5).close()
    raw(_private_audit_db, "UPDATE events SET actor = 'x' WHERE seq = 4")
    code, out = run("--rules", str(tmp_path), "audit", "verify")
    assert code == 1, out
    assert "BROKEN at seq 4: 'hash' does not match the entry's content" in out
    assert "(3 events intact before it)" in out


@pytest.mark.parametrize(
    ("edit", "line", "why"),
    [
        (lambda ls: [ls[0], ls[1].replace("R-2", "R-9"), *ls[2:]], 2, "altered"),
        (lambda ls: [ls[0], ls[2], ls[1], ls[3]], 2, "does not match the hash of entry 1"),
        (lambda ls: [ls[0], "", ls[1], ls[3]], 4, "does not match the hash of entry 2"),
        (lambda ls: [*ls[:2], ls[2][:-5], ls[3]], 3, "not JSON"),
    ],
    ids=["altered", "reordered", "deleted-after-blank-line", "torn-line"],
)
def test_cli_verify_names_the_broken_ledger_line(
    _private_audit_db: Path, tmp_path: Path, edit: Any, line: int, why: str
) -> None:
    filled(_private_audit_db, 1).close()
    ledger = write_ledger(tmp_path / "rules", 4)
    lines = ledger.read_text(encoding="utf-8").splitlines()
    ledger.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    code, out = run("--rules", str(tmp_path / "rules"), "audit", "verify")
    assert code == 1, out
    assert ": ok, 1 event intact" in out  # the audit log is still checked and reported
    assert f"BROKEN at line {line}: " in out and why in out


def test_cli_missing_or_foreign_database_is_bad_input(tmp_path: Path) -> None:
    code, out = run("audit", "log", "--db", str(tmp_path / "nothing.sqlite3"))
    assert code == 2, out
    assert "error: no audit log at" in out and "nothing.sqlite3" in out
    # verify checks each chain that exists: no log (and no checkpoint of one) is nothing to check
    code, out = run("--rules", str(tmp_path), "audit", "verify", "--db", str(tmp_path / "no.db"))
    assert code == 0, out
    assert f"audit log {str(tmp_path / 'no.db')!r}: none" in out
    assert not (tmp_path / "nothing.sqlite3").exists() and not (tmp_path / "no.db").exists()
    other = tmp_path / "other.sqlite3"
    raw(other, "CREATE TABLE t (x)")
    code, out = run("audit", "log", "--db", str(other))
    assert code == 2, out
    assert "not a tmrplan audit log" in out and "Traceback" not in out
