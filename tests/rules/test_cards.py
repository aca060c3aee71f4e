"""Rule cards: malformed cards fail at load naming file, line, rule id and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tmrplan import paths
from tmrplan.errors import RuleFileError
from tmrplan.rules.cards import load_rulebook, parse_card

REDUNDANT = paths.rules_dir() / "donor_redundant.yaml"


def card_text(**changes: object) -> str:
    data = yaml.safe_load(REDUNDANT.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return yaml.safe_dump(data, sort_keys=False)


def parse(text: str) -> object:
    return parse_card(text, Path("rules/x.yaml"), frozenset({"src_TMR_leaflet"}))


def test_shipped_cards_load_and_every_card_has_the_three_kinds_of_test() -> None:
    book = load_rulebook()
    assert len(book.cards) >= 19
    assert book.version.startswith(f"{len(book.cards)} cards @1.0.0,2.0.0+")  # one retired at 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"when": {"all": [{"fact": "actions_kep", "op": "eq", "value": 0}]}},
            "unknown fact 'actions_kep'",
        ),
        (
            {"when": {"all": [{"fact": "actions_kept", "op": "equals", "value": 0}]}},
            "unknown operator 'equals'",
        ),
        (
            {"when": {"all": [{"fact": "actions_kept", "op": "eq", "value": "none"}]}},
            "is int; 'none' is not",
        ),
        (
            {"when": {"all": [{"fact": "only_supply", "op": "gt", "value": True}]}},
            "only takes 'eq' or 'ne'",
        ),
        (
            {"when": {"all": [{"fact": "anticoagulants", "op": "eq", "value": True}]}},
            "describes the case, not the option",
        ),
        ({"version": "1.0"}, "version '1.0' is not semantic"),
        ({"status": "approved"}, "status 'approved' is not one of"),
        ({"rationale": None}, "missing field(s) 'rationale'"),
        ({"run": "os.system('rm -rf /')"}, "unknown field(s) 'run'"),
        ({"sources": ["src_Nowhere2020"]}, "source 'src_Nowhere2020' is not a tmr:Source"),
        (
            {"then": {"code": "x", "severity": "info", "message": "m" * 141}},
            "message is 141 characters",
        ),
        ({"then": {"code": "x", "severity": "red", "message": "m"}}, "severity 'red' is not"),
        (
            {"tests": [{"name": "t", "facts": {"actions_kept": 0}, "expect": "fire"}]},
            "missing: no_fire, missing input",
        ),
        ({"review_due": "soon"}, "review_due 'soon' is not a date"),
    ],
)
def test_malformed_card_names_file_line_rule_and_problem(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(
        RuleFileError, match=r"^rules/x\.yaml:\d+ \[rule TMR-DONOR-REDUNDANT\]: "
    ) as error:
        parse(card_text(**changes))
    assert message in str(error.value)


def test_condition_error_points_at_the_condition_line() -> None:
    text = card_text(
        when={
            "all": [
                {"fact": "actions_kept", "op": "eq", "value": 0},
                {"fact": "bogus", "op": "eq", "value": 1},
            ]
        }
    )
    lines = text.splitlines()
    bogus_line = next(i for i, line in enumerate(lines, 1) if "bogus" in line)
    with pytest.raises(RuleFileError, match=rf"x\.yaml:{bogus_line} "):
        parse(text)


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(RuleFileError, match=r"x\.yaml:3: YAML does not parse"):
        parse("id: TMR-X-Y\ntitle: t\n\tversion: 1\n")


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(REDUNDANT.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(
        RuleFileError, match=r"b\.yaml:1 \[rule TMR-DONOR-REDUNDANT\]: duplicate rule id"
    ):
        load_rulebook(tmp_path)


def test_conditions_read_as_words() -> None:
    card = load_rulebook().get("TMR-ONLY-SUPPLY-FUNCTIONAL")
    assert card.conditions_in_words() == "only supply is yes and actions kept is more than 0"
