"""The app's audit log: what the running app did (plans generated, bases viewed, exports, comments,
submissions for review, approvals, retirements), hash-chained in SQLite and holding no patient
data.

Storage. One SQLite file (``paths.audit_db()``: ``TMRPLAN_AUDIT_DB`` or the user's data dir) in
WAL mode on a local disk. Each event is appended inside ``BEGIN IMMEDIATE``, which takes the
write lock *before* the last hash is read, so concurrent writers (Streamlit session threads, or
several processes on one file) queue up and the chain never forks. A transaction is all or
nothing, so a process killed mid-write leaves the log without that event, never half of one. The
schema is versioned with ``PRAGMA user_version`` and migrated at open by ``MIGRATIONS``. Network
file systems break SQLite's locking: many replicas need the PostgreSQL backend of the scale path.

Chain. Each row's ``hash`` is the SHA-256 of the canonical JSON of ``{seq, at, actor, kind,
detail, prev_hash}`` (``detail`` as the JSON object it stores) and ``prev_hash`` is the row
before's hash (64 zeros for the first), the same rule as the approvals ledger, checked by the
same ``tmrplan.hashchain.verify_chain``. A row exported as JSON (``tmrplan audit log --format
json``) can be re-hashed by anyone: drop ``hash``, canonical JSON, SHA-256. Triggers refuse
UPDATE and DELETE so that app code cannot rewrite history by mistake; someone who drops them
still breaks the chain.

No patient data. The log is kept for years, read by auditors and copied out of the clinical
record's access controls, so it must not hold case data: no nerve, level, side, region, context
or dates of a case, since in a small unit even "left transhumeral, median and ulnar, Tuesday"
can identify a patient. Nor anything *derived* from a case: the rule cards that fired on a plan
(case-scope cards fire only on stated context, so their ids say that a patient takes
anticoagulants or had earlier surgery), counts of its nerves or options, the rank of an option
opened. A deny-list cannot foresee every field a caller might add, so each kind allows a fixed
set of detail keys (``DETAIL_FIELDS``) with fixed types and lengths: versions, a plan's preview
flag, an export's format and card references, never case content. Anything else is refused with
an ``AuditLogError`` naming the key (never the value, which may be the very data we keep out).
The one free-text field is a governance comment on a rule card; the UI must say it is about the
card, not a patient.

Times are kept to the minute. A plan's event is read beside records that are kept to the second
or finer (the clinical record's access log, a web server's log): a time to the microsecond
matches one event to one patient's record opened at that moment, a minute holds every event
of that minute. The order of events is their ``seq``.

Truncation. A chain cannot show entries cut off its end, so each append also rewrites a
checkpoint beside the database (``<file>.checkpoint``: the newest seq and hash,
:class:`tmrplan.hashchain.ChainHead`), in a second transaction after the event's (a writer
killed between the two leaves the checkpoint one behind, never ahead). :func:`verify_file`
reports a log shorter than its checkpoint, or a checkpoint beside no log, and the log refuses to
open or append while its checkpoint disagrees (appending would overwrite the evidence).
:func:`verify_file` and :func:`read_events` open the file read-only: they never create, migrate
or give a schema to it (a 0-byte file is reported as such).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from tmrplan import paths
from tmrplan.errors import AuditLogError, OutputError
from tmrplan.hashchain import (
    GENESIS,
    ChainHead,
    CheckpointUnreadable,
    canonical_json,
    cut_or_rewritten,
    entry_hash,
    read_checkpoint,
    verify_chain,
    write_checkpoint,
)

DetailValue = str | bool

# Field types of event details; see DETAIL_FIELDS. (No counts and no lists: what a plan would
# count or list is derived from its case.)
_ID = "identifier"  # a version, id, role, format or hash: short text
_TEXT = "text"  # a governance comment on a rule card
_BOOL = "boolean"

_MAX_LENGTH = {_ID: 200, _TEXT: 4000}
_MAX_ACTOR = 200

_CARD = {"card_id": _ID, "version": _ID, "content_hash": _ID, "role": _ID}
_VERSIONS = {"kb_version": _ID, "rules_version": _ID}

DETAIL_FIELDS: dict[str, dict[str, str]] = {
    # Nothing derived from the case: not the cards that fired, not counts, not an option's rank.
    "plan_generated": {**_VERSIONS, "preview": _BOOL},
    "basis_viewed": {**_VERSIONS, "preview": _BOOL},
    "export": {"format": _ID, **_VERSIONS},
    "comment": {**_CARD, "text": _TEXT},
    "submission": dict(_CARD),
    "approval": dict(_CARD),
    "retirement": dict(_CARD),
}
"""Per event kind, the only detail keys it may carry and their types (all optional)."""

KINDS: tuple[str, ...] = tuple(DETAIL_FIELDS)

MIGRATIONS: list[tuple[str, ...]] = [
    # 1: the hash-chained, append-only event table.
    (
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""",
        """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    ),
]
"""Schema migrations in order: entry ``i`` takes the schema from version ``i`` to ``i + 1``, each
in one transaction with the new ``user_version``. Add a version by appending; never edit one that
has shipped. The hash covers the six fields above: a migration that adds a hashed field must say
how older rows are hashed."""

_COLUMNS = "seq, at, actor, kind, detail, prev_hash, hash"


@dataclass(frozen=True)
class AuditEvent:
    """One row of the audit log.

    Attributes:
        seq: position in the chain, from 1.
        at: when it was recorded, UTC ISO 8601 to the minute (rows of earlier versions: to the
            microsecond).
        actor: who or what recorded it ("app" unless the caller names a role or user).
        kind: one of ``KINDS``.
        detail: the whitelisted detail (the stored text itself if it is not JSON: tampering).
        prev_hash: the hash of the event before (64 zeros for the first).
        hash: SHA-256 of the canonical JSON of every other field.
    """

    seq: int
    at: str
    actor: str
    kind: str
    detail: Any
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """Every field, as exported by ``tmrplan audit log --format json``."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "kind": self.kind,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class VerifyResult:
    """What ``AuditLog.verify`` found.

    Attributes:
        ok: every event is intact and linked to the one before, and the log is not shorter
            than its checkpoint.
        checked: events found intact (all of them when ``ok``; those before the break otherwise).
        first_broken_seq: seq of the first event whose link is broken; ``None`` when ``ok`` or
            when no event is at fault (an empty file, events cut off the end).
        reason: what is wrong, in words; ``None`` when ``ok``.
        checkpoint: the log's checkpoint, when there is one.
    """

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    checkpoint: ChainHead | None = None


def checkpoint_path(db: Path) -> Path:
    """Where the checkpoint of the audit log in ``db`` is kept: beside it, ``<name>.checkpoint``.

    Example:
        >>> checkpoint_path(Path("/data/audit.sqlite3")).name
        'audit.sqlite3.checkpoint'
    """
    return db.with_name(db.name + ".checkpoint")


def _read_checkpoint(db: Path) -> ChainHead | None:
    where = checkpoint_path(db)
    try:
        return read_checkpoint(where)
    except CheckpointUnreadable as error:
        raise AuditLogError(f"{str(where)!r}: not an audit log checkpoint: {error}") from error
    except OSError as error:
        raise AuditLogError(f"{str(where)!r}: cannot read: {error.strerror}") from error


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AuditLog:
    """A hash-chained, append-only SQLite event log, safe to share between threads.

    One connection guarded by a lock serves every thread of a process (Streamlit sessions);
    ``BEGIN IMMEDIATE`` and SQLite's busy timeout serialise writers from other processes.

    Args:
        path: the database file (default ``paths.audit_db()``); created and migrated if needed.
        clock: returns the current time (tests pin it); default ``datetime.now(UTC)``.
        timeout: seconds to wait for another writer's lock before failing.

    Raises:
        AuditLogError: if the file cannot be opened, is not SQLite, is another program's
            database, has a newer schema than this version of tmrplan knows, or disagrees with
            its checkpoint (cut or replaced: nothing more may be recorded in it).

    Example:
        >>> import tempfile
        >>> log = AuditLog(Path(tempfile.mkdtemp()) / "audit.sqlite3")
        >>> log.record("export", {"format": "pdf", "kb_version": "0.1.0"}).seq
        1
        >>> result = log.verify()
        >>> result.ok, result.checked, result.checkpoint.count
        (True, 1, 1)
        >>> log.close()
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        clock: Callable[[], dt.datetime] = _utc_now,
        timeout: float = 30.0,
    ) -> None:
        self.path = Path(path) if path is not None else paths.audit_db()
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._conn = self._connect()
        try:
            if self._is_empty_file() and _exists(checkpoint_path(self.path)):
                raise AuditLogError(
                    f"{str(self.path)!r}: the audit log is an empty file but its checkpoint names "
                    "events: it was cut; keep both files for the auditors (tmrplan audit verify) "
                    "and start a new log elsewhere"
                )
            self._use_wal()
            # FULL: a committed event survives power loss too, not only a killed process.
            self._conn.execute("PRAGMA synchronous=FULL")
            self._migrate()
            self._check_checkpoint()
        except sqlite3.Error as error:
            self._conn.close()
            raise self._error("cannot open the audit log", error) from error
        except AuditLogError:
            self._conn.close()
            raise

    # -- opening -------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            # isolation_level=None: no implicit transactions; every one here is explicit.
            return sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise self._error("cannot open the audit log", error) from error

    def _use_wal(self) -> None:
        """Put the log in WAL mode (it stays so, in the file). Switching needs a moment when no
        other connection is using the file, and SQLite answers "database is locked" at once
        rather than waiting its busy timeout: a log opened by several writers at its creation
        lost one of them (reproduced with 8 threads on a busy machine). So retry, within the
        same timeout."""
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                if self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _error(self, what: str, error: sqlite3.Error) -> AuditLogError:
        return AuditLogError(f"{str(self.path)!r}: {what}: {error}")

    def _is_empty_file(self) -> bool:
        try:
            return self.path.stat().st_size == 0
        except OSError:
            return False

    def _check_checkpoint(self) -> None:
        """Refuse a log its checkpoint says was cut or replaced (call with the lock held, or
        before the log is shared): appending to it would overwrite the checkpoint."""
        checkpoint = _read_checkpoint(self.path)
        if checkpoint is None or checkpoint.count == 0:
            return
        row = self._conn.execute(
            "SELECT hash FROM events WHERE seq = ?", (checkpoint.count,)
        ).fetchone()
        if row is None:
            last = int(self._conn.execute("SELECT count(*) FROM events").fetchone()[0])
            hashes = ["?"] * min(last, checkpoint.count - 1)  # shorter than the checkpoint
        else:  # only the entry at the checkpoint's count is compared here; verify checks all
            hashes = [*(["?"] * (checkpoint.count - 1)), row[0]]
        problem = cut_or_rewritten(hashes, checkpoint, "event", "events")
        if problem is not None:
            raise AuditLogError(
                f"{str(self.path)!r}: {problem}; nothing more is recorded in it (keep both files "
                "for the auditors: tmrplan audit verify)"
            )

    def _migrate(self) -> None:
        """Bring the schema up to ``len(MIGRATIONS)``, one transaction per version."""
        migrations = MIGRATIONS  # read at call time, so that tests can stage an extra version
        target = len(migrations)
        if self._user_version() == target:
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            version = self._user_version()  # again: another process may have migrated meanwhile
            if version > target:
                raise AuditLogError(
                    f"{str(self.path)!r}: audit log schema version {version} is newer than this "
                    f"tmrplan knows ({target}); upgrade tmrplan"
                )
            if version == 0:
                tables = [r[0] for r in self._conn.execute("SELECT name FROM sqlite_master")]
                if tables:
                    raise AuditLogError(
                        f"{str(self.path)!r}: not a tmrplan audit log (it holds "
                        f"{', '.join(map(repr, sorted(tables)))} and no schema version)"
                    )
            for number in range(version, target):
                for statement in migrations[number]:
                    self._conn.execute(statement)
                # PRAGMA takes no parameters; the value is our own integer.
                self._conn.execute(f"PRAGMA user_version = {int(number + 1)}")
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def _user_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @property
    def schema_version(self) -> int:
        """The schema version of the open database (``len(MIGRATIONS)`` once migrated)."""
        with self._lock:
            return self._user_version()

    # -- writing -------------------------------------------------------------------------------

    def record(
        self, kind: str, detail: Mapping[str, DetailValue], actor: str = "app"
    ) -> AuditEvent:
        """Append one event, linked to the newest one, in a single transaction.

        Args:
            kind: one of ``KINDS``.
            detail: only the keys ``DETAIL_FIELDS[kind]`` allows, with their types.
            actor: who did it: "app", or a role or staff name (never a patient's).

        Returns:
            The event as stored.

        Raises:
            AuditLogError: for an unknown kind, a key outside the whitelist, a value of the
                wrong type or length, or a database that cannot be written.

        Example:
            >>> import tempfile
            >>> log = AuditLog(Path(tempfile.mkdtemp()) / "audit.sqlite3")
            >>> event = log.record("plan_generated", {"rules_version": "r1", "preview": True})
            >>> event.seq, event.kind, event.detail, event.prev_hash == "0" * 64
            (1, 'plan_generated', {'preview': True, 'rules_version': 'r1'}, True)
            >>> log.close()
        """
        clean = validate_detail(kind, detail)
        who = _validate_actor(actor)
        detail_text = canonical_json(clean)
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")  # the write lock before the last hash
                try:
                    self._check_checkpoint()  # another process may have found it cut
                    last = self._conn.execute(
                        "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"
                    ).fetchone()
                    body: dict[str, Any] = {
                        "seq": last[0] + 1 if last else 1,
                        "at": self._clock().astimezone(dt.UTC).isoformat(timespec="minutes"),
                        "actor": who,
                        "kind": kind,
                        "detail": clean,
                        "prev_hash": last[1] if last else GENESIS,
                    }
                    digest = entry_hash(body)
                    self._conn.execute(
                        f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            body["seq"],
                            body["at"],
                            who,
                            kind,
                            detail_text,
                            body["prev_hash"],
                            digest,
                        ),
                    )
                    self._conn.execute("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
                self._write_checkpoint()
            except sqlite3.Error as error:
                raise self._error(f"cannot record a {kind!r} event", error) from error
        return AuditEvent(**body, hash=digest)

    def _write_checkpoint(self) -> None:
        """Rewrite the checkpoint with the newest committed event, under the write lock (so the
        checkpoints of several writers never go backwards)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            last = self._conn.execute(
                "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            if last is not None:
                try:
                    write_checkpoint(checkpoint_path(self.path), ChainHead(last[0], last[1]))
                except OutputError as error:
                    raise AuditLogError(
                        f"{str(self.path)!r}: the event was recorded but its checkpoint was not "
                        f"written: {error}"
                    ) from error
        finally:
            self._conn.execute("ROLLBACK")  # nothing was written in the database

    # -- reading -------------------------------------------------------------------------------

    def events(self, limit: int | None = None) -> list[AuditEvent]:
        """The newest ``limit`` events (all if ``None``), oldest first.

        Raises:
            AuditLogError: for a negative limit or an unreadable database.
        """
        if limit is not None and limit < 0:
            raise AuditLogError(f"limit must be 0 or more, not {limit!r}")
        with self._lock:
            try:
                rows = self._conn.execute(
                    f"SELECT {_COLUMNS} FROM "
                    f"(SELECT {_COLUMNS} FROM events ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                    (-1 if limit is None else limit,),
                ).fetchall()
            except sqlite3.Error as error:
                raise self._error("cannot read the audit log", error) from error
        return [_to_event(row) for row in rows]

    def count(self) -> int:
        """How many events the log holds."""
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def verify(self) -> VerifyResult:
        """Re-hash every event, check every link, oldest first, and compare the log with its
        checkpoint (:func:`verify_file`, read-only)."""
        result = verify_file(self.path, timeout=self._timeout)
        assert result is not None  # the file exists: this log opened it
        return result

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (WAL content is checkpointed into the main file)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _to_event(row: tuple[Any, ...]) -> AuditEvent:
    seq, at, actor, kind, detail_text, prev_hash, digest = row
    return AuditEvent(seq, at, actor, kind, _detail(detail_text), prev_hash, digest)


def _detail(stored: Any) -> Any:
    """The stored detail as the JSON object it holds, or as stored if it holds none that
    canonical JSON can write (not JSON, NaN, nested too deeply, not text: tampering, whose hash
    will not match)."""
    if not isinstance(stored, str):
        return stored
    try:
        detail = json.loads(stored)
        canonical_json(detail)
    except (TypeError, ValueError, RecursionError):
        return stored
    return detail


def _as_text(raw: bytes) -> str:
    # Text columns are read as bytes and decoded here: a row that is not UTF-8 (tampering) is
    # still read, its hash fails (``tmrplan.hashchain``: "not UTF-8 text"), and no other row is
    # lost to sqlite3's decoding error.
    return raw.decode("utf-8", "surrogateescape")


@contextmanager
def _read_only(path: Path, timeout: float = 30.0) -> Iterator[sqlite3.Connection]:
    """A read-only connection to an audit log in one read transaction (a consistent snapshot
    while the app goes on writing). It never creates, migrates or writes the file.

    Raises:
        AuditLogError: if the file is not a tmrplan audit log this version can read.
    """
    where = repr(str(path))
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout, isolation_level=None
        )
    except sqlite3.Error as error:
        raise AuditLogError(f"{where}: cannot open the audit log: {error}") from error
    try:
        conn.text_factory = _as_text
        conn.execute("BEGIN")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if version > len(MIGRATIONS):
            raise AuditLogError(
                f"{where}: audit log schema version {version} is newer than this tmrplan knows "
                f"({len(MIGRATIONS)}); upgrade tmrplan"
            )
        if version == 0 or "events" not in tables:
            held = f"it holds {', '.join(map(repr, sorted(tables)))}" if tables else "it is empty"
            raise AuditLogError(f"{where}: not a tmrplan audit log ({held} and no schema version)")
        yield conn
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        raise AuditLogError(f"{where}: cannot read the audit log: {error}") from error
    finally:
        conn.close()


def read_events(path: Path, limit: int | None = None) -> list[AuditEvent]:
    """The newest ``limit`` events of the log in ``path`` (all if ``None``), oldest first,
    read-only (:func:`_read_only`). A limit beyond SQLite's integers means all.

    Raises:
        AuditLogError: for a negative limit, a missing file, or one that is not an audit log.
    """
    if limit is not None and limit < 0:
        raise AuditLogError(f"limit must be 0 or more, not {limit!r}")
    if not path.is_file():
        raise AuditLogError(f"no audit log at {str(path)!r} (set TMRPLAN_AUDIT_DB or pass --db)")
    bounded = -1 if limit is None or limit > _SQLITE_MAX_INT else limit
    with _read_only(path) as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM "
            f"(SELECT {_COLUMNS} FROM events ORDER BY seq DESC LIMIT ?) ORDER BY seq",
            (bounded,),
        ).fetchall()
    return [_to_event(row) for row in rows]


_SQLITE_MAX_INT = 2**63 - 1


def verify_file(path: Path, *, timeout: float = 30.0) -> VerifyResult | None:
    """Check the audit log in ``path``, read-only: re-hash every event, check every link, then
    compare the log with its checkpoint. ``None`` when there is neither a log nor a checkpoint
    (nothing to check); a checkpoint beside no log, or beside a 0-byte file, is a log that was
    cut whole.

    Raises:
        AuditLogError: if the file is not a tmrplan audit log, or cannot be read.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> verify_file(folder / "audit.sqlite3") is None
        True
        >>> (folder / "audit.sqlite3").touch()
        >>> verify_file(folder / "audit.sqlite3").reason
        'an empty file (0 bytes): no schema and no events; not an audit log as the app writes one'
    """
    checkpoint = _read_checkpoint(path)
    if not _exists(path):
        if checkpoint is None:
            return None
        return VerifyResult(
            False, 0, None, f"no file, but its checkpoint names event {checkpoint.count}: the "
            "log was deleted", checkpoint,
        )  # fmt: skip
    if path.is_file() and path.stat().st_size == 0:
        reason = "an empty file (0 bytes): no schema and no events"
        if checkpoint is not None and checkpoint.count:
            reason += f", but its checkpoint names event {checkpoint.count}: the log was cut"
        else:
            reason += "; not an audit log as the app writes one"
        return VerifyResult(False, 0, None, reason, checkpoint)
    hashes: list[str] = []

    def kept(events: Iterator[AuditEvent]) -> Iterator[dict[str, Any]]:
        for event in events:
            hashes.append(event.hash)
            yield event.to_dict()

    with _read_only(path, timeout) as conn:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY seq")
        result = verify_chain(
            kept(_to_event(row) for row in rows), prev_key="prev_hash", position_key="seq"
        )
    if not result.ok:
        return VerifyResult(False, result.checked, result.first_broken, result.reason, checkpoint)
    problem = (
        None if checkpoint is None else cut_or_rewritten(hashes, checkpoint, "event", "events")
    )
    if problem is not None:
        return VerifyResult(False, result.checked, None, problem, checkpoint)
    return VerifyResult(True, result.checked, None, None, checkpoint)


def validate_detail(kind: str, detail: Mapping[str, object]) -> dict[str, Any]:
    """Check an event's kind and detail against the whitelist; return the detail as stored.

    Error messages name the key and the expected type, never the value: a refused value may be
    exactly the case data the log must not hold, and errors end up in server logs.

    Raises:
        AuditLogError: for an unknown kind, a key its kind does not allow, or a value of the
            wrong type or too long.

    Example:
        >>> validate_detail("export", {"format": "pdf"})
        {'format': 'pdf'}
        >>> validate_detail("export", {"nerve": "median nerve"})
        Traceback (most recent call last):
        ...
        tmrplan.errors.AuditLogError: audit event 'export' may not carry 'nerve' (allowed: format, kb_version, rules_version); the audit log holds no case data
    """
    fields = DETAIL_FIELDS.get(kind)
    if fields is None:
        raise AuditLogError(f"unknown audit event kind {kind!r}; allowed: {', '.join(KINDS)}")
    if not isinstance(detail, Mapping):
        raise AuditLogError(f"audit event {kind!r}: detail must be a mapping")
    clean: dict[str, Any] = {}
    for key, value in detail.items():
        kind_of = fields.get(key) if isinstance(key, str) else None
        if kind_of is None:
            raise AuditLogError(
                f"audit event {kind!r} may not carry {key!r} (allowed: "
                f"{', '.join(sorted(fields))}); the audit log holds no case data"
            )
        clean[key] = _checked_value(kind, key, kind_of, value)
    return dict(sorted(clean.items()))  # as stored and read back: canonical key order


def _checked_value(kind: str, key: str, expected: str, value: object) -> Any:
    def refuse(why: str) -> AuditLogError:
        return AuditLogError(f"audit event {kind!r}: {key!r} must be {why}")

    if expected == _BOOL:
        if not isinstance(value, bool):
            raise refuse(f"a boolean, not {type(value).__name__}")
        return value
    if not isinstance(value, str):
        raise refuse(f"text, not {type(value).__name__}")
    if len(value) > _MAX_LENGTH[expected]:
        raise refuse(f"at most {_MAX_LENGTH[expected]} characters, not {len(value)}")
    return value


def _validate_actor(actor: object) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise AuditLogError("an audit event needs a non-empty actor")
    if len(actor) > _MAX_ACTOR:
        raise AuditLogError(f"actor must be at most {_MAX_ACTOR} characters, not {len(actor)}")
    return actor.strip()
