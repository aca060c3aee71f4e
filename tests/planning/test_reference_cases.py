"""Golden plans: every reference case's options and flags, compared with the stored expectation.

A change to any plan output fails here until the golden file is updated on purpose:
``UPDATE_GOLDEN=1 make unit`` rewrites the expectations; review the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tmrplan import paths
from tmrplan.model import LEVEL_IDS, Plan, parse_case
from tmrplan.planning.planner import Planner

CASES = sorted((paths.rules_dir() / "reference_cases").glob("*.json"))


def project(plan: Plan) -> dict[str, Any]:
    """What a golden file pins: options, statuses, risks and flags (not version hashes)."""
    return {
        "nerves": [
            {
                "nerve": n.nerve.id,
                "assigned_rank": n.assigned_rank,
                "options": [
                    [
                        o.rank,
                        o.donor_nerve.id,
                        o.target_muscle.id,
                        o.donor_status.value,
                        o.strength_loss_risk.value,
                        sorted(f.rule_id for f in o.flags),
                    ]
                    for o in n.options
                ],
            }
            for n in plan.nerves
        ],
        "case_flags": sorted(f.rule_id for f in plan.case_flags),
        "unknowns": list(plan.unknowns),
    }


def test_there_are_at_least_25_reference_cases_covering_every_level() -> None:
    cases = [json.loads(p.read_text(encoding="utf-8"))["case"] for p in CASES]
    assert len(cases) >= 25
    levels = {c["level"] for c in cases}
    assert levels == set(LEVEL_IDS)  # every amputation level, and intact limbs
    assert any(len(c["nerves"]) > 1 for c in cases) and any(len(c["nerves"]) == 1 for c in cases)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_reference_case_matches_golden(planner: Planner, path: Path) -> None:
    stored = json.loads(path.read_text(encoding="utf-8"))
    actual = project(planner.plan(parse_case(stored["case"])))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(
            json.dumps({"case": stored["case"], "expected": actual}, indent=1) + "\n",
            encoding="utf-8",
        )
        return
    assert "expected" in stored, f"{path.name} has no golden plan yet: run UPDATE_GOLDEN=1"
    assert actual == stored["expected"]
