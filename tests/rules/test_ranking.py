"""The ranking card: reviewed data that orders options, with its own tests, refused when broken."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.signers import sign_as
from tmrplan import paths
from tmrplan.errors import RuleFileError
from tmrplan.governance.actions import approve
from tmrplan.rules.cards import load_rulebook
from tmrplan.rules.ranking import RANKING_FILE, load_ranking, parse_ranking

SHIPPED = paths.rules_dir() / RANKING_FILE


def edited(**changes: object) -> str:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data.update(changes)
    return yaml.safe_dump(data, sort_keys=False)


def test_the_shipped_card_loads_and_its_own_tests_pass() -> None:
    card = load_ranking(paths.rules_dir())
    assert card.id == "TMR-RANKING" and card.failing_tests() == []
    names = [k.name for k in card.keys]
    # The keys a surgeon weighs, in the order the issue gives: evidence, space, cost, then the
    # finer tie-breakers; nothing orders by name.
    assert names.index("published in patients") < names.index("septa crossed")
    assert names.index("septa crossed") < names.index("donor status")
    assert names.index("inconstant target") < names.index("donor status")
    assert all(k.fact != "name" for k in card.keys)
    assert all(k.sources and k.rationale for k in card.keys)


def test_ties_are_groups_and_unknown_values_come_last() -> None:
    card = load_ranking(paths.rules_dir())
    options = [
        {"septa_crossed": 0, "distance_to_entry": 1.0},
        {"septa_crossed": 0, "distance_to_entry": 1.0},
        {"distance_to_entry": 0.1},  # compartment unknown
        {"septa_crossed": 1, "distance_to_entry": 0.1},
    ]
    assert card.order(options, {}) == [[0, 1], [3], [2]]
    assert "septa crossed" in card.assess(options[2], {}).unknown


def test_a_key_that_applies_only_to_myoelectric_cases_is_skipped_otherwise() -> None:
    card = load_ranking(paths.rules_dir())
    deep, superficial = {"superficial_target": False}, {"superficial_target": True}
    assert card.order([deep, superficial], {"myoelectric_prosthesis": True}) == [[1], [0]]
    assert card.order([deep, superficial], {}) == [[0, 1]]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"keys": [{"name": "x", "fact": "nme", "prefer": True, "rationale": "r",
                    "sources": ["src_tmrplan_rules"]}]}, "unknown option fact 'nme'"),
        ({"keys": [{"name": "x", "fact": "septa_crossed", "prefer": True, "rationale": "r",
                    "sources": ["src_tmrplan_rules"]}]}, "is a number: prefer 'lower' or 'higher'"),
        ({"keys": [{"name": "x", "fact": "same_side", "prefer": "lower", "rationale": "r",
                    "sources": ["src_tmrplan_rules"]}]}, "is yes/no: prefer true or false"),
        ({"status": "retired"}, "cannot be retired"),
        ({"version": "1.0"}, "version"),
        ({"extra": 1}, "Additional properties"),
    ],
)  # fmt: skip
def test_a_broken_card_is_refused_naming_file_line_and_id(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(RuleFileError, match=message) as error:
        parse_ranking(edited(**changes), Path("rules/ranking.yaml"))
    assert "rules/ranking.yaml" in str(error.value)
    if "id" not in changes:
        assert "TMR-RANKING" in str(error.value)


def test_a_card_whose_own_test_fails_is_refused() -> None:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["keys"].reverse()  # plexus distance first: the card's own tests no longer hold
    with pytest.raises(RuleFileError, match="its own tests fail: test '"):
        parse_ranking(yaml.safe_dump(data, sort_keys=False), SHIPPED)


def test_a_ranking_key_on_a_card_that_does_not_run_is_refused(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(paths.rules_dir(), tmp_path / "rules"))
    (folder / "distal_target.yaml").unlink()
    with pytest.raises(RuleFileError, match=r"ranking\.yaml.*reads rule card 'TMR-DISTAL-TARGET'"):
        load_rulebook(folder)


def test_a_rules_directory_without_a_ranking_card_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(paths.rules_dir() / "risk_high.yaml", folder)
    with pytest.raises(RuleFileError, match=r"no ranking card \(ranking.yaml\)"):
        load_rulebook(folder)


def test_the_ranking_card_is_approved_through_the_ledger_like_a_rule_card(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(paths.rules_dir(), tmp_path / "rules"))
    card = folder / RANKING_FILE
    card.write_text(card.read_text().replace("status: draft", "status: in_review"))
    book = load_rulebook(folder)
    assert "TMR-RANKING" in book.unapproved
    approve(book, "TMR-RANKING", sign_as(folder, "Dr Reviewer", "clinical governance lead"))
    book = load_rulebook(folder)
    assert "TMR-RANKING" not in book.unapproved and book.ranking.status == "active"
    card.write_text(card.read_text().replace("title: Order of donor options", "title: Donor order"))
    assert "TMR-RANKING" in load_rulebook(folder).unapproved  # an edit voids the approval
