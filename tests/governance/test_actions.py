"""Review workflow: the approvals ledger, status at run time, PREVIEW plans, overdue reviews."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.signers import sign_as
from tmrplan import paths
from tmrplan.cli import main
from tmrplan.errors import OutputError, RuleFileError, UnknownEntityError
from tmrplan.governance.actions import approve, comment, retire
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.model import Case
from tmrplan.planning.planner import Planner
from tmrplan.render.plan import to_json_dict, to_text
from tmrplan.render.plan_report import to_markdown
from tmrplan.rules.cards import RuleBook, load_rulebook
from tmrplan.rules.ledger import LEDGER_FILE, load_ledger

AUTHOR = "tmrplan maintainers (draft)"
CASE = Case(("sural nerve",), "transtibial")


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A private copy of the shipped rules, every card put in review."""
    folder = shutil.copytree(paths.rules_dir(), tmp_path / "rules")
    for card in folder.glob("*.yaml"):
        card.write_text(card.read_text().replace("status: draft", "status: in_review"))
    return folder


def approve_all(folder: Path, who: str = "Dr Reviewer") -> RuleBook:
    book = load_rulebook(folder)
    for card in (c for c in book.governed if c.status != "retired"):
        approve(book, card.id, sign_as(folder, who, "clinical governance lead"))
    return load_rulebook(folder)


def test_shipped_rules_are_unapproved_so_every_plan_is_preview(kb: KnowledgeBase) -> None:
    book = load_rulebook()
    assert not book.approved
    plan = Planner(kb, book).plan(CASE)
    running = {c.id for c in book.running} | {book.ranking.id}
    assert plan.is_preview and set(plan.preview_cards) == running
    assert to_text(plan).splitlines()[2].startswith("PREVIEW: built with 26 rule card(s)")
    assert to_markdown(plan).startswith("# TMR planning options — PREVIEW")
    assert to_json_dict(plan)["preview"] is True


def test_approval_by_another_person_makes_the_card_active_and_approved(rules: Path) -> None:
    book = load_rulebook(rules)
    entry = approve(
        book, "TMR-RISK-NONE", sign_as(rules, "Dr Reviewer", "clinical lead"), "checked"
    )
    after = load_rulebook(rules)
    card = after.get("TMR-RISK-NONE")
    assert (card.status, card.reviewer) == ("active", "Dr Reviewer")
    assert entry.content_hash == card.content_hash and entry.action == "approve"
    assert after.approved == {"TMR-RISK-NONE"}
    assert after.approval_state(card) == "approved"


def test_all_cards_approved_gives_a_clinical_plan(rules: Path, kb: KnowledgeBase) -> None:
    plan = Planner(kb, approve_all(rules)).plan(CASE)
    assert not plan.is_preview
    assert "PREVIEW" not in to_text(plan) and "PREVIEW" not in to_markdown(plan)
    assert to_json_dict(plan)["preview_cards"] == []


@pytest.mark.parametrize(
    "who", [AUTHOR, "TMRPLAN maintainers  (draft)", " tmrplan maintainers (draft) "]
)
def test_an_author_cannot_approve_their_own_card(rules: Path, who: str) -> None:
    with pytest.raises(RuleFileError, match="author") as caught:
        approve(load_rulebook(rules), "TMR-RISK-NONE", sign_as(rules, who, "clinical lead"))
    assert caught.value.rule_id == "TMR-RISK-NONE"
    assert not (rules / LEDGER_FILE).exists()


def test_a_draft_cannot_be_approved(rules: Path) -> None:
    card = rules / "risk_none.yaml"
    card.write_text(card.read_text().replace("status: in_review", "status: draft"))
    with pytest.raises(RuleFileError, match="in_review first"):
        approve(
            load_rulebook(rules), "TMR-RISK-NONE", sign_as(rules, "Dr Reviewer", "clinical lead")
        )


def test_editing_an_approved_card_voids_its_approval(rules: Path, kb: KnowledgeBase) -> None:
    approve_all(rules)
    card = rules / "risk_none.yaml"
    text = card.read_text()
    card.write_text(
        re.sub(r"^rationale: (.*)$", r"rationale: \1 Edited.", text, count=1, flags=re.M)
    )
    book = load_rulebook(rules)
    assert "TMR-RISK-NONE" not in book.approved
    assert "no approval of this content" in book.approval_state(book.get("TMR-RISK-NONE"))
    assert Planner(kb, book).plan(CASE).preview_cards == ("TMR-RISK-NONE",)


def test_layout_and_comments_do_not_void_an_approval(rules: Path) -> None:
    approve_all(rules)
    card = rules / "risk_none.yaml"
    card.write_text("# reviewed at the March meeting\n" + card.read_text() + "\n\n")
    assert "TMR-RISK-NONE" in load_rulebook(rules).approved


def test_retired_cards_stop_running_and_leave_the_preview_list(
    rules: Path, kb: KnowledgeBase
) -> None:
    book = approve_all(rules)
    retire(book, "TMR-SIZE-MISMATCH", sign_as(rules, "Dr Reviewer", "clinical lead"), "superseded")
    after = load_rulebook(rules)
    assert after.get("TMR-SIZE-MISMATCH").status == "retired"
    assert "TMR-SIZE-MISMATCH" not in {c.id for c in after.running}
    assert not Planner(kb, after).plan(CASE).is_preview


def test_comments_are_recorded_without_changing_the_card(rules: Path) -> None:
    before = (rules / "risk_none.yaml").read_text()
    comment(
        load_rulebook(rules),
        "TMR-RISK-NONE",
        sign_as(rules, "Dr Reviewer", "clinical lead"),
        "cite Dumanian?",
    )
    assert (rules / "risk_none.yaml").read_text() == before
    [entry] = load_ledger(rules).entries
    assert (entry.action, entry.text, entry.seq) == ("comment", "cite Dumanian?", 1)


def test_unknown_card_ids_are_named_with_close_ids(rules: Path) -> None:
    with pytest.raises(UnknownEntityError, match="TMR-RISK-NONE"):
        approve(
            load_rulebook(rules), "TMR-RISK-NON", sign_as(rules, "Dr Reviewer", "clinical lead")
        )


@pytest.mark.parametrize("damage", ["edit", "delete", "swap"])
def test_a_tampered_ledger_stops_loading_naming_file_and_line(rules: Path, damage: str) -> None:
    approve_all(rules)
    path = rules / LEDGER_FILE
    lines = path.read_text().splitlines()
    if damage == "edit":
        lines[3] = lines[3].replace("Dr Reviewer", "Dr Someone Else")
    elif damage == "delete":
        del lines[3]
    else:
        lines[3], lines[4] = lines[4], lines[3]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RuleFileError) as caught:
        load_rulebook(rules)
    assert caught.value.path == str(path) and caught.value.line == 4
    assert "chain broken" in str(caught.value)


def test_cli_approve_comment_retire_and_list(rules: Path) -> None:
    runner = CliRunner()
    base = ["--rules", str(rules), "rules"]
    who = ["--key", str(sign_as(rules, "Dr Reviewer", "clinical lead").key_path)]
    done = runner.invoke(main, [*base, "approve", "TMR-RISK-NONE", *who])
    assert done.exit_code == 0, done.output
    assert "approved TMR-RISK-NONE v1.0.0" in done.output
    assert "signed as clinical lead/dr.reviewer" in done.output
    author = ["--key", str(sign_as(rules, AUTHOR, "x").key_path)]
    own = runner.invoke(main, [*base, "approve", "TMR-RISK-LOW", *author])
    assert own.exit_code == 2 and "author" in own.output
    assert runner.invoke(main, [*base, "comment", "TMR-RISK-LOW", *who, "why 2?"]).exit_code == 0
    assert runner.invoke(main, [*base, "retire", "TMR-SIZE-MISMATCH", *who]).exit_code == 0
    listing = json.loads(runner.invoke(main, [*base, "list", "--format", "json"]).output)
    states = {row["id"]: (row["status"], row["approval"]) for row in listing}
    assert states["TMR-RISK-NONE"] == ("active", "approved")
    assert states["TMR-SIZE-MISMATCH"][0] == "retired"
    assert [e.action for e in load_ledger(rules).entries] == ["approve", "comment", "retire"]


def test_check_reports_overdue_reviews_and_approval_count(rules: Path) -> None:
    card = rules / "risk_none.yaml"
    card.write_text(
        re.sub(r"^review_due: .*$", "review_due: 2020-01-31", card.read_text(), flags=re.M)
    )
    result = CliRunner().invoke(main, ["--rules", str(rules), "check"])
    assert result.exit_code == 0, result.output
    assert "review overdue: TMR-RISK-NONE v1.0.0 (due 2020-01-31)" in result.output
    assert "0 of 25 running card(s) approved; plans are PREVIEW" in result.output


def test_a_comment_with_a_unicode_line_separator_keeps_the_ledger_loadable(rules: Path) -> None:
    comment(
        load_rulebook(rules),
        "TMR-RISK-NONE",
        sign_as(rules, "Dr Reviewer", "lead"),
        "first\u2028second",
    )
    assert load_ledger(rules).entries[0].text == "first\u2028second"


def test_actions_at_the_same_time_lose_no_ledger_entry(rules: Path) -> None:
    # The app's sessions and the command line may act at once; each action reads the ledger
    # and writes it back, so without the folder's lock one of two entries would vanish.
    import threading

    start = threading.Barrier(12)
    failures: list[BaseException] = []

    signers = [sign_as(rules, f"Reviewer {n}", "surgeon") for n in range(12)]

    def act(number: int) -> None:
        try:
            start.wait(timeout=30)
            comment(load_rulebook(rules), "TMR-RISK-LOW", signers[number], "ok?")
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=act, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    ledger = load_ledger(rules)
    assert sorted(e.who for e in ledger.entries) == sorted(f"Reviewer {n}" for n in range(12))
    assert [e.seq for e in ledger.entries] == list(range(1, 13))


def test_a_rules_folder_gone_since_loading_is_an_error_naming_it(rules: Path) -> None:
    book = load_rulebook(rules)
    signer = sign_as(rules, "Dr Reviewer", "surgeon")
    shutil.rmtree(rules)
    with pytest.raises(OutputError, match=r"cannot write to the rules folder .*rules"):
        comment(book, "TMR-RISK-LOW", signer, "ok?")
