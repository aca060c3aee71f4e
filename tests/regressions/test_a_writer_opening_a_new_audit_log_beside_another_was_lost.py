"""A writer opening a new audit log while another connection used it failed at once.

What was wrong: opening the log switches it to WAL mode, and SQLite answers that switch with
"database is locked" straight away (it does not wait its busy timeout) while any other
connection has the file open in a transaction. Several writers creating one log together lost
one of them: ``test_threads_with_their_own_connections_serialise_through_sqlite`` counted 350
events of 400 in one run of the suite, and a script opening 8 writers on 150 fresh logs on a
busy machine lost 4 to 6 of them.

How found: the issue-18 session's partial test runs (the flaky count above).

What changed: ``AuditLog`` switches to WAL only if the file is not in WAL already, and retries
a locked switch within its timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from tmrplan.governance.audit import AuditLog


def test_opening_waits_for_another_connection_to_let_go(tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite3"
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another writer, in the new file before the log is made
    release = threading.Timer(0.5, other.execute, ("COMMIT",))
    release.start()
    try:
        with AuditLog(db, timeout=10) as log:  # before the fix: "database is locked" at once
            log.record("export", {"format": "json"})
            assert log.count() == 1
    finally:
        release.join()
        other.close()
