"""The facts rules may read: declared once, with their types, meaning and joint invariants.

:mod:`tmrplan.planning.facts` computes them for each candidate; the card loader checks conditions
against :data:`FACTS`; lint reasons with :data:`FACT_INVARIANTS` and :data:`LOWEST`; a test checks
that every computed fact set respects them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FactSpec:
    """A fact rules may read: its type, whether it describes an option or the case, and meaning."""

    type: type
    scope: str
    meaning: str


FACTS: dict[str, FactSpec] = {
    # --- one donor option (a motor branch and the muscle it supplies)
    "muscle_present": FactSpec(
        bool, "option", "the target muscle is still there after the amputation"
    ),
    "status_undetermined": FactSpec(
        bool,
        "option",
        "the case leaves open which digits or toes were lost (or through where), and the readings "
        "it allows disagree about this muscle: its action counts are unknown",
    ),
    "actions_total": FactSpec(int, "option", "how many actions the muscle has"),
    "actions_lost": FactSpec(
        int, "option", "how many of its actions the amputation has already taken"
    ),
    "actions_kept": FactSpec(int, "option", "how many of its actions it still performs"),
    "prime_actions_kept": FactSpec(int, "option", "how many kept actions it is a prime mover for"),
    "kept_actions_without_other_mover": FactSpec(
        int,
        "option",
        "kept actions that no other remaining muscle with its own nerve supply performs",
    ),
    "only_supply": FactSpec(bool, "option", "this branch is the muscle's only nerve supply"),
    "diameter_ratio": FactSpec(
        float,
        "option",
        "larger over smaller diameter of neuroma nerve and donor (only when both are sourced)",
    ),
    "region_distance": FactSpec(
        int, "option", "0 if the donor enters its muscle in the neuroma's region, 1 if adjacent"
    ),
    "nerve_distance": FactSpec(
        int,
        "option",
        "branching steps from the neuroma nerve to the donor through their nearest common ancestor",
    ),
    "published_pattern": FactSpec(
        bool, "option", "a published transfer pattern uses this donor in this context"
    ),
    "clinical_pattern": FactSpec(
        bool,
        "option",
        "a published pattern reports this donor in patients in this context (not only in cadavers)",
    ),
    "donor_from_neuroma_nerve": FactSpec(
        bool, "option", "the donor is a branch of the neuroma nerve itself"
    ),
    # --- where the target lies (the spatial model: docs/modelling.md); absent when not recorded
    "same_compartment": FactSpec(
        bool,
        "option",
        "the target muscle is in a compartment the neuroma nerve runs in at the neuroma",
    ),
    "septa_crossed": FactSpec(
        int,
        "option",
        "the fewest septa or membranes between the neuroma nerve's compartment and the target's",
    ),
    "same_side": FactSpec(
        bool,
        "option",
        "the target lies on the neuroma nerve's side of the limb (medial, lateral), or either is central",
    ),
    "distance_to_entry": FactSpec(
        float,
        "option",
        "along the limb from the neuroma to the motor entry point, in thirds of a limb segment",
    ),
    "target_distal_by": FactSpec(
        float,
        "option",
        "how far the entry point lies distal to the neuroma (0 if proximal or level), in thirds",
    ),
    "superficial_target": FactSpec(
        bool, "option", "the target muscle lies directly under the deep fascia"
    ),
    "same_depth": FactSpec(
        bool,
        "option",
        "the nerve lies under the skin there and the target directly under the deep fascia (known only for a nerve under the skin)",
    ),
    "inconstant_target": FactSpec(
        bool,
        "option",
        "the target muscle, or its motor branch, is absent in a reported share of people",
    ),
    "absence_rate_percent": FactSpec(
        float,
        "option",
        "the reported share of people without the muscle or branch (only when sourced)",
    ),
    "native_control_site": FactSpec(
        bool,
        "option",
        "a published technique keeps this muscle as a native myoelectric control site at this level",
    ),
    "donor_taken_by_other_nerve": FactSpec(
        bool, "option", "the conflict-free assignment gives this donor to another nerve of the case"
    ),
    # --- the case (copied onto each option too, so option rules can read them)
    "myoelectric_prosthesis": FactSpec(bool, "both", "a myoelectric prosthesis is planned"),
    "strength_needs": FactSpec(
        bool, "both", "the patient needs to keep strength for work or sport"
    ),
    "anticoagulants": FactSpec(bool, "case", "the patient takes anticoagulants"),
    "prior_surgery_at_site": FactSpec(
        bool, "case", "there was earlier surgery at the neuroma site"
    ),
    "nerve_count": FactSpec(int, "case", "how many neuroma nerves the case has"),
}


# What the facts mean constrains them jointly (candidates.py computes them so); a witness of a
# conflict has to respect this, or the lint would report pairs that no candidate can produce.
FACT_INVARIANTS: tuple[tuple[str, tuple[str, ...], Callable[..., bool]], ...] = (
    (
        "actions_kept + actions_lost = actions_total",
        ("actions_kept", "actions_lost", "actions_total"),
        lambda kept, lost, total: kept + lost == total,
    ),
    (
        "prime_actions_kept <= actions_kept",
        ("prime_actions_kept", "actions_kept"),
        lambda prime, kept: prime <= kept,
    ),
    (
        "clinical_pattern implies published_pattern",
        ("clinical_pattern", "published_pattern"),
        lambda clinical, published: not clinical or published,
    ),
    (
        "target_distal_by <= distance_to_entry",
        ("target_distal_by", "distance_to_entry"),
        lambda distal, distance: distal <= distance,
    ),
    (
        "same_compartment implies septa_crossed = 0",
        ("same_compartment", "septa_crossed"),
        lambda same, septa: not same or septa == 0,
    ),
    (
        "kept_actions_without_other_mover <= actions_kept",
        ("kept_actions_without_other_mover", "actions_kept"),
        lambda alone, kept: alone <= kept,
    ),
)
# Numbers are counts or distances (never negative); a case has a nerve; a ratio is larger/smaller.
LOWEST: dict[str, float] = {"nerve_count": 1, "diameter_ratio": 1.0}


@dataclass(frozen=True)
class CandidateFacts:
    """One distinct set of option facts the sweep produces, how often, and one place it occurs.

    Attributes:
        facts: the facts, sorted by name (as the engine memoises them).
        count: how many candidates of the sweep have exactly these facts.
        example: one of them in words, e.g. ``median nerve @ transhumeral: branch → muscle``.
    """

    facts: tuple[tuple[str, Any], ...]
    count: int
    example: str


def has_type(value: Any, expected: type) -> bool:
    """Whether a value is of a fact's type (a yes/no is not a number; an int is a float)."""
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, expected)
