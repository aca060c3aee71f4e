"""Plans and exports did not say which approvals ledger they were made under.

What was wrong: a ledger's checkpoint shows entries cut off later, but a plan filed in a record
carried only the rules version, so nothing outside the rules folder could show that an approval
the plan rested on was removed afterwards.

How found: issue 17 red-team item 8 ("record the head hash and count … on every export and plan").

What changed: the rule book keeps the ledger's head (count and newest hash); every plan carries
it, the JSON as ``approvals_ledger`` and the surgeon's report (Markdown, PDF) beside the versions.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from tests.signers import sign_as
from tmrplan.cli import main
from tmrplan.rules.ledger import LEDGER_FILE, Ledger, load_ledger

ROOT = Path(__file__).resolve().parents[2]


def plan(rules: Path, fmt: str) -> str:
    args = ["--rules", str(rules), "plan", "--nerve", "median nerve", "--level", "transhumeral"]
    result = CliRunner().invoke(main, [*args, "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_plan_carries_the_head_of_the_ledger_it_was_made_under(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    before = json.loads(plan(rules, "json"))["approvals_ledger"]
    ledger = load_ledger(rules)
    Ledger(rules / LEDGER_FILE, ledger.entries).append(
        signer=sign_as(rules, "B. Reviewer", "surgeon"), action="comment", card_id="TMR-RISK-NONE",
        version="1.0.0", content_hash="c" * 64, text="read",
    )  # fmt: skip
    head = load_ledger(rules).head
    after = json.loads(plan(rules, "json"))["approvals_ledger"]
    assert after == {"count": head.count, "head": head.head}
    assert after["count"] == before["count"] + 1 and after["head"] != before["head"]
    report = plan(rules, "md")
    assert f"approvals ledger {head.count} entries, head {head.head[:12]}" in report
