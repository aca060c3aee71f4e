"""Impact analysis: plan changes between a base (directory or git revision) and the current data,
each attributed to the card or the triples that caused it; the three renderings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph

from tmrplan import paths
from tmrplan.cli import Context
from tmrplan.cli.rules import impact_command
from tmrplan.errors import UnknownEntityError
from tmrplan.governance.impact import (
    Change,
    ImpactReport,
    compare,
    impact,
    semver_violations,
    to_json_dict,
    to_markdown,
    to_text,
)
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.planner import Planner
from tmrplan.planning.sweep import keyed_reference_cases
from tmrplan.rules.cards import load_rulebook

# A caution card that fires in the transhumeral median reference case.
CAUTION = "TMR-RISK-MODERATE"
RISK_NONE = "TMR-RISK-NONE"
# The triple that puts the biceps short-head branch in the arm: without it, no transhumeral plan
# offers that branch.
SHORT_HEAD_IN_ARM = (TMR.BranchToBicepsBrachiiShortHead, TMR.locatedIn, TMR.Arm)


def data_copy(target: Path) -> Path:
    """A directory with copies of the shipped ontology/ and rules/ (a base to edit)."""
    shutil.copytree(paths.ontology_dir(), target / "ontology")
    shutil.copytree(paths.rules_dir(), target / "rules")
    return target


# The module's tests share one xdist worker (``--dist loadgroup``), so the card-change impact
# report (a module fixture, seconds to build) is built once, not once in each worker.
pytestmark = pytest.mark.xdist_group("impact")


@pytest.fixture(scope="module")
def card_report(tmp_path_factory: pytest.TempPathFactory, planner: Planner) -> ImpactReport:
    """Base: the moderate-risk card one severity up, and 'no risk' for one kept action instead
    of none (a condition change). Current: the shipped data."""
    base = data_copy(tmp_path_factory.mktemp("cards"))
    moderate = base / "rules" / "risk_moderate.yaml"
    text = moderate.read_text(encoding="utf-8")
    assert text.count("severity: caution") == 1
    moderate.write_text(text.replace("severity: caution", "severity: warning"), encoding="utf-8")
    none = base / "rules" / "risk_none.yaml"
    text = none.read_text(encoding="utf-8")
    assert text.count("    value: 0\n") == 1
    none.write_text(text.replace("    value: 0\n", "    value: 1\n"), encoding="utf-8")
    return impact(base, planner, sweep=False)


def changes_of(report: ImpactReport, key: str) -> list[Change]:
    return next(d.changes for d in report.diffs if d.key == key)


def test_a_severity_change_names_the_card_and_the_flag(card_report: ImpactReport) -> None:
    cards = {c.rule_id: c for c in card_report.cards}
    assert cards[CAUTION].parts == ("severity",) and cards[CAUTION].old_version == "1.0.0"
    flag = next(
        c
        for c in changes_of(card_report, "ref:04_th_median")
        if c.what == "flag changed" and c.rule_id == CAUTION
    )
    assert (flag.old, flag.new) == ("severity warning", "severity caution")
    assert flag.nerve is not None and flag.nerve.id == "MedianNerve"
    assert flag.donor is not None and flag.target is not None
    assert [(c.kind, c.card.rule_id if c.card else None) for c in flag.causes] == [
        ("card", CAUTION)
    ]


def test_a_condition_change_names_the_card_option_flag_and_risk(
    card_report: ImpactReport,
) -> None:
    changes = changes_of(card_report, "ref:04_th_median")
    # BranchToBrachialis keeps no action at transhumeral: under the base's 'kept = 1' condition
    # the no-risk card did not fire on it, and its risk was unknown.
    on_brachialis = [c for c in changes if c.donor and c.donor.id == "BranchToBrachialis"]
    added = next(c for c in on_brachialis if c.what == "flag added")
    assert added.rule_id == RISK_NONE and added.target is not None
    assert added.target.id == "Brachialis"
    risk = next(c for c in on_brachialis if c.what == "strength-loss risk")
    assert (risk.old, risk.new) == ("unknown", "none")
    for change in (added, risk):
        assert {c.card.rule_id for c in change.causes if c.card} == {RISK_NONE}
        assert all(c.kind == "card" for c in change.causes)


def test_changed_reference_plans_without_major_bump_are_semver_violations(
    card_report: ImpactReport,
) -> None:
    violations = semver_violations(card_report)
    assert violations == list(card_report.violations)
    assert any(
        v.startswith(f"card {RISK_NONE} 1.0.0 → 1.0.0 (conditions changed)") for v in violations
    )
    assert any("make it 2.0.0" in v and CAUTION in v for v in violations)


def test_a_removed_triple_is_attributed_to_the_ontology(tmp_path: Path, planner: Planner) -> None:
    base = data_copy(tmp_path)
    anatomy = base / "ontology" / "anatomy" / "upper_limb_proximal.ttl"
    graph = Graph().parse(anatomy)
    assert SHORT_HEAD_IN_ARM in graph
    graph.remove(SHORT_HEAD_IN_ARM)
    graph.serialize(anatomy, format="turtle")
    # Base lacks the triple and current has it; the other way round is the same analysis.
    report = impact(base, planner, sweep=False)
    assert report.cards == ()
    line = "tmr:BranchToBicepsBrachiiShortHead tmr:locatedIn tmr:Arm"
    assert report.triples_added == (line,) and report.triples_removed == ()
    added = next(
        c
        for c in changes_of(report, "ref:04_th_median")
        if c.what == "option added" and c.donor and c.donor.id == "BranchToBicepsBrachiiShortHead"
    )
    assert [(c.kind, c.triples) for c in added.causes] == [("ontology", (f"+ {line}",))]
    assert not report.violations  # no card is responsible: the knowledge base has its own version
    assert all(d.case.level != "transfemoral" for d in report.diffs)  # only where the arm is


def test_an_identical_base_changes_nothing(tmp_path: Path, planner: Planner) -> None:
    report = impact(data_copy(tmp_path), planner)
    assert not report.changed and report.cards == () and report.triples_added == ()
    assert report.reference_cases >= 25 and report.sweep_cases > 400
    assert any("not replanned" in note for note in report.notes)


def test_equal_plans_give_no_spurious_change(kb: KnowledgeBase, planner: Planner) -> None:
    twin = Planner(kb, load_rulebook(known_sources=kb.source_ids()))
    report = compare(twin, planner, sweep=False, skip_identical=False)
    assert report.reference_cases >= 25 and report.diffs == ()


def test_cases_can_be_a_subset(planner: Planner, kb: KnowledgeBase) -> None:
    cases = keyed_reference_cases(paths.rules_dir())
    subset = {k: cases[k] for k in ("ref:04_th_median", "ref:24_intact_leg_sural")}
    twin = Planner(kb, load_rulebook(known_sources=kb.source_ids()))
    report = compare(twin, planner, cases=subset, skip_identical=False)
    assert (report.reference_cases, report.sweep_cases, report.diffs) == (2, 0, ())


def test_renderers_text_json_markdown(card_report: ImpactReport) -> None:
    text = to_text(card_report)
    assert f"{RISK_NONE} 1.0.0 → 1.0.0 (conditions changed)" in text
    assert "Semantic versioning: VIOLATED" in text
    assert "ref:04_th_median — median nerve @ transhumeral" in text
    data = json.loads(json.dumps(to_json_dict(card_report)))
    assert data["compared"]["reference_cases"] >= 25
    assert {c["rule_id"] for c in data["cards"]} == {CAUTION, RISK_NONE}
    first = data["cases"][0]["changes"][0]
    assert {"what", "old", "new", "rule_id", "causes", "output"} <= set(first)
    assert data["semver_violations"]
    markdown = to_markdown(card_report)
    assert markdown.startswith("# Impact of rule and ontology changes\n")
    assert "## Semantic versioning" in markdown and "## Plans that change" in markdown
    assert "| TMR-RISK-NONE | changed | 1.0.0 → 1.0.0 | conditions | no |" in markdown
    assert "ref\\:04\\_th\\_median" in markdown  # data is escaped


def test_an_unknown_revision_is_refused_with_close_matches(planner: Planner) -> None:
    if not (Path(paths.rules_dir()).parent / ".git").exists():
        pytest.skip("not a git checkout")
    with pytest.raises(UnknownEntityError, match=r"unknown base .*'HEDA'.*did you mean 'HEAD'"):
        impact("HEDA", planner)


def test_cli_impact_writes_json(tmp_path: Path, planner: Planner) -> None:
    context = Context(None, None)
    context._planner = planner  # the shared planner: no reload, no revalidation
    out = tmp_path / "impact.json"
    args = ["--base", str(data_copy(tmp_path / "base")), "--reference-only", "--format", "json"]
    result = CliRunner().invoke(impact_command, [*args, "--output", str(out)], obj=context)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["changed_cases"] == 0
    result = CliRunner().invoke(impact_command, ["--base", str(tmp_path / "nowhere")], obj=context)
    assert result.exit_code != 0
    assert "unknown base" in str(result.exception)


def test_a_ranking_card_change_is_named_as_the_cause_of_reranked_options(
    tmp_path: Path, planner: Planner
) -> None:
    """Base: the ranking card without its last key (plexus distance), at the same version."""
    base = data_copy(tmp_path)
    card = base / "rules" / "ranking.yaml"
    data = yaml.safe_load(card.read_text(encoding="utf-8"))
    data["keys"] = [k for k in data["keys"] if k.get("fact") != "nerve_distance"]
    card.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report = impact(base, planner, sweep=False)
    ranking = {c.rule_id: c for c in report.cards}["TMR-RANKING"]
    assert ranking.parts == ("keys",) and not ranking.major_bumped
    reranked = [
        change
        for diff in report.diffs
        for change in diff.changes
        if change.what == "rank"
        and any(c.card is not None and c.card.rule_id == "TMR-RANKING" for c in change.causes)
    ]
    assert reranked, "tie-breaks by plexus distance changed some reference plans"
    bumped = f"make it {int(ranking.new_version.split('.')[0]) + 1}.0.0"
    assert any("TMR-RANKING" in v and bumped in v for v in semver_violations(report))


def test_the_report_says_who_may_sign_now_and_who_no_longer_may(
    tmp_path: Path, planner: Planner
) -> None:
    from tests.signers import list_signer, public_of
    from tmrplan.rules.signing import fingerprint

    base = data_copy(tmp_path)
    list_signer(base / "rules", "chair/former.chair", "Former Chair")  # only the base lists them
    report = impact(base, planner, sweep=False)
    key = fingerprint(public_of("Former Chair"))
    assert (
        f"signers file: chair/former.chair no longer signs with key {key}; approvals signed so "
        "stop counting"
    ) in report.notes
    assert "no longer signs with key" in to_markdown(report)
