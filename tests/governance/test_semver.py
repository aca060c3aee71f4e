"""Semantic versioning of rule cards: a card that changes a reference plan's output must bump its
MAJOR version.

The first test compares the committed rules and ontology (``HEAD``, or the revision in
``TMRPLAN_SEMVER_BASE``, e.g. ``origin/main`` for a branch or ``HEAD~1`` in CI, where the working
copy is HEAD) with the working copy: on a clean checkout they are the same and it passes; with
uncommitted edits to ``rules/`` or ``ontology/`` it fails with an explanation naming the card, the
reference cases and the fix.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tmrplan import paths
from tmrplan.governance.impact import compare, impact
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.planning.planner import Planner
from tmrplan.rules.cards import load_rulebook

REDUNDANT = "donor_redundant.yaml"


def in_git_checkout(folder: Path) -> bool:
    done = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def test_working_copy_changes_reference_plans_only_with_major_bumps(planner: Planner) -> None:
    if not in_git_checkout(paths.rules_dir()):
        pytest.skip("the rules are not in a git checkout: no committed HEAD to compare with")
    report = impact(os.environ.get("TMRPLAN_SEMVER_BASE") or "HEAD", planner, sweep=False)
    assert not report.violations, "semantic versioning: " + "\n".join(report.violations)


def edited_rules(target: Path, **changes: object) -> Path:
    """A copy of the shipped rules whose redundant-donor card has ``changes`` applied."""
    shutil.copytree(paths.rules_dir(), target)
    card = yaml.safe_load((target / REDUNDANT).read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key == "message":
            card["then"]["message"] = value
        else:
            card[key] = value
    (target / REDUNDANT).write_text(yaml.safe_dump(card, sort_keys=False), encoding="utf-8")
    return target


def test_a_message_edit_without_major_bump_is_a_violation(
    tmp_path: Path, kb: KnowledgeBase, planner: Planner
) -> None:
    rules = edited_rules(tmp_path / "rules", message="Redundant donor (reworded).", version="1.1.0")
    report = compare(planner, Planner(kb, load_rulebook(rules)), sweep=False)
    assert len(report.violations) == 1
    violation = report.violations[0]
    assert violation.startswith("card TMR-DONOR-REDUNDANT 1.0.0 → 1.1.0 (message changed)")
    assert "04_th_median" in violation and "make it 2.0.0" in violation
    assert "message 'Redundant donor (reworded).'" in violation


def test_a_condition_edit_without_major_bump_is_a_violation(
    tmp_path: Path, kb: KnowledgeBase, planner: Planner
) -> None:
    when = {
        "all": [
            {"fact": "actions_kept", "op": "le", "value": 0},
            {"fact": "actions_lost", "op": "gt", "value": 1},
        ]
    }
    tests = [
        {"name": "lost two", "facts": {"actions_kept": 0, "actions_lost": 2}, "expect": "fire"},
        {"name": "lost one", "facts": {"actions_kept": 0, "actions_lost": 1}, "expect": "no_fire"},
        {"name": "unknown", "facts": {}, "expect": "no_fire"},
    ]
    rules = edited_rules(tmp_path / "rules", when=when, tests=tests)
    report = compare(planner, Planner(kb, load_rulebook(rules)), sweep=False)
    assert [v.split(" changes ")[0] for v in report.violations] == [
        "card TMR-DONOR-REDUNDANT 1.0.0 → 1.0.0 (conditions, tests changed)"
    ]


def test_a_major_bump_makes_the_same_edit_legitimate(
    tmp_path: Path, kb: KnowledgeBase, planner: Planner
) -> None:
    rules = edited_rules(tmp_path / "rules", message="Redundant donor (reworded).", version="2.0.0")
    report = compare(planner, Planner(kb, load_rulebook(rules)), sweep=False)
    assert report.changed and report.violations == ()


def test_a_version_only_bump_changes_no_output(
    tmp_path: Path, kb: KnowledgeBase, planner: Planner
) -> None:
    rules = edited_rules(tmp_path / "rules", version="1.0.1")
    report = compare(planner, Planner(kb, load_rulebook(rules)), sweep=False)
    changes = [c for d in report.diffs for c in d.changes]
    assert changes and not any(c.output for c in changes)  # the flags' versions only
    assert report.violations == ()
