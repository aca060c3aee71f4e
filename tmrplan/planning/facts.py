"""The facts a rule reads about one candidate donor, computed from the anatomy index.

Plain values (counts, booleans, distances) so that a rule reads like a sentence and a reviewer
sees exactly what it looked at.
"""

from __future__ import annotations

from typing import Any

from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.amputation import MuscleStatus
from tmrplan.planning.anatomy_index import AnatomyIndex, Candidate, Site


def option_facts(
    index: AnatomyIndex, candidate: Candidate, site: Site, context: dict[str, bool]
) -> dict[str, Any]:
    """The plain facts rules read for one candidate (absent keys are unknown inputs).

    Every name is declared in :data:`tmrplan.rules.facts.FACTS`, with the invariants the values
    must keep; the card loader and lint check against that registry.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> index = AnatomyIndex(load_knowledge_base())
        >>> site = index.site("transhumeral", None)
        >>> first = index.candidates(TMR.MedianNerve, site)[0]
        >>> facts = option_facts(index, first, site, {})
        >>> facts["actions_kept"] + facts["actions_lost"] == facts["actions_total"]
        True
    """
    base = index.facts_memo.get((candidate, site))
    if base is None:
        base = _anatomy_facts(index, candidate, site)
        index.facts_memo[(candidate, site)] = base
    facts = dict(base)
    for key in ("myoelectric_prosthesis", "strength_needs"):
        if key in context:
            facts[key] = context[key]
    return facts


def _anatomy_facts(index: AnatomyIndex, candidate: Candidate, site: Site) -> dict[str, Any]:
    """The facts that depend on the anatomy and the site only (the same for every plan there)."""
    kb = index.kb
    effects = index.effects[site.amputation]
    outcome = effects.muscles[candidate.muscle]
    prime = set(kb.objects(candidate.muscle, TMR.primeMoverFor))
    without_backup = [
        a
        for a in outcome.kept
        if not index.other_movers(candidate.muscle, candidate.branch, a, effects)
    ]
    published = index.published(candidate, site)
    facts: dict[str, Any] = {"status_undetermined": outcome.status is MuscleStatus.UNDETERMINED}
    if outcome.status is not MuscleStatus.UNDETERMINED:
        # Undetermined (the case leaves open which rays were lost): the counts are unknowns, so
        # no status or risk card fires on one reading of the case.
        facts |= {
            "muscle_present": outcome.status is not MuscleStatus.ABSENT,
            "actions_total": len(outcome.kept) + len(outcome.lost),
            "actions_lost": len(outcome.lost),
            "actions_kept": len(outcome.kept),
            "prime_actions_kept": len(outcome.kept & prime),
            "kept_actions_without_other_mover": len(without_backup),
        }
    facts |= {
        "only_supply": index.supply.get(candidate.muscle, set()) == {candidate.branch},
        "region_distance": candidate.region_distance,
        "published_pattern": bool(published),
        "clinical_pattern": any(index.is_clinical(p) for p in published),
        "donor_from_neuroma_nerve": candidate.nerve in index.steps_up(candidate.branch),
        "nerve_distance": index.nerve_distance(candidate.nerve, candidate.branch),
    }
    facts.update(_spatial_facts(index, candidate, site))
    donor_mm = kb.value(candidate.branch, TMR.diameterMm)
    nerve_mm = kb.value(candidate.nerve, TMR.diameterMm)
    if donor_mm and nerve_mm:
        small, large = sorted((float(donor_mm), float(nerve_mm)))
        facts["diameter_ratio"] = round(large / small, 2)
    return facts


def _spatial_facts(index: AnatomyIndex, candidate: Candidate, site: Site) -> dict[str, Any]:
    """Where the target lies relative to the neuroma (absent keys: not recorded)."""
    space = index.space
    neuroma = index.neuroma(candidate.nerve, site)
    placed = space.place(
        set(neuroma.compartments),
        neuroma.at,
        candidate.branch,
        candidate.muscle,
        neuroma.side,
        neuroma.limb,
    )
    facts: dict[str, Any] = {}
    if placed.same_compartment is not None:
        facts["same_compartment"] = placed.same_compartment
    if placed.septa_crossed is not None:
        facts["septa_crossed"] = placed.septa_crossed
    if placed.same_side is not None:
        facts["same_side"] = placed.same_side
    if placed.distance is not None and placed.distal_by is not None:
        facts["distance_to_entry"] = placed.distance
        facts["target_distal_by"] = placed.distal_by
    depth = space.depth.get(candidate.muscle)
    if depth is not None:
        facts["superficial_target"] = depth == "superficial"
        if neuroma.superficial:  # under the skin: a deep target lies in another plane
            facts["same_depth"] = depth == "superficial"
    inconstant = [e for e in (candidate.branch, candidate.muscle) if e in space.inconstant]
    facts["inconstant_target"] = bool(inconstant)
    rate = space.inconstant.get(inconstant[0]) if inconstant else None
    if rate is not None:
        facts["absence_rate_percent"] = rate
    facts["native_control_site"] = site.level in space.native_at.get(candidate.muscle, set())
    return facts
