"""Rule lint: the shipped rules are free of errors; seeded conflicts, gaps, duplicates and subsumed
cards in fixture rule books are found and name their cards."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from tmrplan import paths
from tmrplan.cli import Context, main
from tmrplan.cli.rules import lint_command
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.planning.planner import Planner
from tmrplan.planning.sweep import candidate_facts, sweep_cases
from tmrplan.rules.cards import Condition, RuleBook, load_rulebook
from tmrplan.rules.facts import CandidateFacts
from tmrplan.rules.lint import Finding, lint, witness

REDUNDANT = "TMR-DONOR-REDUNDANT"
FUNCTIONAL = "TMR-DONOR-FUNCTIONAL"


@pytest.fixture(scope="module")
def sweep_facts(planner: Planner) -> list[CandidateFacts]:
    """The distinct fact sets of the whole sweep, computed once for every fixture rule book."""
    return candidate_facts(planner.index, sweep_cases(planner.kb, planner.index))


def rules_copy(target: Path, drop: tuple[str, ...] = (), **cards: dict[str, Any]) -> RuleBook:
    """The shipped cards copied to ``target`` without ``drop``, plus extra cards by file stem."""
    target.mkdir()
    for path in paths.rules_dir().glob("*.yaml"):
        if path.stem not in drop:
            shutil.copy(path, target / path.name)
    for stem, card in cards.items():
        (target / f"{stem}.yaml").write_text(yaml.safe_dump(card), encoding="utf-8")
    return load_rulebook(target)


def card(
    rule_id: str,
    code: str,
    when: dict[str, list[dict[str, Any]]],
    fire: dict[str, Any],
    no_fire: dict[str, Any],
) -> dict[str, Any]:
    """A valid card (metadata of the shipped redundant-donor card) with these conditions."""
    data = yaml.safe_load((paths.rules_dir() / "donor_redundant.yaml").read_text("utf-8"))
    data.update(id=rule_id, when=when)
    data["then"] = {**data["then"], "code": code}
    data["tests"] = [
        {"name": "fires", "facts": fire, "expect": "fire"},
        {"name": "does not", "facts": no_fire, "expect": "no_fire"},
        {"name": "unknown", "facts": {}, "expect": "no_fire"},
    ]
    return data


def cond(fact: str, op: str, value: Any) -> dict[str, Any]:
    return {"fact": fact, "op": op, "value": value}


def of_kind(findings: list[Finding], kind: str) -> list[Finding]:
    return [f for f in findings if f.kind == kind]


def test_shipped_rules_lint_without_errors(
    planner: Planner, sweep_facts: list[CandidateFacts]
) -> None:
    findings = lint(planner.rulebook, sweep_facts, engine=planner.engine)
    errors = [str(f) for f in findings if f.severity == "error"]
    assert not errors, "\n".join(errors)
    # The sweep is real: every neuroma nerve at every level and intact region it reaches.
    assert sum(f.count for f in sweep_facts) > 5000


def test_a_planner_is_a_facts_source_too(planner: Planner) -> None:
    assert [
        f
        for f in lint(
            planner.rulebook,
            candidate_facts(planner.index, sweep_cases(planner.kb, planner.index)),
            engine=planner.engine,
        )
        if f.severity == "error"
    ] == []


def test_conflicting_status_cards_are_an_error_naming_both(
    tmp_path: Path, sweep_facts: list[CandidateFacts]
) -> None:
    partial = card(
        "TMR-X-ONLY-SUPPLY-PARTIAL",
        "donor_status.partial",
        {"all": [cond("only_supply", "eq", True)]},
        {"only_supply": True},
        {"only_supply": False},
    )
    book = rules_copy(tmp_path / "rules", x_partial=partial)
    conflicts = of_kind(lint(book, sweep_facts), "conflict")
    pairs = {f.card_ids for f in conflicts}
    assert (FUNCTIONAL, "TMR-X-ONLY-SUPPLY-PARTIAL") in pairs
    assert (REDUNDANT, "TMR-X-ONLY-SUPPLY-PARTIAL") in pairs
    found = next(f for f in conflicts if f.card_ids[0] == REDUNDANT)
    assert found.severity == "error"
    # Shown statically with facts that satisfy both, and seen on real candidates.
    assert "actions_kept = 0, only_supply = yes" in found.message
    assert "fired together on" in found.message


def test_an_any_card_is_checked_condition_by_condition_statically(tmp_path: Path) -> None:
    either = card(
        "TMR-X-EITHER-REDUNDANT",
        "donor_status.redundant",
        {"any": [cond("actions_total", "eq", 0), cond("prime_actions_kept", "gt", 2)]},
        {"actions_total": 0},
        {"actions_total": 1, "prime_actions_kept": 0},
    )
    book = rules_copy(tmp_path / "rules", x_either=either)
    conflicts = of_kind(lint(book), "conflict")  # static only: no fact sets given
    assert {f.card_ids for f in conflicts} == {
        (FUNCTIONAL, "TMR-X-EITHER-REDUNDANT"),
        ("TMR-DONOR-PARTIAL", "TMR-X-EITHER-REDUNDANT"),
    }
    # actions_total = 0 cannot meet "actions kept > 0": only the second condition conflicts.
    assert all("prime_actions_kept = 3" in f.message for f in conflicts)


def test_a_candidate_without_donor_status_is_a_gap(
    tmp_path: Path, sweep_facts: list[CandidateFacts]
) -> None:
    book = rules_copy(tmp_path / "rules", drop=("donor_functional",))
    gaps = of_kind(lint(book, sweep_facts), "gap")
    assert len(gaps) == 1 and gaps[0].severity == "error"
    assert "no donor status card fires for" in gaps[0].message
    assert "actions_lost = 0" in gaps[0].message  # an intact muscle: what the functional card read


def test_a_duplicate_card_is_a_warning(tmp_path: Path) -> None:
    twin = card(
        "TMR-X-TWIN",
        "donor_status.redundant",
        {"all": [cond("actions_kept", "eq", 0)]},
        {"actions_kept": 0},
        {"actions_kept": 1},
    )
    findings = lint(rules_copy(tmp_path / "rules", x_twin=twin))
    assert [(f.kind, f.severity, f.card_ids) for f in findings] == [
        ("duplicate", "warning", (REDUNDANT, "TMR-X-TWIN"))
    ]
    assert "identical conditions" in findings[0].message


def test_a_subsumed_card_is_a_warning(tmp_path: Path) -> None:
    narrow = card(
        "TMR-X-NARROW",
        "donor_status.redundant",
        {"all": [cond("actions_kept", "eq", 0), cond("only_supply", "eq", True)]},
        {"actions_kept": 0, "only_supply": True},
        {"actions_kept": 0, "only_supply": False},
    )
    findings = lint(rules_copy(tmp_path / "rules", x_narrow=narrow))
    assert [(f.kind, f.severity, f.card_ids) for f in findings] == [
        ("subsumed", "warning", ("TMR-X-NARROW", REDUNDANT))
    ]
    assert "TMR-X-NARROW adds nothing" in findings[0].message


def test_witness_respects_what_the_facts_mean() -> None:
    # Without the invariants, "nothing kept" and "a kept action without backup" would conflict.
    assert witness([Condition("actions_kept", "eq", 0)]) == {"actions_kept": 0}
    assert (
        witness(
            [
                Condition("actions_kept", "eq", 0),
                Condition("kept_actions_without_other_mover", "gt", 0),
            ]
        )
        is None
    )
    assert witness([Condition("diameter_ratio", "gt", 2.0), Condition("diameter_ratio", "lt", 2.5)])
    assert witness([Condition("diameter_ratio", "lt", 1.0)]) is None  # larger over smaller


def run_lint(planner: Planner, *args: str) -> tuple[int, str]:
    context = Context(None, None)
    context._planner = planner  # the shared planner: no reload, no revalidation
    result = CliRunner().invoke(lint_command, list(args), obj=context)
    return result.exit_code, result.output


def test_cli_lint_exits_0_on_the_shipped_rules(planner: Planner) -> None:
    code, out = run_lint(planner)
    assert code == 0, out
    assert "0 error(s)" in out and "sweep cases" in out


def test_cli_lint_exits_1_on_errors(tmp_path: Path, kb: KnowledgeBase) -> None:
    gap = Planner(kb, rules_copy(tmp_path / "rules", drop=("donor_functional",)))
    code, out = run_lint(gap, "--format", "json")
    assert code == 1, out
    assert '"kind": "gap"' in out


def test_cli_lists_the_governance_commands() -> None:
    result = CliRunner().invoke(main, ["rules", "--help"])
    assert result.exit_code == 0, result.output
    assert "lint" in result.output and "impact" in result.output
