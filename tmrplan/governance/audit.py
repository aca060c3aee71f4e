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
can identify a patient. A deny-list cannot foresee every field a caller might add, so each kind
allows a fixed set of detail keys (``DETAIL_FIELDS``) with fixed types and lengths: versions,
counts, rule ids and card references, never case content. Anything else is refused with an
``AuditLogError`` naming the key (never the value, which may be the very data we keep out). The
one free-text field is a governance comment on a rule card; the UI must say it is about the
card, not a patient.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from tmrplan import paths
from tmrplan.errors import AuditLogError
from tmrplan.hashchain import GENESIS, canonical_json, entry_hash, verify_chain

DetailValue = str | int | bool | list[str] | tuple[str, ...]

# Field types of event details; see DETAIL_FIELDS.
_ID = "identifier"  # a version, id, role, format or hash: short text
_TEXT = "text"  # a governance comment on a rule card
_INT = "integer"
_BOOL = "boolean"
_IDS = "list of identifiers"

_MAX_LENGTH = {_ID: 200, _TEXT: 4000}
_MAX_ITEMS = 1000
_MAX_ACTOR = 200

_CARD = {"card_id": _ID, "version": _ID, "content_hash": _ID, "role": _ID}

DETAIL_FIELDS: dict[str, dict[str, str]] = {
    "plan_generated": {
        "kb_version": _ID,
        "rules_version": _ID,
        "nerve_count": _INT,
        "option_count": _INT,
        "preview": _BOOL,
        "cards": _IDS,
    },
    "basis_viewed": {
        "kb_version": _ID,
        "rules_version": _ID,
        "rule_ids": _IDS,
        "option_rank": _INT,
    },
    "export": {"format": _ID, "kb_version": _ID, "rules_version": _ID},
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
        at: when it was recorded, UTC ISO 8601 with microseconds.
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
        ok: every event is intact and linked to the one before.
        checked: events found intact (all of them when ``ok``; those before the break otherwise).
        first_broken_seq: seq of the first event whose link is broken; ``None`` when ``ok``.
        reason: what is wrong with it, in words; ``None`` when ``ok``.
    """

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None


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
            database, or has a newer schema than this version of tmrplan knows.

    Example:
        >>> import tempfile
        >>> log = AuditLog(Path(tempfile.mkdtemp()) / "audit.sqlite3")
        >>> log.record("export", {"format": "pdf", "kb_version": "0.1.0"}).seq
        1
        >>> log.verify()
        VerifyResult(ok=True, checked=1, first_broken_seq=None, reason=None)
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
            self._conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed event survives power loss too, not only a killed process.
            self._conn.execute("PRAGMA synchronous=FULL")
            self._migrate()
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

    def _error(self, what: str, error: sqlite3.Error) -> AuditLogError:
        return AuditLogError(f"{str(self.path)!r}: {what}: {error}")

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
            >>> event = log.record("plan_generated", {"nerve_count": 2, "cards": ["R-1"]})
            >>> event.seq, event.kind, event.detail, event.prev_hash == "0" * 64
            (1, 'plan_generated', {'cards': ['R-1'], 'nerve_count': 2}, True)
            >>> log.close()
        """
        clean = validate_detail(kind, detail)
        who = _validate_actor(actor)
        detail_text = canonical_json(clean)
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")  # the write lock before the last hash
                try:
                    last = self._conn.execute(
                        "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"
                    ).fetchone()
                    body: dict[str, Any] = {
                        "seq": last[0] + 1 if last else 1,
                        "at": self._clock().astimezone(dt.UTC).isoformat(timespec="microseconds"),
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
            except sqlite3.Error as error:
                raise self._error(f"cannot record a {kind!r} event", error) from error
        return AuditEvent(**body, hash=digest)

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
        """Re-hash every event and check every link, oldest first.

        Reads through a connection of its own inside one read transaction: a consistent
        snapshot, while the app goes on writing.

        Raises:
            AuditLogError: if the database cannot be read.
        """
        try:
            conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
        except sqlite3.Error as error:
            raise self._error("cannot read the audit log", error) from error
        try:
            conn.execute("BEGIN")
            rows: Iterator[tuple[Any, ...]] = conn.execute(
                f"SELECT {_COLUMNS} FROM events ORDER BY seq"
            )
            result = verify_chain(
                (_to_event(row).to_dict() for row in rows),
                prev_key="prev_hash",
                position_key="seq",
            )
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            raise self._error("cannot read the audit log", error) from error
        finally:
            conn.close()
        return VerifyResult(result.ok, result.checked, result.first_broken, result.reason)

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
    try:
        detail = json.loads(detail_text)
    except (TypeError, ValueError):
        detail = detail_text  # not JSON: shown as stored, and its hash will not match
    return AuditEvent(seq, at, actor, kind, detail, prev_hash, digest)


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
    if expected == _INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise refuse(f"an integer, not {type(value).__name__}")
        return value
    if expected == _IDS:
        if not isinstance(value, list | tuple):
            raise refuse(f"a list of identifiers, not {type(value).__name__}")
        if len(value) > _MAX_ITEMS:
            raise refuse(f"at most {_MAX_ITEMS} identifiers, not {len(value)}")
        for item in value:
            if not isinstance(item, str) or len(item) > _MAX_LENGTH[_ID]:
                raise refuse(f"a list of identifiers of at most {_MAX_LENGTH[_ID]} characters")
        return list(value)
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
