"""docs/ican_comparison.md holds the table scripts/ican_comparison.py prints from the live planner."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tmrplan.planning.planner import Planner

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "ican_comparison.py"


def test_the_ican_page_shows_what_the_planner_says(planner: Planner) -> None:
    spec = importlib.util.spec_from_file_location("ican_comparison", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table = module.table(planner)
    assert table.count("\n| ") == 2 + 16  # header, rule, 14 single digits and 2 hands
    assert table in module.DOC.read_text(encoding="utf-8"), "run scripts/ican_comparison.py --write"
