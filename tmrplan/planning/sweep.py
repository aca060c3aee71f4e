"""Every case the knowledge base can plan, and the reference cases: the inputs of impact analysis,
rule lint and governance counts.

The exhaustive sweep is every neuroma nerve (mixed and cutaneous) at every amputation level, and in
every region of an intact limb, where the planner accepts it: where the nerve runs through the
stump's (or the neuroma's) region. That is read from the same index the planner checks a case
against (:meth:`AnatomyIndex.reaches`), so the sweep holds exactly the single-nerve cases that
plan, without planning anything to find them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tmrplan.errors import RuleFileError
from tmrplan.knowledge.kb import KnowledgeBase, local_name
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import CONTEXT_FIELDS, LEVEL_IDS, Case, Plan, parse_case
from tmrplan.planning.anatomy_index import AnatomyIndex, Site
from tmrplan.planning.facts import option_facts
from tmrplan.planning.loss import level_limb, limb_digits, limb_throughs, names_rays, whole_foot
from tmrplan.planning.planner import Planner, resolve_nerve
from tmrplan.rules.facts import CandidateFacts

# Neuroma nerves: named nerves that can be cut. Roots, plexus parts and motor branches are not.
NEUROMA_NERVE_CLASSES = (TMR.MixedNerve, TMR.CutaneousNerve)


@dataclass(frozen=True)
class SweepCase:
    """One case of the sweep with a key that names it in every knowledge base version.

    Attributes:
        key: ``<nerve IRI local name>@<level id>`` or ``…@none/<region id>``; stable when a
            label changes, so a base and a current sweep can be matched case by case.
        case: the case itself (the nerve named by its label, as a user would type it).
    """

    key: str
    case: Case


def sweep(kb: KnowledgeBase, index: AnatomyIndex | None = None) -> list[SweepCase]:
    """Every single-nerve case the planner accepts, keyed (see :class:`SweepCase`).

    Args:
        kb: the knowledge base.
        index: its anatomy index, if one is at hand (a planner's ``index``); built otherwise.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> keys = {s.key for s in sweep(load_knowledge_base())}
        >>> "MedianNerve@transhumeral" in keys and "SuralNerve@none/leg" in keys
        True
        >>> "SuralNerve@transhumeral" in keys
        False
    """
    index = index or AnatomyIndex(kb)
    sites: list[tuple[str, Site, Case]] = []
    for level_id in LEVEL_IDS:
        level = kb.level_ids.get(level_id)
        if level is not None and kb.objects(level, TMR.stumpRegion):
            sites.append((level_id, index.site(level_id, None), Case((), level_id)))
            sites += _ray_readings(kb, index, level_id)
    for region_id in sorted(kb.region_ids):
        case = Case((), "none", region_id)
        sites.append((f"none/{region_id}", index.site("none", region_id), case))
    nerves = sorted({n for cls in NEUROMA_NERVE_CLASSES for n in kb.entities(cls)}, key=local_name)
    found = []
    for nerve in nerves:
        for where, site, case in sites:
            if index.reaches(nerve, site):
                named = replace(case, nerves=(kb.label(nerve),))
                found.append(SweepCase(f"{local_name(nerve)}@{where}", named))
    return found


def _ray_readings(
    kb: KnowledgeBase, index: AnatomyIndex, level_id: str
) -> list[tuple[str, Site, Case]]:
    """A level that names rays, read with them: every ray through each through-level of its
    limb, and each ray alone through its first joint of the hand or foot (MCP, MTP), so that the
    sweep holds determined hand and foot readings, not only the undetermined bare level. Keyed
    ``<level>/<digits>@<through>`` (``all`` for every ray)."""
    level = kb.level_ids[level_id]
    if not names_rays(kb, level):
        return []
    limb = level_limb(kb, level)
    field = "toes" if limb == TMR.LowerLimb else "digits"
    digits = limb_digits(kb, limb)
    throughs = limb_throughs(kb, limb)
    readings = [
        ("all", [d for d in digits if d not in kb.objects(t, TMR.notForDigit)], t) for t in throughs
    ]
    readings += [(kb.value(d, TMR.digitId) or "", [d], throughs[2]) for d in digits]  # mcp, mtp
    found = []
    for name, rays, through in readings:
        through_id = kb.value(through, TMR.throughId) or ""
        ids = tuple(kb.value(d, TMR.digitId) or "" for d in rays)
        given = {field: () if whole_foot(kb, through) else ids, "through": through_id}
        case = Case((), level_id, **given)  # type: ignore[arg-type]
        site = index.site(level_id, None, **given)  # type: ignore[arg-type]
        found.append((f"{level_id}/{name}@{through_id}", site, case))
    return found


def sweep_cases(kb: KnowledgeBase, index: AnatomyIndex | None = None) -> list[Case]:
    """Every neuroma nerve at every level (and intact-limb region) it can be planned at.

    The cases of :func:`sweep` without their keys; see there for an example.
    """
    return [s.case for s in sweep(kb, index)]


def reference_cases(rules_dir: Path) -> list[tuple[str, Case]]:
    """The golden reference cases of a rules directory (``reference_cases/*.json``), by file stem.

    Raises:
        RuleFileError: for a file that is not JSON or has no ``case``.
        InvalidCaseError: for a malformed case (naming the file).

    Example:
        >>> from tmrplan import paths
        >>> name, case = reference_cases(paths.rules_dir())[3]
        >>> name, case.nerves, case.level
        ('04_th_median', ('median nerve',), 'transhumeral')
    """
    found = []
    for path in sorted((rules_dir / "reference_cases").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RuleFileError(f"reference case does not load: {exc}", path=str(path)) from exc
        if not isinstance(data, dict) or "case" not in data:
            raise RuleFileError("a reference case file needs a 'case' object", path=str(path))
        found.append((path.stem, parse_case(data["case"], str(path))))
    return found


# ------------------------------------------------------------------------------- fact sets
def candidate_facts(index: AnatomyIndex, cases: Iterable[Case]) -> list[CandidateFacts]:
    """The distinct option fact sets of every candidate of the cases (no rules are run).

    These are the facts the planner hands the engine for each candidate before the conflict-free
    assignment (which may add ``donor_taken_by_other_nerve`` in multi-nerve cases).

    Raises:
        UnknownEntityError, InvalidCaseError: for a case the planner would refuse.
    """
    kb = index.kb
    counts: Counter[tuple[tuple[str, Any], ...]] = Counter()
    examples: dict[tuple[tuple[str, Any], ...], str] = {}
    for case in cases:
        site = index.case_site(case)
        where = case.level if case.level != "none" else f"intact {case.region}"
        context = {k: v for k, v in case.context.items() if k in CONTEXT_FIELDS}
        for name in case.nerves:
            nerve = resolve_nerve(index, name, site).entity
            index.check_nerve(nerve, site)
            for candidate in index.candidates(nerve, site):
                key = tuple(sorted(option_facts(index, candidate, site, context).items()))
                counts[key] += 1
                examples.setdefault(
                    key,
                    f"{kb.label(nerve)} @ {where}: {kb.label(candidate.branch)} → "
                    f"{kb.label(candidate.muscle)}",
                )
    return [CandidateFacts(key, n, examples[key]) for key, n in counts.items()]


# ------------------------------------------------------------------------------- planning
def plan_all(planner: Planner, cases: Sequence[Case]) -> list[Plan]:
    """Plan every case (for governance counts and impact analysis).

    Raises:
        UnknownEntityError, InvalidCaseError: for a case the planner refuses.
    """
    return [planner.plan(case) for case in cases]


def fire_counts(plans: Iterable[Plan]) -> dict[str, int]:
    """How often each rule card fired across plans: once per option flag and per case flag.

    Example:
        >>> fire_counts([])
        {}
    """
    counts: Counter[str] = Counter()
    for plan in plans:
        counts.update(f.rule_id for f in plan.case_flags)
        for nerve in plan.nerves:
            for option in nerve.options:
                counts.update(f.rule_id for f in option.flags)
    return dict(sorted(counts.items()))


def describe_case(case: Case) -> str:
    """A case in a few words: nerves @ level (or intact region), and any context.

    Example:
        >>> describe_case(Case(("sural nerve",), "none", "leg", context={"anticoagulants": True}))
        'sural nerve @ intact leg (anticoagulants=yes)'
    """
    where = case.level if case.level != "none" else f"intact {case.region}"
    context = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in sorted(case.context.items()))
    return f"{' + '.join(case.nerves)} @ {where}" + (f" ({context})" if context else "")


def keyed_reference_cases(rules_dir: Path) -> dict[str, Case]:
    """Reference cases keyed ``ref:<file stem>`` (the keys impact analysis reports)."""
    return {f"ref:{name}": case for name, case in reference_cases(rules_dir)}


def keyed_sweep(kb: KnowledgeBase, index: AnatomyIndex | None = None) -> dict[str, Case]:
    """The sweep keyed ``sweep:<nerve id>@<where>`` (the keys impact analysis reports)."""
    return {f"sweep:{s.key}": s.case for s in sweep(kb, index)}
