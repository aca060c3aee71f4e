"""The entry points of impact analysis: plan every case under a base and under the current data,
and gather the differences, their causes and the semantic-versioning verdict into one report."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from tmrplan.governance.impact.base import (
    NO_RANKING,
    NOT_VALIDATED,
    load_base_planner,
    materialise_base,
)
from tmrplan.governance.impact.causes import Attribution
from tmrplan.governance.impact.plan_diff import PlanDiff
from tmrplan.governance.impact.records import CaseDiff, ImpactReport
from tmrplan.governance.impact.semver import semver_violations
from tmrplan.model import Case
from tmrplan.planning.planner import Planner
from tmrplan.planning.sweep import keyed_reference_cases, keyed_sweep
from tmrplan.rules.ranking import RANKING_FILE
from tmrplan.rules.signing import changes_between, load_signers


def impact(
    base: str | Path,
    current: Planner,
    *,
    sweep: bool = True,
    repo: Path | None = None,
    validate_base: bool = False,
    current_label: str = "working copy",
) -> ImpactReport:
    """Compare plans under a base (directory or git revision) with plans under ``current``.

    Args:
        base: a directory with ``ontology/`` and ``rules/``, or a git revision (``HEAD``,
            ``main~3``, a tag) of the repository holding ``current``'s data.
        current: the planner of the current data (its ontology and rules directories are what a
            git revision is read for).
        sweep: also compare the exhaustive sweep (not only the reference cases).
        repo: the git repository (default: the one containing ``current``'s rules directory).
        validate_base: run SHACL and the violation queries on the base too (slower; by default
            the base is loaded without them, and the report says so).
        current_label: how the current side is named in the report.

    Raises:
        UnknownEntityError: for a base that is neither a directory nor a revision.
        KnowledgeBaseError, RuleFileError: for base data that does not load.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> report = impact("HEAD", load_planner(), sweep=False)  # doctest: +SKIP
        >>> report.changed  # doctest: +SKIP
        False
    """
    with materialise_base(base, current, repo) as (ontology, rules, label):
        own_ranking = (rules / RANKING_FILE).exists()
        base_planner = load_base_planner(
            ontology, rules, validate=validate_base, ranking_from=current.rulebook.directory
        )
        notes = (() if validate_base else (NOT_VALIDATED,)) + (() if own_ranking else (NO_RANKING,))
        # Who may sign approvals changes no plan by itself, but which approvals count.
        notes += changes_between(load_signers(rules), load_signers(current.rulebook.directory))
        return compare(
            base_planner,
            current,
            sweep=sweep,
            base_label=label,
            current_label=current_label,
            notes=notes,
        )


def compare(
    base: Planner,
    current: Planner,
    *,
    cases: Mapping[str, Case] | None = None,
    sweep: bool = True,
    base_label: str = "base",
    current_label: str = "current",
    notes: Sequence[str] = (),
    skip_identical: bool = True,
) -> ImpactReport:
    """Plan cases under both planners and report every difference with its cause.

    Args:
        base, current: the two planners.
        cases: the cases to compare, by key (planned as given under both); by default every
            reference case of both rules directories (``ref:<stem>``) and, with ``sweep``, the
            sweep of both knowledge bases (``sweep:<nerve id>@<where>``).
        sweep: include the exhaustive sweep (ignored when ``cases`` is given).
        base_label, current_label: names of the two sides in the report.
        notes: caveats to carry into the report.
        skip_identical: when both sides hold the same data (equal content hashes of the
            knowledge files and the cards), report no change without planning anything.

    Raises:
        EngineError: if the engine fails.
    """
    started = time.perf_counter()
    identical = (base.kb.version, base.rulebook.version) == (
        current.kb.version,
        current.rulebook.version,
    )
    if identical and skip_identical:
        notes = (
            *notes,
            "base and current hold the same data (equal content hashes): not replanned",
        )
    causes = Attribution(base, current)
    differ = PlanDiff(causes)
    pairs: dict[str, tuple[Case | None, Case | None]] = {}
    references: set[str] = set()
    sweeps = 0
    if cases is not None:
        pairs = {k: (c, c) for k, c in cases.items()}
        references = {k for k in cases if k.startswith("ref:")}
    else:
        old_refs = keyed_reference_cases(base.rulebook.directory)
        new_refs = keyed_reference_cases(current.rulebook.directory)
        for key in sorted(old_refs.keys() | new_refs.keys()):
            pairs[key] = (new_refs.get(key) or old_refs[key], new_refs.get(key) or old_refs[key])
        references = set(pairs)
        if sweep:
            old_sweep = keyed_sweep(base.kb, base.index)
            new_sweep = keyed_sweep(current.kb, current.index)
            for key in sorted(old_sweep.keys() | new_sweep.keys()):
                old, new = old_sweep.get(key), new_sweep.get(key)
                pairs[key] = (old or new, new or old)
            sweeps = len(pairs) - len(references)
    diffs = []
    for key, (old_case, new_case) in pairs.items():
        if identical and skip_identical:
            break
        assert old_case is not None and new_case is not None
        changes = differ.diff_case(old_case, new_case)
        if changes:
            diffs.append(CaseDiff(key, new_case, key in references, tuple(changes)))
    diffs.sort(key=lambda d: (not d.reference, d.key))
    report = ImpactReport(
        base=base_label,
        current=current_label,
        versions={
            "base": {"kb": base.kb.version, "rules": base.rulebook.version},
            "current": {"kb": current.kb.version, "rules": current.rulebook.version},
        },
        cards=tuple(causes.cards.values()),
        triples_added=tuple(sorted(causes.format(t) for t in causes.added)),
        triples_removed=tuple(sorted(causes.format(t) for t in causes.removed)),
        reference_cases=len(references),
        sweep_cases=sweeps,
        diffs=tuple(diffs),
        notes=tuple(notes),
        seconds=round(time.perf_counter() - started, 2),
    )
    return replace(report, violations=tuple(semver_violations(report)))
