"""The review steps around an approval: a draft submitted for review (in the core and on the
command line), an approval or retirement refused when the card changed since it was read, and
the impact report saying how many triples it leaves out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.signers import sign_as
from tmrplan import paths
from tmrplan.cli import main
from tmrplan.errors import RuleFileError
from tmrplan.governance.actions import (
    approve,
    check_approve,
    check_retire,
    retire,
    submit_for_review,
)
from tmrplan.governance.impact.records import ImpactReport
from tmrplan.governance.impact.report import TRIPLES_SHOWN, to_markdown, to_text
from tmrplan.rules.cards import load_rulebook
from tmrplan.rules.ledger import load_ledger

AUTHOR = "tmrplan maintainers (draft)"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A private copy of the shipped rules, drafts as shipped."""
    return shutil.copytree(paths.rules_dir(), tmp_path / "rules")


def test_a_draft_submitted_for_review_can_then_be_approved(rules: Path) -> None:
    book = load_rulebook(rules)
    with pytest.raises(RuleFileError, match="in_review first"):
        check_approve(book, "TMR-RISK-NONE", sign_as(rules, "Dr Reviewer"))
    entry = submit_for_review(
        book, "TMR-RISK-NONE", sign_as(rules, AUTHOR, "author"), "please review"
    )
    after = load_rulebook(rules)
    card = after.get("TMR-RISK-NONE")
    assert card.status == "in_review" and entry.content_hash == card.content_hash
    assert (entry.action, entry.who, entry.text) == ("submit", AUTHOR, "please review")
    assert 'status: "in_review"' in (rules / "risk_none.yaml").read_text()
    # Only a draft is submitted; the author still cannot approve it.
    with pytest.raises(RuleFileError, match="'in_review' cannot be submitted for review"):
        submit_for_review(after, "TMR-RISK-NONE", sign_as(rules, AUTHOR, "author"))
    with pytest.raises(RuleFileError, match="author"):
        check_approve(after, "TMR-RISK-NONE", sign_as(rules, AUTHOR, "author"))
    approve(
        after, "TMR-RISK-NONE", sign_as(rules, "Dr Reviewer", "lead"), read_hash=card.content_hash
    )
    assert "TMR-RISK-NONE" in load_rulebook(rules).approved
    assert [e.action for e in load_ledger(rules).entries] == ["submit", "approve"]


def test_approve_and_retire_refuse_a_card_changed_since_it_was_read(rules: Path) -> None:
    book = load_rulebook(rules)
    submit_for_review(book, "TMR-RISK-NONE", sign_as(rules, AUTHOR, "author"))
    book = load_rulebook(rules)
    stale = "0" * 64
    with pytest.raises(RuleFileError, match="changed since it was read"):
        approve(book, "TMR-RISK-NONE", sign_as(rules, "Dr Reviewer", "lead"), read_hash=stale)
    with pytest.raises(RuleFileError, match="changed since it was read"):
        retire(book, "TMR-RISK-NONE", sign_as(rules, "Dr Reviewer", "lead"), read_hash=stale)
    assert [e.action for e in load_ledger(rules).entries] == ["submit"]
    assert load_rulebook(rules).get("TMR-RISK-NONE").status == "in_review"


def test_a_retired_card_and_the_ranking_card_cannot_be_retired(rules: Path) -> None:
    book = load_rulebook(rules)
    retire(book, "TMR-SIZE-MISMATCH", sign_as(rules, "Dr Reviewer", "lead"))
    with pytest.raises(RuleFileError, match="retired already"):
        check_retire(load_rulebook(rules), "TMR-SIZE-MISMATCH")
    with pytest.raises(RuleFileError, match="ranking card cannot be retired"):
        check_retire(book, book.ranking.id)


def test_cli_submits_a_draft_for_review(rules: Path) -> None:
    runner = CliRunner()
    base = ["--rules", str(rules), "rules"]
    who = ["--key", str(sign_as(rules, AUTHOR, "author").key_path)]
    result = runner.invoke(main, [*base, "submit", "TMR-RISK-NONE", *who, "--note", "ready"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("submitted TMR-RISK-NONE v1.0.0 (")
    assert load_rulebook(rules).get("TMR-RISK-NONE").status == "in_review"
    again = runner.invoke(main, [*base, "submit", "TMR-RISK-NONE", *who])
    assert again.exit_code == 2, again.output
    assert "only a draft can" in again.output
    unknown = runner.invoke(main, [*base, "submit", "TMR-RISK-NONX", *who])
    assert unknown.exit_code == 2 and "TMR-RISK-NONE" in unknown.output


def test_the_impact_report_says_how_many_triples_it_shows() -> None:
    versions = {side: {"kb": "k", "rules": "r"} for side in ("base", "current")}
    added = tuple(f"tmr:A{i} tmr:p tmr:B" for i in range(192))
    report = ImpactReport(
        "HEAD", "working copy", versions, (), added, ("tmr:X tmr:p tmr:Y",), 3, 0, ()
    )
    text = to_text(report)
    assert f"{TRIPLES_SHOWN} of 192 added triples shown" in text
    assert f"… and {192 - TRIPLES_SHOWN} more added triple(s)" in text
    assert text.count("added: tmr:A") == TRIPLES_SHOWN
    # Under the limit, every triple is listed and nothing says "of".
    assert "removed triples shown" not in text and "removed: tmr:X tmr:p tmr:Y" in text
    assert f"{TRIPLES_SHOWN} of 192 added triples shown" in to_markdown(report)
