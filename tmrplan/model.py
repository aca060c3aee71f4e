"""Plain, frozen data: cases in, plans out. No I/O, no graph, no engine.

A case carries no names, dates of birth or record numbers: there is no field for them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

LEVEL_IDS = (
    "shoulder_disarticulation",
    "transhumeral",
    "elbow_disarticulation",
    "transradial",
    "wrist_disarticulation",
    "partial_hand",
    "digit",
    "hip_disarticulation",
    "transfemoral",
    "knee_disarticulation",
    "transtibial",
    "ankle_disarticulation",
    "partial_foot",
    "none",
)
SIDES = ("left", "right")

# The optional context of a case: each is True, False or not stated (None → listed as unknown).
CONTEXT_FIELDS = {
    "myoelectric_prosthesis": "whether a myoelectric prosthesis is planned",
    "strength_needs": "whether the patient needs to keep strength for work or sport",
    "anticoagulants": "whether the patient takes anticoagulants",
    "prior_surgery_at_site": "whether there was earlier surgery at the neuroma site",
}


class DonorStatus(StrEnum):
    """What using a donor costs, as the rules judge it."""

    REDUNDANT = "redundant"
    PARTIAL = "partial"
    FUNCTIONAL = "functional"
    UNKNOWN = "unknown"


class Risk(StrEnum):
    """Qualitative strength-loss risk: words only, never a number."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    """How much attention a flag asks for."""

    INFO = "info"
    CAUTION = "caution"
    WARNING = "warning"


@dataclass(frozen=True)
class Case:
    """One patient's planning question, anonymous by construction.

    Attributes:
        nerves: neuroma nerve names as typed (labels, synonyms or abbreviations).
        level: one of ``LEVEL_IDS``; ``none`` for an intact limb.
        region: the neuroma's region id, required when ``level == "none"``.
        side: ``left``/``right`` or None when not stated.
        context: values for ``CONTEXT_FIELDS``; a missing key means "not stated".
        allow_shared_targets: whether two nerves may be assigned the same target.
    """

    nerves: tuple[str, ...]
    level: str
    region: str | None = None
    side: str | None = None
    context: dict[str, bool] = field(default_factory=dict)
    allow_shared_targets: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the batch line format of DESIGN.md)."""
        data = asdict(self)
        data["nerves"] = list(self.nerves)
        return data


@dataclass(frozen=True)
class Ref:
    """An entity named in a plan: its id (IRI local name) and label."""

    id: str
    label: str


@dataclass(frozen=True)
class Flag:
    """A rule that fired for an option (or for the case), with its basis."""

    rule_id: str
    rule_version: str
    code: str
    severity: Severity
    message: str
    facts: dict[str, Any]
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    """One donor → target option for one neuroma nerve."""

    rank: int
    donor_nerve: Ref
    target_muscle: Ref
    donor_status: DonorStatus
    strength_loss_risk: Risk
    sort_keys: dict[str, Any]
    evidence: tuple[dict[str, Any], ...]
    flags: tuple[Flag, ...]
    facts: dict[str, Any]


@dataclass(frozen=True)
class NervePlan:
    """Every option for one neuroma nerve, and which one the conflict-free assignment chose."""

    nerve: Ref
    region: Ref
    options: tuple[Option, ...]
    assigned_rank: int | None


@dataclass(frozen=True)
class Plan:
    """A plan: options with their basis, never a single directive."""

    case: Case
    kb_version: str
    rules_version: str
    nerves: tuple[NervePlan, ...]
    case_flags: tuple[Flag, ...]
    alternatives: tuple[dict[str, Any], ...]
    instructions: tuple[dict[str, Any], ...]
    risks: tuple[dict[str, Any], ...]
    unknowns: tuple[str, ...]
    notice: str
    # Running rule cards not approved by clinical governance at their current content. Any at
    # all makes the whole plan a PREVIEW, and every screen and export names them.
    preview_cards: tuple[str, ...]

    @property
    def is_preview(self) -> bool:
        """Whether any rule card behind this plan lacks governance approval."""
        return bool(self.preview_cards)
