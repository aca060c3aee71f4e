"""Planning on the shipped knowledge base: candidates, assignment, unknowns and bad cases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tmrplan import paths
from tmrplan.errors import InvalidCaseError, UnknownEntityError
from tmrplan.knowledge.kb import KnowledgeBase, load_knowledge_base
from tmrplan.knowledge.vocab import RDF, TMR
from tmrplan.model import Case, DonorStatus, Risk
from tmrplan.planning.anatomy_index import AnatomyIndex, Site
from tmrplan.planning.neuroma_sites import neuroma_sites_graph
from tmrplan.planning.planner import Planner


def test_transhumeral_three_nerves_get_three_different_targets(planner: Planner) -> None:
    plan = planner.plan(
        Case(("median nerve", "ulnar nerve", "radial nerve"), "transhumeral", side="left")
    )
    chosen = [
        n.options[n.assigned_rank - 1].target_muscle.id for n in plan.nerves if n.assigned_rank
    ]
    assert len(chosen) == 3 and len(set(chosen)) == 3
    for nerve in plan.nerves:
        assert len(nerve.options) > 1  # a list of options, never a single directive
        for option in nerve.options:
            assert option.strength_loss_risk.value in {"none", "low", "moderate", "high", "unknown"}
            assert isinstance(option.sort_keys["donor_status"], str)


def test_median_transhumeral_lists_the_published_biceps_short_head(planner: Planner) -> None:
    plan = planner.plan(Case(("median nerve",), "transhumeral"))
    option = next(
        o for o in plan.nerves[0].options if o.target_muscle.id == "BicepsBrachiiShortHead"
    )
    assert option.donor_status is DonorStatus.REDUNDANT
    assert option.evidence and option.evidence[0]["sources"]
    assert "TMR-PUBLISHED-PATTERN" in {f.rule_id for f in option.flags}


def test_missing_inputs_are_listed_as_unknowns(planner: Planner) -> None:
    plan = planner.plan(Case(("sural nerve",), "transtibial"))
    assert "side (left or right) not stated" in plan.unknowns
    assert any(u.startswith("anticoagulants: not stated") for u in plan.unknowns)
    assert not plan.case_flags or "TMR-ANTICOAGULANTS" not in {f.rule_id for f in plan.case_flags}


def test_stated_context_fires_case_rules(planner: Planner) -> None:
    plan = planner.plan(Case(("sural nerve",), "transtibial", context={"anticoagulants": True}))
    assert "TMR-ANTICOAGULANTS" in {f.rule_id for f in plan.case_flags}


def test_every_plan_carries_versions_and_notice(planner: Planner, kb: KnowledgeBase) -> None:
    plan = planner.plan(Case(("ulnar nerve",), "transradial"))
    assert plan.kb_version == kb.version and plan.rules_version.endswith(
        planner.rulebook.version[-12:]
    )
    assert "not directives" in plan.notice


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        (
            Case(("sural nerve",), "transhumeral"),
            InvalidCaseError,
            "'sural nerve' does not reach the arm",
        ),
        (Case(("median nrve",), "transhumeral"), UnknownEntityError, "did you mean 'median nerve'"),
        (
            Case(("median nerve",), "transhumerall"),
            UnknownEntityError,
            "unknown level 'transhumerall'; did you mean 'transhumeral'",
        ),
        (Case(("sural nerve",), "none"), InvalidCaseError, "needs --region"),
        (
            Case(("sural nerve",), "none", region="legg"),
            UnknownEntityError,
            "unknown region 'legg'; did you mean 'leg'",
        ),
        (
            Case(("median nerve",), "transhumeral", region="arm"),
            InvalidCaseError,
            "only for an intact limb",
        ),
        (Case(("biceps brachii",), "transhumeral"), InvalidCaseError, "is a muscle, not a nerve"),
        (Case(("median nerve", "median nerve"), "transhumeral"), InvalidCaseError, "listed twice"),
        (Case((), "transhumeral"), InvalidCaseError, "at least one neuroma nerve"),
        (Case(("median nerve",), "transhumeral", side="up"), InvalidCaseError, "side 'up'"),
        (
            Case(("median nerve",), "transhumeral", context={"smoker": True}),
            InvalidCaseError,
            "unknown context field",
        ),
    ],
)
def test_bad_cases_are_refused_with_the_value_named(
    planner: Planner, case: Case, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        planner.plan(case)


def test_published_donors_are_found_from_anatomy_alone(tmp_path: Path, kb: KnowledgeBase) -> None:
    """Without the pattern files, every pattern's donor is still a candidate at every site the
    pattern names (an end-to-side pattern names a recipient nerve, no donor: nothing to find)."""
    ontology = tmp_path / "ontology"
    shutil.copytree(paths.ontology_dir(), ontology)
    for patterns in ontology.glob("transfers*.ttl"):
        patterns.unlink()
    bare = AnatomyIndex(load_knowledge_base(ontology))
    assert not bare.kb.entities(TMR.TransferPattern)
    missing = []
    for pattern in kb.entities(TMR.TransferPattern):
        if kb.objects(pattern, TMR.recipientNerve):
            continue
        nerve = kb.objects(pattern, TMR.neuromaNerve)[0]
        # An any-unit pattern (no donor named) stands for the branches of the target's units.
        target = kb.objects(pattern, TMR.targetMuscle)[0]
        units = kb.subjects(TMR.partOf, target)
        wanted = set(kb.objects(pattern, TMR.donorNerve)) or {
            b for unit in units for b in kb.subjects(TMR.innervates, unit)
        }
        assert wanted, pattern
        for context in kb.objects(pattern, TMR.context):
            if kb.is_a(context, TMR.AmputationLevel):
                site = Site(context, kb.objects(context, TMR.stumpRegion)[0])
            else:
                site = Site(None, context)
            donors = {c.branch for c in bare.candidates(nerve, site)}
            if not wanted & donors:
                missing.append(f"{pattern} at {context}: none of {sorted(wanted)} among candidates")
    assert not missing


def test_derived_sites_link_nerves_to_candidate_donors(planner: Planner) -> None:
    graph = neuroma_sites_graph(planner.index)
    site = TMR["site_MedianNerve_transhumeral"]
    assert (site, RDF.type, TMR.NeuromaSite) in graph
    assert (site, TMR.candidateDonor, TMR.BranchToBicepsBrachiiShortHead) in graph
    assert (TMR["site_SuralNerve_transhumeral"], RDF.type, TMR.NeuromaSite) not in graph


def test_a_bare_partial_hand_does_not_assume_which_digits(planner: Planner) -> None:
    """Issue 13: with no digits given, abductor pollicis brevis is not "redundant, no risk" (in a
    thumb-sparing hand it still opposes the thumb): its status is unknown and says why."""
    plan = planner.plan(Case(("median nerve",), "partial_hand"))
    apb = next(o for o in plan.nerves[0].options if o.target_muscle.id == "AbductorPollicisBrevis")
    assert apb.donor_status is DonorStatus.UNKNOWN and apb.strength_loss_risk is Risk.UNKNOWN
    assert {f.rule_id for f in apb.flags} >= {"TMR-STATUS-UNDETERMINED", "TMR-RISK-UNDETERMINED"}
    assert any(u.startswith("which digits were amputated") for u in plan.unknowns)
    # Named, the same muscle is decided both ways: kept with the thumb, redundant without it.
    spared = planner.plan(
        Case(
            ("median nerve",),
            "partial_hand",
            digits=("index", "middle", "ring", "little"),
            through="metacarpal",
        )
    )
    lost = planner.plan(Case(("median nerve",), "digit", digits=("thumb",), through="mcp"))
    status = {
        name: next(
            o for o in p.nerves[0].options if o.target_muscle.id == "AbductorPollicisBrevis"
        ).donor_status
        for name, p in (("spared", spared), ("lost", lost))
    }
    assert status == {"spared": DonorStatus.FUNCTIONAL, "lost": DonorStatus.REDUNDANT}
    assert spared.amputation.endswith("thumb spared")
