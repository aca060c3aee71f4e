"""A retired card, hand-edited back to ``status: active``, counted as approved again.

What was wrong: a card was approved while its *current* content hash had an approval by someone
other than its author, anywhere in the ledger. Retiring a card changes only its status line, so
editing that line back to ``active`` restored exactly the content that had been approved, and the
later ``retire`` entry was ignored: the card ran as approved in clinical plans.

How found: issue 17 red-team item 6.

What changed: ``Ledger.approved_hashes`` counts only approvals given after the card's last
retirement; bringing a retired card back needs a new approval (status in_review, then approve).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.signers import sign_as
from tmrplan import paths
from tmrplan.governance.actions import approve, retire
from tmrplan.rules.cards import load_rulebook

CARD = "TMR-RISK-NONE"


def _rules(tmp_path: Path) -> Path:
    folder = shutil.copytree(paths.rules_dir(), tmp_path / "rules")
    card = folder / "risk_none.yaml"
    card.write_text(card.read_text().replace("status: draft", "status: in_review"))
    return folder


def _set_status(folder: Path, status: str) -> None:
    card = folder / "risk_none.yaml"
    lines = [
        f"status: {status}" if line.startswith("status:") else line
        for line in card.read_text().splitlines()
    ]
    card.write_text("\n".join(lines) + "\n")


def test_a_retirement_wins_over_a_later_hand_edit_back_to_active(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    approve(load_rulebook(rules), CARD, sign_as(rules, "Dr Reviewer", "clinical lead"))
    assert CARD in load_rulebook(rules).approved
    retire(load_rulebook(rules), CARD, sign_as(rules, "Dr Reviewer", "clinical lead"), "withdrawn")
    _set_status(rules, "active")  # by hand, no ledger entry
    book = load_rulebook(rules)
    assert book.get(CARD).status == "active"
    assert CARD not in book.approved
    assert CARD in book.unapproved  # it runs, so every plan it takes part in is a PREVIEW


def test_a_new_approval_after_the_retirement_brings_it_back(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    approve(load_rulebook(rules), CARD, sign_as(rules, "Dr Reviewer", "clinical lead"))
    retire(load_rulebook(rules), CARD, sign_as(rules, "Dr Reviewer", "clinical lead"))
    _set_status(rules, "in_review")
    approve(load_rulebook(rules), CARD, sign_as(rules, "Dr Other", "clinical lead"))
    assert CARD in load_rulebook(rules).approved
