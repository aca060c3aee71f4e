"""Golden plans: each reference case states the options a surgeon would put first, and why.

A reference case file holds the case, its **basis** (a source with the words seen, or the
anatomical principle that decides it), the clinical expectation ``top`` — for each neuroma nerve
the donors acceptable as the first option, and donors that must not be among the first three —
and ``expected``, the whole plan pinned as a regression snapshot. The clinical expectation is
written by hand from the basis, never from the tool's output; the snapshot follows the tool:
``UPDATE_GOLDEN=1 make unit`` rewrites ``expected`` only (review the diff before committing it).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tmrplan import paths
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.model import LEVEL_IDS, Plan, parse_case
from tmrplan.planning.planner import Planner

CASES = sorted((paths.rules_dir() / "reference_cases").glob("*.json"))
INTACT_SITES = {
    "arm",
    "forearm",
    "wrist",
    "hand",
    "thigh",
    "knee",
    "leg",
    "ankle",
    "foot",
    "chest_wall",
    "abdominal_wall",
    "groin",
}  # fmt: skip  (the intact-limb sites DESIGN.md lists)
_LINK = re.compile(r"^(10\.\d{4,9}/\S+|https?://\S+)$")


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


def read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_the_golden_set_covers_every_level_every_intact_site_and_one_to_four_nerves() -> None:
    cases = [read(p)["case"] for p in CASES]
    assert len(cases) >= 45
    assert {c["level"] for c in cases} == set(LEVEL_IDS)
    assert {c["region"] for c in cases if c["level"] == "none"} >= INTACT_SITES
    assert {len(c["nerves"]) for c in cases} >= {1, 2, 3, 4}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_golden_case_states_its_basis(path: Path, kb: KnowledgeBase) -> None:
    stored = read(path)
    basis = stored.get("basis")
    assert basis, f"{path.name}: a golden case without a basis is not accepted"
    for item in basis:
        if "principle" in item:
            assert len(item["principle"].split()) >= 5, item
        else:
            source = item.get("source", "")
            assert source in kb.source_ids() or _LINK.match(source), f"unknown source {source!r}"
            assert item.get("seen", "").strip(), f"{source}: quote the words seen"
    assert stored.get("top"), f"{path.name}: name the options a surgeon would put first"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_first_options_are_those_a_surgeon_would_choose(planner: Planner, path: Path) -> None:
    stored = read(path)
    plan = planner.plan(parse_case(stored["case"]))
    by_nerve = {n.nerve.id: n for n in plan.nerves}
    for nerve_id, want in stored["top"].items():
        options = by_nerve[nerve_id].options
        assert options, f"{nerve_id}: no options"
        first = options[0]
        leaders = {first.donor_nerve.id} | {options[r - 1].donor_nerve.id for r in first.tied_with}
        assert leaders & set(want["first"]), (
            f"{nerve_id}: first option {sorted(leaders)}, expected one of {want['first']}"
        )
        top_three = {o.donor_nerve.id for o in options[:3]}
        assert not top_three & set(want.get("not_in_top_three", [])), (
            f"{nerve_id}: {sorted(top_three & set(want['not_in_top_three']))} in the top three"
        )


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_reference_case_matches_golden(planner: Planner, path: Path) -> None:
    stored = read(path)
    actual = project(planner.plan(parse_case(stored["case"])))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps({**stored, "expected": actual}, indent=1) + "\n", "utf-8")
        return
    assert "expected" in stored, f"{path.name} has no golden plan yet: run UPDATE_GOLDEN=1"
    assert actual == stored["expected"]
