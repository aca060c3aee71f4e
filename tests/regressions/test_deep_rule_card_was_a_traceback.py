"""A rule card nested 20,000 deep stopped every command with a RecursionError traceback (exit 1):
PyYAML's composer and constructor recurse once or more per level. Found by issue 17 red-team
item 10. The parser's events are now read first, in a loop, and a card nested more than 32 deep
is refused before anything is built: exit 2 naming the file, the line and the card's id.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tmrplan import paths
from tmrplan.cli import main
from tmrplan.errors import RuleFileError
from tmrplan.rules.cards import parse_card

CARD = paths.rules_dir() / "donor_redundant.yaml"


def nested(depth: int, flow: bool = True) -> str:
    text = CARD.read_text(encoding="utf-8")
    assert "  facts: {}\n" in text
    if flow:
        return text.replace("  facts: {}\n", f"  facts: {'[' * depth}{']' * depth}\n")
    block = "".join(f"{' ' * (2 + i)}- \n" for i in range(depth))
    return text.replace("  facts: {}\n", f"  facts:\n{block}")


@pytest.mark.parametrize("flow", [True, False])
def test_a_card_nested_deep_is_refused_with_file_line_and_id(flow: bool) -> None:
    text = nested(20_000 if flow else 1_000, flow)
    with pytest.raises(
        RuleFileError,
        match=r"^rules/x\.yaml:\d+ \[rule TMR-DONOR-REDUNDANT\]: YAML refused: nested more "
        r"than 32 deep$",
    ):
        parse_card(text, Path("rules/x.yaml"))


def test_the_command_line_exits_2_without_a_traceback(tmp_path: Path) -> None:
    rules = shutil.copytree(paths.rules_dir(), tmp_path / "rules")
    (rules / CARD.name).write_text(nested(20_000), encoding="utf-8")
    result = CliRunner().invoke(main, ["--rules", str(rules), "rules", "list"])
    assert result.exit_code == 2, result.output[-2000:]
    assert f"{rules / CARD.name}:" in result.output
    assert "[rule TMR-DONOR-REDUNDANT]: YAML refused: nested more than 32 deep" in result.output
    assert "Traceback" not in result.output


def test_a_card_nested_to_the_limit_is_read_as_before() -> None:
    # 32 levels in all: the card, "tests", a test, "facts" is the fourth.
    with pytest.raises(RuleFileError, match="facts"):  # refused for its meaning, not its depth
        parse_card(nested(28), Path("rules/x.yaml"))
