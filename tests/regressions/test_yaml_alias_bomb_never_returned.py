"""A YAML alias bomb in a rule card (nine levels of nine aliases under a card's message) never
returned: 2.75 GB in 41 s, and on. Found by issue 17 red-team item 11. Cards may hold no anchors
or aliases (nothing shipped uses them): the parser's events are read first and the first
``&anchor`` or ``*alias`` is refused at once, naming file, line and card id.

The card is read in a child process with a timeout (and a memory cap), so that a bomb fails the
test instead of hanging the suite or exhausting the machine.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tmrplan import paths

CARD = paths.rules_dir() / "donor_redundant.yaml"
CLI = "import sys; from tmrplan.cli import main; sys.exit(main())"


def bomb() -> str:
    """The card with nine levels of nine aliases as its message (defined in the message itself,
    so that the card has no field the schema would refuse first)."""
    text = CARD.read_text(encoding="utf-8")
    levels = ['&a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"&a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    start = text.index("  message: ")
    end = text.index("\n", start)
    return f"{text[:start]}  message: [{', '.join(levels)}]\n{text[end + 1 :]}"


def cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, "-c", CLI, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=cap_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"tmrplan {' '.join(args)} still running after {timeout} s")


def test_an_alias_bomb_is_refused_at_once_naming_file_line_and_id(tmp_path: Path) -> None:
    rules = shutil.copytree(paths.rules_dir(), tmp_path / "rules")
    (rules / CARD.name).write_text(bomb(), encoding="utf-8")
    result = run_cli("--rules", str(rules), "rules", "list")
    assert result.returncode == 2, result.stderr[-2000:]
    line = bomb().split("\n").index(next(x for x in bomb().split("\n") if "&a0" in x)) + 1
    assert result.stderr.startswith(f"error: {rules / CARD.name}:{line} "), result.stderr
    assert (
        "[rule TMR-DONOR-REDUNDANT]: YAML refused: &a0: anchors and aliases are not allowed "
        "in a card (write each value out)" in result.stderr
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_an_anchor_alone_is_refused_too() -> None:
    from tmrplan.errors import RuleFileError
    from tmrplan.rules.cards import parse_card

    text = CARD.read_text(encoding="utf-8").replace("severity: info", "severity: &s info")
    with pytest.raises(
        RuleFileError, match=r"x\.yaml:\d+ \[rule TMR-DONOR-REDUNDANT\]: YAML refused: &s: anchors"
    ):
        parse_card(text, Path("rules/x.yaml"))
