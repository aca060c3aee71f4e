"""What impact analysis finds: how cards differ, the changes between two plans, and their causes.

Plain frozen records: :mod:`.plan_diff` builds them, :mod:`.semver` judges them, :mod:`.report`
renders them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tmrplan.model import Case, Ref


def major(version: str) -> int:
    """The MAJOR part of a ``MAJOR.MINOR.PATCH`` version.

    Example:
        >>> major("2.1.0")
        2
    """
    return int(version.split(".", 1)[0])


@dataclass(frozen=True)
class CardChange:
    """How one rule card differs between base and current.

    Attributes:
        rule_id: the card.
        change: ``added``, ``removed`` or ``changed``.
        old_version, new_version: its versions (None where it does not exist).
        content_changed: whether the card's content hash differs.
        parts: which parts changed (``conditions``, ``message``…; see ``causes.CARD_PARTS``).
    """

    rule_id: str
    change: str
    old_version: str | None
    new_version: str | None
    content_changed: bool
    parts: tuple[str, ...]

    @property
    def major_bumped(self) -> bool:
        """Whether the MAJOR version went up (a card new in current counts as bumped)."""
        if self.old_version is None:
            return True
        if self.new_version is None:
            return False
        return major(self.new_version) > major(self.old_version)

    def in_words(self) -> str:
        """E.g. ``TMR-RISK-HIGH 1.0.0 → 1.1.0 (severity, message changed)``."""
        if self.change == "added":
            return f"{self.rule_id} added at {self.new_version}"
        if self.change == "removed":
            return f"{self.rule_id} {self.old_version} removed"
        what = f"{', '.join(self.parts)} changed" if self.parts else "content unchanged"
        return f"{self.rule_id} {self.old_version} → {self.new_version} ({what})"


@dataclass(frozen=True)
class Cause:
    """Why a change happened.

    Attributes:
        kind: ``card``, ``ontology``, ``assignment`` or ``unexplained``.
        card: for ``card``: how the card changed.
        facts: option facts that changed, as ``name: old → new``.
        triples: for ``ontology``: triples added (``+``) or removed (``-``) about the entities
            involved, at most ``causes.TRIPLES_PER_CAUSE`` (then a ``… n more`` line).
        note: anything else worth saying.
    """

    kind: str
    card: CardChange | None = None
    facts: tuple[str, ...] = ()
    triples: tuple[str, ...] = ()
    note: str = ""

    def in_words(self) -> str:
        """The cause in one line (triples follow on their own lines in renderings)."""
        head = f"card {self.card.in_words()}" if self.card is not None else self.kind
        extra = [f"facts {'; '.join(self.facts)}"] if self.facts else []
        extra += [self.note] if self.note else []
        return head + (" — " + "; ".join(extra) if extra else "")


@dataclass(frozen=True)
class Change:
    """One difference between the base plan and the current plan of a case.

    Attributes:
        what: ``plannable``, ``option added``, ``option removed``, ``rank``, ``donor status``,
            ``strength-loss risk``, ``evidence``, ``facts``, ``flag added``, ``flag removed``,
            ``flag changed``, ``assignment``, ``case flag added``, ``case flag removed``,
            ``case flag changed``, ``unknown added``, ``unknown removed``.
        nerve: the neuroma nerve (None for the case as a whole).
        donor, target: the option (None unless the change is about one option).
        old, new: the values before and after, in words (None where there is none).
        rule_id: the flag's rule, for flag changes.
        causes: why.
        output: whether the clinical output changed (options, ranks, statuses, risks, flags and
            their wording); False for bookkeeping (a version or citation only) and for facts.
    """

    what: str
    nerve: Ref | None
    donor: Ref | None
    target: Ref | None
    old: str | None
    new: str | None
    rule_id: str | None = None
    causes: tuple[Cause, ...] = ()
    output: bool = True

    @property
    def where(self) -> str:
        """The nerve and option it is about, e.g. ``median nerve · branch → muscle``; or ``case``."""
        parts = [self.nerve.label if self.nerve else "case"]
        if self.donor and self.target:
            parts.append(f"{self.donor.label} → {self.target.label}")
        return " · ".join(parts)

    def values_in_words(self) -> str:
        """What changed, e.g. ``donor status: redundant → partial``."""
        rule = f" {self.rule_id}" if self.rule_id else ""
        if self.old is not None and self.new is not None:
            values = f"{self.old} → {self.new}"
        else:
            values = self.new if self.new is not None else (self.old or "")
        return f"{self.what}{rule}: {values}"

    def in_words(self) -> str:
        """E.g. ``median nerve · branch to X → X: donor status: redundant → partial``."""
        return f"{self.where}: {self.values_in_words()}"


@dataclass(frozen=True)
class CaseDiff:
    """The changes of one case (only cases with changes are reported)."""

    key: str
    case: Case
    reference: bool
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class ImpactReport:
    """Everything impact analysis found.

    Attributes:
        base, current: what was compared (e.g. ``HEAD (3fa2…)``, ``working copy``).
        versions: ``{"base": {"kb":…, "rules":…}, "current": {…}}``.
        cards: every card that differs, whether or not a plan changed.
        triples_added, triples_removed: the knowledge graphs' difference, as Turtle-like lines.
        reference_cases, sweep_cases: how many cases were compared.
        diffs: the cases whose plans changed, reference cases first.
        notes: caveats (e.g. the base was not validated).
        seconds: how long the comparison took.
        violations: what :func:`semver_violations` says about it.
    """

    base: str
    current: str
    versions: dict[str, dict[str, str]]
    cards: tuple[CardChange, ...]
    triples_added: tuple[str, ...]
    triples_removed: tuple[str, ...]
    reference_cases: int
    sweep_cases: int
    diffs: tuple[CaseDiff, ...]
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    violations: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether any compared plan changed."""
        return bool(self.diffs)
