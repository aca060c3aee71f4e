"""The spatial model as a surgeon reads it: compartments, septa, sides, direction, units, ties."""

from __future__ import annotations

import pytest

from tmrplan.errors import InvalidCaseError, UnknownEntityError
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import Case, NervePlan, Option
from tmrplan.planning.planner import Planner


def nerve_plan(planner: Planner, case: Case, nerve_id: str | None = None) -> NervePlan:
    plan = planner.plan(case)
    return next(n for n in plan.nerves if nerve_id is None or n.nerve.id == nerve_id)


def option(nerve: NervePlan, donor_id: str) -> Option:
    return next(o for o in nerve.options if o.donor_nerve.id == donor_id)


def flags(o: Option) -> set[str]:
    return {f.rule_id for f in o.flags}


def test_wrist_disarticulation_keeps_the_median_nerve_on_the_volar_side(planner: Planner) -> None:
    nerve = nerve_plan(planner, Case(("median nerve",), "wrist_disarticulation"))
    first = nerve.options[0]
    assert first.facts["same_compartment"] and first.facts["septa_crossed"] == 0
    apl = option(nerve, "BranchToAbductorPollicisLongus")  # across the interosseous membrane
    assert apl.facts["septa_crossed"] == 1 and "TMR-CROSS-COMPARTMENT" in flags(apl)
    assert apl.rank > 6


def test_after_an_amputation_every_target_is_proximal_so_no_graft_caution(
    planner: Planner,
) -> None:
    for level in ("transhumeral", "elbow_disarticulation", "knee_disarticulation"):
        nerve = nerve_plan(planner, Case(("median nerve",) if level != "knee_disarticulation"
                                         else ("tibial nerve",), level))  # fmt: skip
        assert nerve.options
        assert all(o.facts.get("target_distal_by", 0.0) == 0.0 for o in nerve.options), level
        assert not any("TMR-DISTAL-TARGET" in flags(o) for o in nerve.options), level


def test_an_opening_does_not_join_the_two_posterior_compartments_of_the_leg(
    planner: Planner,
) -> None:
    space = planner.index.space
    superficial, deep = TMR.LegSuperficialPosteriorCompartment, TMR.LegDeepPosteriorCompartment
    assert space.septa_between(superficial, deep) == 1  # the transverse septum, not round the knee
    assert space.septa_between(TMR.ForearmVolarDeepLayer, TMR.ForearmVolarSuperficialLayer) == 0


def test_the_sural_nerve_in_the_leg_stays_behind_and_inconstant_muscles_are_flagged(
    planner: Planner,
) -> None:
    nerve = nerve_plan(planner, Case(("sural nerve",), "none", "leg"))
    assert nerve.options[0].donor_nerve.id == "BranchToGastrocnemiusLateralHead"
    plantaris = option(nerve, "BranchToPlantaris")
    assert plantaris.facts["inconstant_target"] and "TMR-INCONSTANT-TARGET" in flags(plantaris)
    assert plantaris.facts["absence_rate_percent"] > 0
    tertius = option(nerve, "BranchToFibularisTertius")
    assert tertius.facts["septa_crossed"] >= 1 and tertius.rank > plantaris.rank


def test_a_medial_nerve_is_not_sent_across_its_compartment(planner: Planner) -> None:
    nerve = nerve_plan(planner, Case(("ulnar nerve",), "transradial"))
    fcr = option(nerve, "BranchToFlexorCarpiRadialis")
    assert fcr.facts["same_side"] is False
    assert {o.donor_nerve.id for o in nerve.options[:2]} == {
        "BranchToFlexorCarpiUlnaris",
        "BranchToFlexorDigitorumProfundusUlnarPart",
    }


def test_a_course_segment_says_where_the_superficial_radial_nerve_runs(planner: Planner) -> None:
    nerve = nerve_plan(planner, Case(("superficial branch of the radial nerve",), "transradial"))
    # Under brachioradialis in the mobile wad: the mobile wad's muscles come first.
    assert nerve.options[0].donor_nerve.id in {
        "BranchToBrachioradialis",
        "BranchToExtensorCarpiRadialisLongus",
        "BranchToExtensorCarpiRadialisBrevis",
    }


def test_a_branch_the_knowledge_base_calls_impractical_is_not_offered(planner: Planner) -> None:
    nerve = nerve_plan(planner, Case(("femoral nerve",), "hip_disarticulation"))
    assert "BranchToPsoasMajor" not in {o.donor_nerve.id for o in nerve.options}


def test_shoulder_disarticulation_gives_each_nerve_its_own_pectoralis_unit(
    planner: Planner,
) -> None:
    case = Case(
        ("median nerve", "ulnar nerve", "musculocutaneous nerve"),
        "shoulder_disarticulation",
        context={"myoelectric_prosthesis": True},
    )
    plan = planner.plan(case)
    assigned = [n.options[n.assigned_rank - 1] for n in plan.nerves if n.assigned_rank]
    targets = [o.target_muscle.id for o in assigned]
    assert len(targets) == 3 and len(set(targets)) == 3
    assert all(t.startswith("PectoralisMajor") for t in targets)
    subscapularis = option(plan.nerves[0], "BranchToSubscapularis")
    assert "TMR-DEEP-MYOELECTRIC" in flags(subscapularis)


def test_a_native_control_site_is_flagged_and_never_assigned(planner: Planner) -> None:
    case = Case(
        ("median nerve", "ulnar nerve", "radial nerve"),
        "transhumeral",
        context={"myoelectric_prosthesis": True},
    )
    plan = planner.plan(case)
    for nerve in plan.nerves:
        native = [o for o in nerve.options if o.facts["native_control_site"]]
        assert all("TMR-NATIVE-CONTROL-SITE" in flags(o) for o in native)
        if nerve.assigned_rank is not None:
            assert not nerve.options[nerve.assigned_rank - 1].facts["native_control_site"]


def test_options_equal_after_every_key_are_shown_as_tied_in_id_order(planner: Planner) -> None:
    nerve = nerve_plan(planner, Case(("radial nerve",), "shoulder_disarticulation"))
    first = nerve.options[0]
    assert first.tied_with, "deltoid, latissimus and teres major tie here"
    group = [first, *(nerve.options[r - 1] for r in first.tied_with)]
    assert all(o.sort_keys == first.sort_keys for o in group)
    ids = [o.donor_nerve.id for o in sorted(group, key=lambda o: o.rank)]
    assert ids == sorted(ids)
    assert all(set(o.tied_with) | {o.rank} == {g.rank for g in group} for o in group)


@pytest.mark.parametrize(
    ("nerve", "level"),
    [
        ("superficial peroneal nerve", "ankle_disarticulation"),
        ("sural nerve", "knee_disarticulation"),
        ("sural nerve", "partial_foot"),
        ("proper plantar digital nerves", "partial_foot"),
    ],
)
def test_nerves_that_continue_past_a_level_can_be_planned_there(
    planner: Planner, nerve: str, level: str
) -> None:
    assert nerve_plan(planner, Case((nerve,), level)).options


def test_an_intact_limb_position_moves_the_neuroma_and_is_an_unknown_when_missing(
    planner: Planner,
) -> None:
    unstated = planner.plan(Case(("sural nerve",), "none", "leg"))
    assert any(u.startswith("position within the leg") for u in unstated.unknowns)
    distal = planner.plan(Case(("sural nerve",), "none", "leg", position="distal"))
    assert not any(u.startswith("position within") for u in distal.unknowns)
    before = option(unstated.nerves[0], "BranchToSoleus").facts["distance_to_entry"]
    after = option(distal.nerves[0], "BranchToSoleus").facts["distance_to_entry"]
    assert after > before


def test_a_bad_position_is_refused_with_the_value_named(planner: Planner) -> None:
    with pytest.raises(UnknownEntityError, match=r"'distl'.*distal"):
        planner.plan(Case(("sural nerve",), "none", "leg", position="distl"))
    with pytest.raises(InvalidCaseError, match="only for an intact limb"):
        planner.plan(Case(("sural nerve",), "transtibial", position="distal"))
