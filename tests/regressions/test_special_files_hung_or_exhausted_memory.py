"""``--cases /dev/zero``, a ``.ttl`` or rule card that is ``/dev/zero``, or a FIFO made tmrplan
exhaust its memory or hang for ever: every reader read the whole file, whatever it was. Found by
issue 17 red-team item 9. Every input file is now read through ``tmrplan.files``: a folder,
FIFO, device or socket is refused at once (exit 2, naming the path), and a regular file larger
than its limit is refused with the way to raise the limit (``TMRPLAN_MAX_INPUT_MB``).

The CLI runs in a child process with a timeout, so that a hang fails the test instead of
hanging the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tmrplan import paths
from tmrplan.errors import KnowledgeBaseError, RuleFileError
from tmrplan.knowledge.parsing import read_turtle
from tmrplan.rules.cards import load_rulebook

CLI = "import sys; from tmrplan.cli import main; sys.exit(main())"


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, "-c", CLI, *args], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"tmrplan {' '.join(args)} still running after {timeout} s (a hang)")


def special(kind: str, target: Path) -> Path:
    """A FIFO, a symlink to /dev/zero, or a folder, at ``target``."""
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "zero":
        target.symlink_to("/dev/zero")
    else:
        target.mkdir()
    return target


WORDS = {"fifo": "is a FIFO (named pipe)", "zero": "is a character device", "folder": "is a folder"}


@pytest.mark.parametrize("kind", ["fifo", "zero", "folder"])
def test_an_ontology_file_that_is_not_a_regular_file_is_refused(
    make_ontology: Callable[..., Path], kind: str
) -> None:
    ontology = make_ontology()
    bad = special(kind, ontology / "anatomy" / "zz.ttl")
    result = run_cli("--ontology", str(ontology), "check")
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"error: {bad}: {WORDS[kind]}, not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "zero", "folder"])
def test_a_rule_card_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    rules = shutil.copytree(paths.rules_dir(), tmp_path / "rules")
    bad = special(kind, rules / "zz.yaml")
    result = run_cli("--rules", str(rules), "rules", "list")
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"error: {bad}: {WORDS[kind]}, not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_batch_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    cases = Path("/dev/zero") if kind == "zero" else special(kind, tmp_path / "cases.jsonl")
    result = run_cli("plan", "--cases", str(cases), "--format", "jsonl")
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"error: {cases}: {WORDS[kind]}, not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


def test_files_over_their_limit_are_refused_with_the_way_to_raise_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    turtle = tmp_path / "big.ttl"
    turtle.write_text("# " + "x" * 4096 + "\n", encoding="utf-8")
    monkeypatch.setenv("TMRPLAN_MAX_INPUT_MB", "0.001")  # about 1 kB
    with pytest.raises(
        KnowledgeBaseError,
        match=r"big\.ttl: larger than 1048 bytes, the limit for a Turtle file "
        r"\(set TMRPLAN_MAX_INPUT_MB to raise it\)",
    ):
        read_turtle(turtle)
    rules = shutil.copytree(paths.rules_dir(), tmp_path / "rules")
    with pytest.raises(
        RuleFileError, match=r"\.yaml: larger than 1048 bytes, the limit for a rule"
    ):
        load_rulebook(rules)
    monkeypatch.setenv("TMRPLAN_MAX_INPUT_MB", "1")  # the override raises the limit again
    assert read_turtle(turtle) == ([], {})


def test_the_override_must_be_a_positive_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    turtle = tmp_path / "a.ttl"
    turtle.write_text("", encoding="utf-8")
    monkeypatch.setenv("TMRPLAN_MAX_INPUT_MB", "lots")
    with pytest.raises(Exception, match=r"TMRPLAN_MAX_INPUT_MB must be a positive number"):
        read_turtle(turtle)


def test_a_batch_line_over_the_limit_is_reported_and_the_rest_runs(tmp_path: Path) -> None:
    good = json.dumps({"level": "transtibial", "nerves": ["sural nerve"]})
    cases = tmp_path / "cases.jsonl"
    cases.write_text(f"{good}\n{'9' * (3 << 19)}\n{good}\n", encoding="utf-8")  # 1.5 MiB
    result = run_cli("plan", "--cases", str(cases), "--format", "jsonl")
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.splitlines() == [
        f"error: {cases}:2: larger than 1 MiB, the limit for a batch line "
        "(set TMRPLAN_MAX_INPUT_MB to raise it)"
    ]
    assert len(result.stdout.splitlines()) == 2
