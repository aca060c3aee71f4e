"""Impact analysis: which plans change between a base and the current rules and ontology, and why.

The base is a directory holding ``ontology/`` and ``rules/``, or a git revision of the repository
the current data lives in (:mod:`.base`). Every reference case and the exhaustive sweep
(:mod:`tmrplan.planning.sweep`) are planned under both, and the plans compared (:mod:`.plan_diff`):
per case → per nerve → option added, removed or re-ranked, donor status or risk changed, flag
added, removed or changed. Each change names its cause (:mod:`.causes`):

* a **card** (id, old → new version, which parts of it changed) when a flag it sets differs and
  the card itself changed;
* the **ontology** when options or facts differ and no card explains it, with the triples added
  or removed about the entities involved (nerve, donor, target and its actions, level, region);
* the **assignment** when only ``donor_taken_by_other_nerve`` differs: the conflict-free
  assignment moved because of the case's other changes.

Semantic versioning (:mod:`.semver`): a reference plan whose output changes because of a card
whose MAJOR version did not change is a violation. The report is rendered as JSON-ready data, text
or Markdown (:mod:`.report`).

Modules, each over the ones before it: ``records`` (what is found), ``base`` (the base side),
``causes`` (card and triple differences), ``plan_diff`` (comparing two plans), ``semver``,
``analysis`` (:func:`impact` and :func:`compare`), ``report``.
"""

from __future__ import annotations

from tmrplan.governance.impact.analysis import compare, impact
from tmrplan.governance.impact.base import load_base_planner, materialise_base
from tmrplan.governance.impact.causes import (
    ASSIGNMENT_FACTS,
    CARD_PARTS,
    TRIPLES_PER_CAUSE,
    card_changes,
)
from tmrplan.governance.impact.records import CardChange, CaseDiff, Cause, Change, ImpactReport
from tmrplan.governance.impact.report import to_json_dict, to_markdown, to_text
from tmrplan.governance.impact.semver import semver_violations

__all__ = [
    "ASSIGNMENT_FACTS",
    "CARD_PARTS",
    "TRIPLES_PER_CAUSE",
    "CardChange",
    "CaseDiff",
    "Cause",
    "Change",
    "ImpactReport",
    "card_changes",
    "compare",
    "impact",
    "load_base_planner",
    "materialise_base",
    "semver_violations",
    "to_json_dict",
    "to_markdown",
    "to_text",
]
