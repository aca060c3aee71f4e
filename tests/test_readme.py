"""The README's example is real: its command runs and prints the lines the README shows."""

from __future__ import annotations

import shlex
from pathlib import Path

from click.testing import CliRunner

from tmrplan.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_example_output_is_true() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- readme-example -->")[1].split("<!-- /readme-example -->")[0]
    lines = [line for line in block.splitlines() if line and not line.startswith("```")]
    command, shown = lines[0], lines[1:]
    assert command.startswith("$ tmrplan ")
    result = CliRunner().invoke(main, shlex.split(command)[2:])
    assert result.exit_code == 0, result.output
    actual = result.output.splitlines()
    for line in shown:
        assert line in actual, f"README shows a line the command no longer prints: {line!r}"


def test_readme_first_screen_gives_the_two_commands() -> None:
    first_screen = "\n".join(README.read_text(encoding="utf-8").splitlines()[:12])
    assert "make run" in first_screen and "make test" in first_screen


def test_readme_map_names_every_module_in_its_package() -> None:
    """'Where things are' stays the map of the package: each module is named in its package's
    entry, so that a newcomer finds their room from it."""
    text = README.read_text(encoding="utf-8")
    block = text.split("## Where things are")[1].split("```")[1]
    words = {
        w.strip(",;:") for w in block.replace("·", " ").replace("(", " ").replace(")", " ").split()
    }
    package = README.parent / "tmrplan"
    modules = {
        path.stem
        for path in package.rglob("*.py")
        if path.stem != "__init__" and "pages" not in path.relative_to(package).parts
    }
    missing = sorted(m for m in modules if m not in words and f"{m}/" not in words)
    assert not missing, f"modules the README's map does not name: {missing}"
