"""``--output`` replaced a device node, a FIFO or a symlink to one with a regular file (as root,
``--output /dev/null`` would have replaced the system's), and legal file names of 242-255 bytes
failed with "File name too long" because the temporary name beside them (``.NAME.XXXXXXXX.tmp``)
was 14 bytes longer. Found by issue 17 red-team item 13. ``write_atomically`` now refuses a
target that is not a regular file (exit 2, the target left as it was) and cuts the name inside
the temporary name to fit the folder's limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from tmrplan.atomic import write_atomically
from tmrplan.cli import context as cli_context
from tmrplan.cli import main
from tmrplan.errors import OutputError
from tmrplan.planning.planner import Planner

PLAN = ["plan", "--nerve", "sural nerve", "--level", "transtibial", "--output"]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, planner: Planner):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli_context, "load_planner", lambda ontology, rules: planner)

    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args))
        return result.exit_code, result.output

    return invoke


def test_a_fifo_is_refused_and_left_a_fifo(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "plan.txt"
    os.mkfifo(target)
    code, out = run(*PLAN, str(target))
    assert code == 2, out
    assert f"cannot write {str(target)!r}: it is a FIFO (named pipe), not a regular file" in out
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.txt"]  # no temporary left


def test_a_symlink_to_a_device_is_refused_and_left_a_symlink(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "null"
    target.symlink_to("/dev/null")
    code, out = run(*PLAN, str(target))
    assert code == 2, out
    assert "it is a character device, not a regular file to replace" in out
    assert target.is_symlink() and os.readlink(target) == "/dev/null"


def test_a_device_node_is_refused_and_left_a_device(tmp_path: Path) -> None:
    target = tmp_path / "null"
    try:
        os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
    except PermissionError:
        pytest.skip("making a device node needs root")
    with pytest.raises(OutputError, match="it is a character device"):
        write_atomically(target, "plan")
    assert stat.S_ISCHR(os.lstat(target).st_mode)


@pytest.mark.parametrize("length", [241, 242, 250, 255])
def test_names_up_to_the_longest_legal_one_are_written(tmp_path: Path, length: int) -> None:
    target = tmp_path / ("p" * (length - 3) + ".md")
    write_atomically(target, "# plan")
    assert target.read_text() == "# plan"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_long_name_of_many_byte_characters_is_written(tmp_path: Path) -> None:
    target = tmp_path / ("é" * 125 + ".md")  # 253 bytes
    write_atomically(target, "# plan")
    assert target.read_text() == "# plan"


def test_the_command_line_writes_a_255_byte_name(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / ("p" * 251 + ".txt")
    code, out = run(*PLAN, str(target))
    assert code == 0, out
    assert "sural nerve" in target.read_text()
