"""The suite's last check: no process it started is still running when it ends.

A server, a diagram worker, multiprocessing's resource tracker or a browser left behind by a test
(one full run once left ten diagram workers of about 100 MB each) outlives the run unseen. Every
process the run starts inherits a mark in its environment, set here before any test or xdist
worker starts; at the end of the session, any live process carrying the mark (orphans included:
the mark survives re-parenting) fails the run, is named, and is then killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

MARK = "TMRPLAN_TEST_RUN"
GRACE_S = 10.0  # a stopped server's workers notice within half a second; a browser takes longer


def pytest_configure(config: pytest.Config) -> None:
    # The controller sets a mark of its own (a run started by a test gets its own, too); xdist
    # workers and everything they start inherit it.
    if not hasattr(config, "workerinput"):
        os.environ[MARK] = uuid.uuid4().hex


@pytest.fixture(autouse=True, scope="session")
def _diagram_workers_stop() -> Iterator[None]:
    """The in-process tests (AppTest, the PDF export) start this process's diagram workers; they
    would end only when it exits, after the check below."""
    yield
    from tmrplan.render import drawing

    drawing.shutdown()


def marked_processes() -> dict[int, str]:
    """Live processes, other than this one, its ancestors and its own resource tracker (which
    ends with this process), that carry this run's mark: pid -> command line."""
    mark = f"{MARK}={os.environ[MARK]}".encode()
    ours = {os.getpid(), os.getppid()}
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in ours:
            continue
        try:
            environment = (entry / "environ").read_bytes().split(b"\0")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile, or not ours to read
            continue
        if mark not in environment:  # a zombie has an empty environment: it has ended
            continue
        if "multiprocessing.resource_tracker" in command and _parent(entry) == os.getpid():
            continue
        found[int(entry.name)] = command.strip()[:160]
    return found


def _parent(process: Path) -> int:
    try:
        return int((process / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


@pytest.hookimpl(trylast=True)  # after xdist has stopped its workers
def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller checks
        return
    deadline = time.monotonic() + GRACE_S
    left = marked_processes()
    while left and time.monotonic() < deadline:
        time.sleep(0.25)
        left = marked_processes()
    if not left:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{len(left)} process(es) the tests started are still running:"]
    lines += [f"  {pid}: {command}" for pid, command in sorted(left.items())]
    for pid in left:  # leave nothing running, even when failing for it
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if reporter is not None:
        reporter.ensure_newline()
        for line in lines:
            reporter.write_line(line, red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
