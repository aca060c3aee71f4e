"""Plain, frozen data: cases in, plans out. No I/O, no graph, no engine.

A case carries no names, dates of birth or record numbers: there is no field for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from tmrplan.errors import InvalidCaseError, UnknownCaseFieldError
from tmrplan.hashchain import ChainHead
from tmrplan.text import suggest, to_short_repr

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
        position: for an intact limb, which third of the region (proximal, middle, distal); None
            when not stated (the middle of the region is used, and the plan says so).
        side: ``left``/``right`` or None when not stated.
        context: values for ``CONTEXT_FIELDS``; a missing key means "not stated".
        allow_shared_targets: whether two nerves may be assigned the same target.
        digits: at a hand level, the digits amputated (``thumb``, ``index``, ``middle``,
            ``ring``, ``little``); empty when not stated (an unknown, never assumed).
        toes: at a foot level, the toes amputated (``hallux``, ``second`` … ``fifth``).
        through: where those digits or toes were amputated (hand ``dip``, ``pip``, ``mcp``,
            ``metacarpal``, ``cmc``; foot ``ip``, ``mtp``, ``metatarsal``, ``lisfranc``,
            ``chopart``); None when not stated.
        residual: ``short``, ``mid`` or ``long`` at a trans-segment level; None when not stated
            (planned as mid-segment, and listed as an unknown).
    """

    nerves: tuple[str, ...]
    level: str
    region: str | None = None
    side: str | None = None
    context: dict[str, bool] = field(default_factory=dict)
    allow_shared_targets: bool = False
    position: str | None = None  # after the 0.1 fields, so that positional callers keep working
    digits: tuple[str, ...] = ()
    toes: tuple[str, ...] = ()
    through: str | None = None
    residual: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the batch line format of DESIGN.md)."""
        data = asdict(self)
        data["nerves"] = list(self.nerves)
        data["digits"], data["toes"] = list(self.digits), list(self.toes)
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
    # The ranking card's verdict: ranks of the options equal to this one after every key (listed
    # by id, not ordered by them), and the keys that could not rank it (value unknown).
    tied_with: tuple[int, ...] = ()
    unranked_by: tuple[str, ...] = ()
    # The nerve the donor branch comes from ("→ musculocutaneous nerve"): where a surgeon finds it.
    donor_parent: Ref | None = None


@dataclass(frozen=True)
class NervePlan:
    """Every option for one neuroma nerve, and which one the conflict-free assignment chose."""

    nerve: Ref
    region: Ref
    options: tuple[Option, ...]
    assigned_rank: int | None
    # The name as typed and what it matched (issue 14): the entity's own name that matched and
    # how (label, synonym, abbreviation, normalised, partial), so that a plan shows which nerve
    # a typed name was taken to be. Empty when the plan was not made from a typed name.
    typed: str = ""
    matched_name: str = ""
    matched_by: str = ""
    # Published coaptations that use no donor branch (end-to-side to a recipient nerve), as the
    # evidence of an option is described: not options, but choices the surgeon should see.
    other_coaptations: tuple[dict[str, Any], ...] = ()


# What an unknown is about: a case input that was not stated, knowledge the knowledge base does
# not hold, or something the planner looked for and did not find.
UNKNOWN_KINDS = ("not_stated", "not_sourced", "none_found")


@dataclass(frozen=True)
class Unknown:
    """One thing a plan does not know, typed: which field, what it means, and the sentence every
    rendering shows (``Plan.unknowns`` holds the sentences in the same order).

    Attributes:
        field: the case field not stated (``side``, ``digits``, ``toes``, ``through``,
            ``residual``, ``position``, ``context.<key>``) or what the plan lacks
            (``nerve_diameter``, ``published_pattern``, ``candidate_donor``, ``assignment``).
        kind: one of ``UNKNOWN_KINDS``.
        meaning: what is not known, in a few words.
        text: the sentence, as in ``Plan.unknowns``.
        nerve: the neuroma nerve it is about, for a per-nerve unknown.

    Example:
        >>> Unknown("side", "not_stated", "side (left or right)", "side (left or right) not stated")
        ... # doctest: +ELLIPSIS
        Unknown(field='side', kind='not_stated', ...)
    """

    field: str
    kind: str
    meaning: str
    text: str
    nerve: Ref | None = None


@dataclass(frozen=True)
class RankingInfo:
    """Which ranking card ordered a plan's options, as the plan names it."""

    id: str
    version: str
    keys: tuple[str, ...]

    def in_words(self) -> str:
        """E.g. ``ranked by TMR-RANKING v1.0.0: published in patients, septa crossed, …``."""
        return f"ranked by {self.id} v{self.version}: {', '.join(self.keys)}"


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
    # The ranking card that ordered the options: its id, version and key names, in order.
    ranking: RankingInfo | None = None
    # What was amputated beyond the level, in words ("index finger and middle finger through the
    # metacarpal …; thumb, ring finger and little finger spared"); empty when the level says all.
    amputation: str = ""
    # The site in words: the level's name ("transhumeral amputation"), or "intact limb: forearm".
    where: str = ""
    # The approvals ledger the plan's approvals were read from, as its count and newest hash:
    # a ledger later found shorter than this, or with another entry there, was cut or replaced
    # (tmrplan.hashchain). None where the planner was not given one.
    approvals_ledger: ChainHead | None = None
    # The unknowns typed (field, kind, meaning, sentence), in the order of ``unknowns``; empty for
    # a plan built without them (its JSON then types each sentence as field ``other``).
    typed_unknowns: tuple[Unknown, ...] = ()

    @property
    def is_preview(self) -> bool:
        """Whether any rule card behind this plan lacks governance approval."""
        return bool(self.preview_cards)


_CASE_FIELDS = {
    "side",
    "level",
    "region",
    "position",
    "nerves",
    "context",
    "allow_shared_targets",
    "digits",
    "toes",
    "through",
    "residual",
}


# Longer than any name in the knowledge base (the longest is ~130 characters): a longer value is
# refused before any lookup, and shown cut short, so no message echoes a pasted page.
MAX_NAME_LENGTH = 200


def check_name_length(what: str, value: str) -> None:
    """Refuse a name longer than ``MAX_NAME_LENGTH``, showing its start and its length.

    Raises:
        InvalidCaseError: for a longer name.
    """
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidCaseError(
            f"{what} {to_short_repr(value)} is too long: names are at most "
            f"{MAX_NAME_LENGTH} characters"
        )


def check_context(context: Mapping[str, object]) -> dict[str, bool]:
    """The one check of a case's context, wherever it comes from (JSON, the command line, the
    API): every key one of ``CONTEXT_FIELDS``, every value true or false.

    Raises:
        UnknownCaseFieldError: for an unknown key, with the closest known ones (an
            UnknownEntityError and an InvalidCaseError).
        InvalidCaseError: for a key that is too long or a value that is not a boolean.

    Example:
        >>> check_context({"anticoagulants": True})
        {'anticoagulants': True}
        >>> check_context({"anticoagulant": True})
        Traceback (most recent call last):
        ...
        tmrplan.errors.UnknownCaseFieldError: unknown context field 'anticoagulant'; did you mean 'anticoagulants'?
    """
    checked: dict[str, bool] = {}
    for key, value in context.items():
        check_name_length("context field", key)  # a huge key is not echoed whole
        if key not in CONTEXT_FIELDS:
            raise UnknownCaseFieldError("context field", key, suggest(key, list(CONTEXT_FIELDS), 3))
        if not isinstance(value, bool):
            raise InvalidCaseError(
                f"context {key!r} must be true or false, not {to_short_repr(value)}"
            )
        checked[key] = value
    return checked


def parse_case(data: object, where: str = "") -> Case:
    """A case from decoded JSON in the batch line format of DESIGN.md (batch lines, reference
    cases). Every field's type is checked here, at the JSON boundary, since JSON gives any type
    anywhere; values are shown cut short.

    Raises:
        InvalidCaseError: naming ``where`` (if given) and the field at fault.
        UnknownEntityError: for a context field that is not one of ``CONTEXT_FIELDS``.

    Example:
        >>> parse_case({"nerves": ["sural nerve"], "level": "transtibial"}).nerves
        ('sural nerve',)
    """
    at = f"{where}: " if where else ""
    if not isinstance(data, dict):
        raise InvalidCaseError(f"{at}a case must be a JSON object")
    unknown = sorted(set(data) - _CASE_FIELDS)
    if unknown:
        raise InvalidCaseError(f"{at}unknown field(s) {', '.join(map(repr, unknown))}")
    nerves, level, context = data.get("nerves"), data.get("level"), data.get("context")
    if not isinstance(nerves, list) or not all(isinstance(n, str) for n in nerves):
        raise InvalidCaseError(f"{at}nerves must be a list of names, not {to_short_repr(nerves)}")
    if not isinstance(level, str):
        raise InvalidCaseError(f"{at}level must be a level id, not {to_short_repr(level)}")
    for key in ("digits", "toes"):
        rays = data.get(key, [])
        if not isinstance(rays, list | None) or not all(isinstance(r, str) for r in rays or []):
            raise InvalidCaseError(f"{at}{key} must be a list of names, not {to_short_repr(rays)}")
    for key in ("region", "side", "position", "through", "residual"):
        if not isinstance(data.get(key), str | None):
            raise InvalidCaseError(
                f"{at}{key} must be text or null, not {to_short_repr(data[key])}"
            )
    if not isinstance(context, dict | None):
        raise InvalidCaseError(f"{at}context must be an object, not {to_short_repr(context)}")
    try:
        context = check_context(context or {})
    except UnknownCaseFieldError:
        raise  # the same error, word for word, as from the command line and the API
    except InvalidCaseError as error:
        raise InvalidCaseError(f"{at}{error}") from None
    shared = data.get("allow_shared_targets", False)
    if not isinstance(shared, bool):
        raise InvalidCaseError(
            f"{at}allow_shared_targets must be true or false, not {to_short_repr(shared)}"
        )
    return Case(
        nerves=tuple(nerves),
        level=level,
        region=data.get("region"),
        side=data.get("side"),
        position=data.get("position"),
        context=context,
        allow_shared_targets=shared,
        digits=tuple(data.get("digits") or ()),
        toes=tuple(data.get("toes") or ()),
        through=data.get("through"),
        residual=data.get("residual"),
    )
