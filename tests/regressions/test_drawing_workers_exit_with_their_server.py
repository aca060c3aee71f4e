"""A server stopped while its diagram workers were warming up left them running with no parent
(seen after the browser tests' cold-start run, once start-up got faster): a signalled or killed
server never shuts its pool down. Each worker now ends when its parent is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

SERVER = """
import os, sys
from tmrplan.render import drawing
pool = drawing._executor()
drawing.warm_up()
print(" ".join(str(p) for p in pool._processes), flush=True)
sys.stdin.read()  # wait until killed
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split(") ")[1][0] != "Z"  # a zombie has ended


def test_workers_end_when_their_server_is_killed() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as server:
        assert server.stdout is not None
        workers = [int(p) for p in server.stdout.readline().split()]
        assert workers and all(alive(p) for p in workers)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(p) for p in workers):
        time.sleep(0.2)
    left = [p for p in workers if alive(p)]
    for pid in left:  # leave nothing running, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == []
