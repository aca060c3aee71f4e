"""The browser tests' harness: start and stop the app on a loopback port, find Chromium, keep
the measured timings."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.scripts_import import load_script

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# The flags this machine's closed network needs: without the background-networking ones
# Chromium itself calls Google services at start (not the app's doing, but it would be noise).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
TABLET = {"width": 1024, "height": 1366}  # a 12.9-inch tablet held upright
DESKTOP = {"width": 1440, "height": 1000}


@dataclass
class Server:
    url: str
    started_to_listening_s: float
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Timings:
    """Figures the browser tests measure; written to artifacts/timings.json for the record."""

    values: dict[str, float] = field(default_factory=dict)

    def record(self, name: str, seconds: float) -> None:
        self.values[name] = round(seconds, 3)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "timings.json").write_text(json.dumps(self.values, indent=2) + "\n")


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail(
            "Chromium not found: `make test` installs Debian's chromium package; "
            "or set CHROMIUM to a Chromium executable."
        )
    return found


def free_port() -> int:
    return int(load_script("load").free_port())


def start_server(
    log: Path,
    extra_env: dict[str, str] | None = None,
    *,
    options: tuple[str, ...] = (),
    port: int | None = None,
) -> Server:
    """``tmrplan app`` on a loopback port (a free one unless given), as `make run` starts it;
    ``options`` go on to ``streamlit run``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = {**os.environ, **(extra_env or {})}
    started = time.perf_counter()
    command = [str(Path(sys.executable).with_name("tmrplan")), "app", "--port", str(port)]
    with log.open("wb") as out:  # the server writes to its own copy; ours closes here
        process = subprocess.Popen(
            [*command, *options],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    return Server(f"http://localhost:{port}/", time.perf_counter() - started, process, log)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


# How long a step may take on a busy machine (the full suite runs beside the browser).
TIMEOUT_MS = 60_000


def show_options(page: Page) -> None:
    """Click "Show options" once the page has settled: while Streamlit reruns, the old form and
    the new one can both be on the page for a moment, and a click then matches two buttons."""
    button = page.get_by_role("button", name="Show options")
    expect(button).to_have_count(1, timeout=TIMEOUT_MS)
    button.click()


def settled_count(locator: Locator, page: Page, steady_ms: int = 500) -> int:
    """How many elements ``locator`` finds once the page has stopped adding them: Streamlit
    draws a long page in deltas, so a count taken at once can be a count of half the page."""
    last = -1
    for _ in range(TIMEOUT_MS // steady_ms):
        count = locator.count()
        if count == last:
            return count
        last = count
        page.wait_for_timeout(steady_ms)
    return last
