"""Atomic exports under SIGKILL: a killed writer leaves the old file or the new one, never half."""

from __future__ import annotations

import errno
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tmrplan.atomic import write_atomically
from tmrplan.errors import OutputError

ROOT = Path(__file__).parents[2]

# Writes the payload files named on the command line to the target in turn, forever, and says
# "wrote" once the first write is complete, so the test knows a whole file exists. {write} is
# the write under test: ``write_atomically`` or, for the negative control, a naive overwrite.
WRITER = """
import itertools, sys
from pathlib import Path
from tmrplan.atomic import write_atomically
target = Path(sys.argv[1])
payloads = [Path(name).read_bytes() for name in sys.argv[2:]]
for n in itertools.count():
    data = payloads[n % len(payloads)]
    {write}
    if n == 0:
        print("wrote", flush=True)
"""
ATOMIC = WRITER.format(write="write_atomically(target, data)")
NAIVE = WRITER.format(write="target.write_bytes(data)")


def make_payloads(folder: Path, count: int = 3) -> list[Path]:
    """``count`` payloads of 3, 4, 5... MB, each opening with a line naming its generation.

    Several MB, so a write (and its fsync) lasts long enough for random kills to land inside it;
    distinct sizes and random bodies, so a prefix or a mix of two never equals a whole one.
    """
    folder.mkdir()
    files = []
    for generation in range(count):
        size = (3 + generation) * 1_000_000
        header = f"generation {generation} of {count}: {size} bytes\n".encode()
        payload = header + random.Random(generation).randbytes(size - len(header))
        files.append(folder / f"{generation}.bin")
        files[-1].write_bytes(payload)
    return files


def describe(data: bytes) -> str:
    """A short account of a file's bytes, for failure messages (not megabytes of them)."""
    return f"{len(data)} bytes starting {data[:40]!r}"


def temporaries(target: Path) -> set[str]:
    """The names of write_atomically's temporary files for ``target`` now in its folder: each
    write makes its own, ``.NAME.XXXXXXXX.tmp``, and removes it unless it is killed."""
    return {p.name for p in target.parent.glob(f".{target.name}.*.tmp")}


@dataclass
class Round:
    pid: int
    intact: bool  # the target held exactly one of the payloads after the kill
    found: str  # what it held
    left: set[str]  # temporary files that appeared during the round: the writer died in a write

    @property
    def mid_write(self) -> bool:
        return bool(self.left)


def kill_rounds(source: str, target: Path, files: list[Path], rounds: int) -> list[Round]:
    """Start a writer running ``source`` to write ``files`` in turn to ``target``, SIGKILL it at
    a random moment after its first complete write, look at the target; ``rounds`` times, each
    with a fresh writer."""
    rng = random.Random(20261124)  # seeded: the same delays every run (the scheduler varies)
    payloads = [file.read_bytes() for file in files]
    names = [str(file) for file in files]
    results = []
    for number in range(rounds):
        # Rotated, so rounds start on different payloads and the file changes on each write.
        order = names[number % len(names) :] + names[: number % len(names)]
        before = temporaries(target)
        process = subprocess.Popen(
            [sys.executable, "-c", source, str(target), *order],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert process.stdout is not None
        assert process.stdout.readline() == "wrote\n"
        # One write of 3-5 MB with its fsync takes ~10-90 ms here: 0-150 ms spans a few of them.
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()
        assert process.returncode == -signal.SIGKILL
        data = target.read_bytes()
        results.append(
            Round(
                process.pid,
                data in payloads,
                describe(data),
                temporaries(target) - before,
            )
        )
    return results


def test_a_writer_killed_at_random_leaves_a_whole_payload(tmp_path: Path) -> None:
    files = make_payloads(tmp_path / "payloads")
    target = tmp_path / "out" / "plan.md"
    target.parent.mkdir()
    results = kill_rounds(ATOMIC, target, files, rounds=15)
    print(f"{sum(r.mid_write for r in results)} of {len(results)} kills landed inside a write")
    assert [r for r in results if not r.intact] == []
    # A kill inside a write may leave that writer's temporary file, ".plan.md.XXXXXXXX.tmp",
    # beside the target (nothing removes it: it could be a live writer's). The target is intact
    # regardless, at most one file is left per kill, and nothing else appears in the folder.
    assert all(len(r.left) <= 1 for r in results), results
    left = {p.name for p in target.parent.iterdir()}
    assert left == {target.name}.union(*(r.left for r in results))
    # About half the kills land inside a write (7-13 of 15 here); if none did, the test would be
    # checking only the easy moments between writes.
    assert any(r.mid_write for r in results), results
    # After all the kills, an uninterrupted write still gives exactly the new bytes.
    write_atomically(target, b"after the kills\n")
    assert target.read_bytes() == b"after the kills\n"


def test_the_harness_catches_a_naive_writer(tmp_path: Path) -> None:
    # Negative control: the same kills against open-truncate-write. A naive writer spends nearly
    # all its time with the file empty or part-written, so over 10 rounds it is caught (if this
    # test ever fails, the harness above could no longer tell an atomic writer from a torn one).
    target = tmp_path / "plan.md"
    results = kill_rounds(NAIVE, target, make_payloads(tmp_path / "payloads"), rounds=10)
    print(f"naive writer: {sum(not r.intact for r in results)} of 10 kills left a torn file")
    assert any(not r.intact for r in results), results


# ---------------------------------------------------------------------------------------------
# the CLI: tmrplan plan --format md --output FILE

# conftest's session fixture points TMRPLAN_CACHE and TMRPLAN_AUDIT_DB into a temporary folder;
# these subprocesses inherit os.environ, so they never touch the user's cache or audit log.
OLD_CASE = ["--nerve", "median nerve", "--level", "transhumeral"]
NEW_CASE = ["--nerve", "sural nerve", "--level", "transtibial"]


def plan_command(case: list[str], output: Path) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from tmrplan.cli import main; main()",
        "plan",
        *case,
        "--format",
        "md",
        "--output",
        str(output),
    ]


def run_plan(case: list[str], output: Path) -> bytes:
    """Run ``tmrplan plan`` to the end and return what it wrote."""
    done = subprocess.run(
        plan_command(case, output), cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return output.read_bytes()


def test_the_cli_killed_at_random_leaves_the_old_export_or_the_new(tmp_path: Path) -> None:
    target = tmp_path / "plan.md"
    old = run_plan(OLD_CASE, target)  # the first run also validates the knowledge base if needed
    started = time.monotonic()
    new = run_plan(NEW_CASE, tmp_path / "reference.md")
    duration = time.monotonic() - started  # one whole run: ~2 s, ~1.3 s of it loading
    assert old != new and old.startswith(b"# TMR planning options")
    rng = random.Random(20261124)
    # One kill in each fifth of a run (loading, planning, writing, exiting).
    delays = [(fifth + rng.random()) / 5 * duration for fifth in range(5)]
    outcomes = []
    for delay in delays:
        target.write_bytes(old)  # each round overwrites a whole previous export
        before = temporaries(target)
        process = subprocess.Popen(
            plan_command(NEW_CASE, target),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)  # harmless if it has already exited: not reaped
        process.wait()
        data = target.read_bytes()
        assert data in (old, new), (delay, describe(data))
        mid_write = bool(temporaries(target) - before)
        outcomes.append((round(delay, 2), "new" if data == new else "old", mid_write))
    print(f"one run {duration:.2f} s; kills (delay, file after, mid-write): {outcomes}")
    # After the kills, an uninterrupted run over the old export gives the new one, byte for
    # byte. This also checks that "the new export" is one fixed file: the md export carries no
    # date or other per-run stamp, so two runs of one case are identical.
    target.write_bytes(old)
    assert run_plan(NEW_CASE, target) == new


# ---------------------------------------------------------------------------------------------
# one process: threads, permissions, symlinks, interruptions


def test_threads_writing_one_file_never_tear_it(tmp_path: Path) -> None:
    # The Streamlit server writes from many threads. Two writers, each rewriting the target with
    # its own 1-2 MB payload, and a reader: each write ends whole, and the reader only ever sees
    # a whole payload. (With one temporary name per process, ".NAME.PID.tmp", one thread's
    # open() emptied the other's temporary file before its rename: torn files and errors.)
    target = tmp_path / "plan.md"
    payloads = [
        b"writer %d\n" % n + random.Random(n).randbytes(1_000_000 + 500_000 * n) for n in range(2)
    ]
    target.write_bytes(payloads[0])
    writes = 40
    failures: list[str] = []
    done = threading.Event()

    def writer(payload: bytes) -> None:
        for _ in range(writes):
            try:
                write_atomically(target, payload)
            except Exception as error:  # noted, and on with the next write
                failures.append(repr(error))
            if (data := target.read_bytes()) not in payloads:
                failures.append(f"after a write: {describe(data)}")

    def reader() -> None:
        try:
            while not done.is_set():
                if (data := target.read_bytes()) not in payloads:
                    failures.append(f"reader saw {describe(data)}")
        except Exception as error:  # a thread's exception would not fail the test by itself
            failures.append(f"reader: {error!r}")

    watcher = threading.Thread(target=reader)
    writers = [threading.Thread(target=writer, args=(payload,)) for payload in payloads]
    watcher.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    watcher.join()
    assert failures == [], f"{len(failures)} failures, first {failures[:3]}"
    assert target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664], ids=oct)
def test_an_existing_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "plan.md"
    target.write_text("old")
    target.chmod(mode)
    write_atomically(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize(
    ("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)], ids=["022", "027", "077"]
)
def test_a_new_file_gets_the_mode_open_would_give_it(tmp_path: Path, umask: int, mode: int) -> None:
    # Not mkstemp's 0600: a new rules/approvals.jsonl must be readable wherever the cards are.
    previous = os.umask(umask)
    try:
        write_atomically(tmp_path / "plan.md", "new")
        (tmp_path / "plain.md").write_text("new")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "plan.md").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "plain.md").stat().st_mode) == mode


def test_a_symlink_at_a_guessable_temporary_name_is_not_followed(tmp_path: Path) -> None:
    # The old temporary name, ".NAME.PID.tmp", could be guessed: a symlink planted there made
    # the write go through it into another file. Now the name is fresh and created exclusively.
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours")
    target = tmp_path / "plan.md"
    planted = tmp_path / f".{target.name}.{os.getpid()}.tmp"
    planted.symlink_to(victim)
    write_atomically(target, "# plan")
    assert victim.read_text() == "not yours"
    assert planted.is_symlink() and planted.readlink() == victim
    assert not target.is_symlink() and target.read_text() == "# plan"
    assert temporaries(target) == {planted.name}  # and no temporary file of its own left


@pytest.mark.parametrize(
    "interruption",
    [KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device")],
    ids=["KeyboardInterrupt", "OSError"],
)
def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interruption: BaseException
) -> None:
    target = tmp_path / "plan.md"
    target.write_text("old")

    def fail(descriptor: int) -> None:
        raise interruption

    monkeypatch.setattr(os, "fsync", fail)  # the temporary file is written, not yet renamed
    expected = OutputError if isinstance(interruption, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as caught:
        write_atomically(target, "new" * 1000)
    if expected is OutputError:
        assert str(target) in str(caught.value) and "No space left" in str(caught.value)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


@pytest.mark.parametrize(
    ("error", "outcome"),
    [(None, "ok"), (errno.EINVAL, "ok"), (errno.EIO, "error")],
    ids=["synced", "cannot-sync-folders", "io-error"],
)
def test_the_folder_is_synced_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: int | None, outcome: str
) -> None:
    target = tmp_path / "plan.md"
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        if stat.S_ISDIR(os.fstat(descriptor).st_mode):
            synced.append("folder, holding " + ",".join(p.name for p in tmp_path.iterdir()))
            if error is not None:
                raise OSError(error, os.strerror(error))
        else:
            synced.append("file")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    if outcome == "ok":
        write_atomically(target, "new")
    else:
        # The file is whole and in place, but its name may not survive a power cut: said so.
        with pytest.raises(OutputError, match=r"plan\.md.*folder could not be synced"):
            write_atomically(target, "new")
    assert synced == ["file", "folder, holding plan.md"]  # the folder after the rename
    assert target.read_text() == "new"
