"""Impact analysis: which plans change between a base and the current rules and ontology, and why.

The base is a directory holding ``ontology/`` and ``rules/``, or a git revision of the repository
the current data lives in (its ``ontology`` and ``rules`` folders are extracted with
``git archive`` into a temporary directory, removed afterwards). Every reference case and the
exhaustive sweep (:mod:`tmrplan.planning.sweep`) are planned under both, and the plans compared: per case
→ per nerve → option added, removed or re-ranked, donor status or risk changed, flag added, removed
or changed. Each change names its cause:

* a **card** (id, old → new version, which parts of it changed) when a flag it sets differs and
  the card itself changed;
* the **ontology** when options or facts differ and no card explains it, with the triples added
  or removed about the entities involved (nerve, donor, target and its actions, level, region);
* the **assignment** when only ``donor_taken_by_other_nerve`` differs: the conflict-free
  assignment moved because of the case's other changes.

Semantic versioning (:func:`semver_violations`): a reference plan whose output changes because of
a card whose MAJOR version did not change is a violation.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from tmrplan.errors import (
    AmbiguousNameError,
    InvalidCaseError,
    KnowledgeBaseError,
    UnknownEntityError,
)
from tmrplan.knowledge.kb import KnowledgeBase, load_knowledge_base
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import Case, Flag, NervePlan, Option, Plan, Ref
from tmrplan.planning.planner import Planner
from tmrplan.planning.sweep import describe_case, keyed_reference_cases, keyed_sweep
from tmrplan.rules.cards import RuleBook, RuleCard, load_rulebook
from tmrplan.rules.outcomes import RISK_CODES, STATUS_CODES
from tmrplan.text import escape_markdown, suggest

_Triple = tuple[Node, Node, Node]
# Facts the planner sets from the case's assignment, not from anatomy.
ASSIGNMENT_FACTS = frozenset({"donor_taken_by_other_nerve"})
# Parts of a card compared to say what changed (the version is reported on its own).
CARD_PARTS = (
    "status",
    "scope",
    "match",
    "conditions",
    "code",
    "severity",
    "message",
    "sources",
    "title",
    "rationale",
    "author",
    "reviewer",
    "review_due",
    "tests",
)
# Flag fields whose change is not a change of clinical output (so not a MAJOR change).
_BOOKKEEPING = frozenset({"rule_version", "sources", "notes"})
# Parts of a card that change whether it fires, and parts that change what its flag says.
_FIRING = frozenset({"status", "scope", "match", "conditions"})
_WORDING = frozenset({"code", "severity", "message", "sources", "review_due"})
TRIPLES_PER_CAUSE = 5
_REFUSED = (UnknownEntityError, AmbiguousNameError, InvalidCaseError)


# ------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class CardChange:
    """How one rule card differs between base and current.

    Attributes:
        rule_id: the card.
        change: ``added``, ``removed`` or ``changed``.
        old_version, new_version: its versions (None where it does not exist).
        content_changed: whether the card's content hash differs.
        parts: which parts changed (``conditions``, ``message``…; see ``CARD_PARTS``).
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
        return _major(self.new_version) > _major(self.old_version)

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
            involved, at most ``TRIPLES_PER_CAUSE`` (then a ``… n more`` line).
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


# ------------------------------------------------------------------------------- entry points
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
        base_planner = load_base_planner(ontology, rules, validate=validate_base)
        notes = () if validate_base else (_NOT_VALIDATED,)
        return compare(
            base_planner,
            current,
            sweep=sweep,
            base_label=label,
            current_label=current_label,
            notes=notes,
        )


_NOT_VALIDATED = (
    "the base knowledge base was loaded without validation (SHACL shapes and violation queries "
    "were not run on it)"
)


def load_base_planner(ontology: Path, rules: Path, *, validate: bool = False) -> Planner:
    """A planner for base data (validated only if asked: it is history, not what will plan).

    Raises:
        KnowledgeBaseError, RuleFileError: for data that does not load (or, with ``validate``,
            a knowledge base with violations).
    """
    kb = load_knowledge_base(ontology)
    if validate:
        from tmrplan.knowledge.validation import ensure_valid

        ensure_valid(kb)
    return Planner(kb, load_rulebook(rules, known_sources=kb.source_ids()))


@contextmanager
def materialise_base(
    base: str | Path, current: Planner, repo: Path | None = None
) -> Iterator[tuple[Path, Path, str]]:
    """The base's ontology and rules directories, and a label; temporary ones are removed after.

    Raises:
        UnknownEntityError: for a base that is neither a directory nor a git revision.
        KnowledgeBaseError: for a revision without the current data's folders.
    """
    folder = Path(base)
    if folder.is_dir():
        if not (folder / "ontology").is_dir() and not (folder / "rules").is_dir():
            raise UnknownEntityError("base directory (with ontology/ and rules/)", str(base))
        yield folder / "ontology", folder / "rules", str(folder)
        return
    ontology_dir, rules_dir = current.kb.directory.resolve(), current.rulebook.directory.resolve()
    top = repo or _git_toplevel(rules_dir, str(base))
    revision = str(base)
    # A revision never starts with "-": refuse what git would read as an option.
    sha = (
        None
        if revision.startswith("-")
        else _git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    )
    if sha is None:
        refs = (_git(top, "for-each-ref", "--format=%(refname:short)") or "").split()
        close = suggest(revision, [*refs, "HEAD"], 3)
        raise UnknownEntityError("base (directory or git revision)", revision, close)
    try:
        folders = [p.relative_to(top.resolve()).as_posix() for p in (ontology_dir, rules_dir)]
    except ValueError as exc:
        raise KnowledgeBaseError(
            f"the current ontology and rules are not inside the git repository {str(top)!r}",
        ) from exc
    archive = subprocess.run(
        ["git", "-C", str(top), "archive", "--format=tar", sha.strip(), "--", *folders],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        why = archive.stderr.decode(errors="replace").strip()
        raise KnowledgeBaseError(f"cannot read {', '.join(folders)} at {revision!r}: {why}")
    with tempfile.TemporaryDirectory(prefix="tmrplan-base-") as temporary:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(temporary, filter="data")
        root = Path(temporary)
        yield root / folders[0], root / folders[1], f"{revision} ({sha.strip()[:10]})"


def _git(top: Path, *args: str) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(top), *args], capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 else None


def _git_toplevel(folder: Path, base: str) -> Path:
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        raise KnowledgeBaseError(
            f"base {base!r} is not a directory, and the current rules ({str(folder)!r}) are not "
            "in a git repository to read a revision from"
        )
    return Path(top.strip())


# ------------------------------------------------------------------------------- comparing
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
    context = _Context(base, current)
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
        changes = context.diff_case(old_case, new_case)
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
        cards=tuple(context.cards.values()),
        triples_added=tuple(sorted(context.format(t) for t in context.added)),
        triples_removed=tuple(sorted(context.format(t) for t in context.removed)),
        reference_cases=len(references),
        sweep_cases=sweeps,
        diffs=tuple(diffs),
        notes=tuple(notes),
        seconds=round(time.perf_counter() - started, 2),
    )
    return replace(report, violations=tuple(semver_violations(report)))


def card_changes(base: RuleBook, current: RuleBook) -> dict[str, CardChange]:
    """Every card that differs between two rule books, by id.

    Example:
        >>> from tmrplan.rules.cards import load_rulebook
        >>> card_changes(load_rulebook(), load_rulebook())
        {}
    """
    old = {c.id: c for c in base.cards}
    new = {c.id: c for c in current.cards}
    found = {}
    for rule_id in sorted(old.keys() | new.keys()):
        a, b = old.get(rule_id), new.get(rule_id)
        if a is None and b is not None:
            found[rule_id] = CardChange(rule_id, "added", None, b.version, True, ())
        elif b is None and a is not None:
            found[rule_id] = CardChange(rule_id, "removed", a.version, None, True, ())
        elif a is not None and b is not None and _card_differs(a, b):
            parts = tuple(p for p in CARD_PARTS if getattr(a, p) != getattr(b, p))
            found[rule_id] = CardChange(
                rule_id, "changed", a.version, b.version, a.content_hash != b.content_hash, parts
            )
    return found


def _card_differs(a: RuleCard, b: RuleCard) -> bool:
    return a.version != b.version or any(getattr(a, p) != getattr(b, p) for p in CARD_PARTS)


def _major(version: str) -> int:
    return int(version.split(".", 1)[0])


class _Context:
    """What a comparison needs beyond the two plans: card and triple differences, and words."""

    def __init__(self, base: Planner, current: Planner) -> None:
        self.base, self.current = base, current
        self.cards = card_changes(base.rulebook, current.rulebook)
        self.old_cards = {c.id: c for c in base.rulebook.cards}
        self.new_cards = {c.id: c for c in current.rulebook.cards}
        old, new = set(base.kb.graph), set(current.kb.graph)
        self.added, self.removed = new - old, old - new
        self.about: dict[Node, list[tuple[str, _Triple]]] = {}
        for sign, triples in (("+", self.added), ("-", self.removed)):
            for triple in triples:
                for node in (triple[0], triple[2]):
                    self.about.setdefault(node, []).append((sign, triple))

    # -------------------------------------------------------------- cases
    def plan(self, planner: Planner, case: Case) -> Plan | str:
        try:
            return planner.plan(case)
        except _REFUSED as exc:
            return str(exc)

    def diff_case(self, old_case: Case, new_case: Case) -> list[Change]:
        old, new = self.plan(self.base, old_case), self.plan(self.current, new_case)
        if isinstance(old, str) or isinstance(new, str):
            if isinstance(old, str) and isinstance(new, str):
                return []
            entities = self._case_entities(new_case if isinstance(old, str) else old_case)
            return [
                Change(
                    "plannable",
                    None,
                    None,
                    None,
                    "no: " + old if isinstance(old, str) else "yes",
                    "no: " + new if isinstance(new, str) else "yes",
                    causes=(self.ontology(entities),),
                )
            ]
        changes: list[Change] = []
        old_nerves = {n.nerve.id: n for n in old.nerves}
        for nerve in new.nerves:
            before = old_nerves.get(nerve.nerve.id)
            if before is not None and before != nerve:
                changes += self._diff_nerve(before, nerve, new_case)
        changes += self._diff_case_flags(old, new)
        # The assignment and the unknowns are case-wide: they move with the case's other changes.
        roots = _roots(changes) or (self.ontology(self._case_entities(new_case)),)
        for line in sorted(set(old.unknowns) - set(new.unknowns)):
            changes.append(Change("unknown removed", None, None, None, line, None, None, roots))
        for line in sorted(set(new.unknowns) - set(old.unknowns)):
            changes.append(Change("unknown added", None, None, None, None, line, None, roots))
        return [replace(c, causes=roots) if c.what == "assignment" else c for c in changes]

    def _diff_nerve(self, old: NervePlan, new: NervePlan, case: Case) -> list[Change]:
        changes: list[Change] = []
        place = self._place(case, new)
        before = {(o.donor_nerve.id, o.target_muscle.id): o for o in old.options}
        after = {(o.donor_nerve.id, o.target_muscle.id): o for o in new.options}
        for key, option in before.items():
            if key not in after:
                changes.append(
                    Change(
                        "option removed",
                        new.nerve,
                        option.donor_nerve,
                        option.target_muscle,
                        _option_words(option),
                        None,
                        causes=(self.ontology(self._option_entities(new.nerve, option, place)),),
                    )
                )
        for key, option in after.items():
            if key not in before:
                changes.append(
                    Change(
                        "option added",
                        new.nerve,
                        option.donor_nerve,
                        option.target_muscle,
                        None,
                        _option_words(option),
                        causes=(self.ontology(self._option_entities(new.nerve, option, place)),),
                    )
                )
        # A rank change is a change of order among the options both plans have; one that only
        # shifts because an option was added or removed above it is not listed on its own.
        old_place = {k: i for i, k in enumerate(k for k in before if k in after)}
        new_place = {k: i for i, k in enumerate(k for k in after if k in before)}
        reranked: list[tuple[Option, Option]] = []
        for key, option in after.items():
            previous = before.get(key)
            if previous is None or previous == option:
                continue
            own = self._diff_option(new.nerve, previous, option, place)
            changes += own
            if old_place[key] != new_place[key]:
                if own and previous.sort_keys != option.sort_keys:
                    causes = _union(c.causes for c in own)
                    changes.append(_rank_change(new.nerve, previous, option, causes))
                else:
                    reranked.append((previous, option))
        # Options that only moved because others changed take the nerve's other causes.
        others = _union(c.causes for c in changes)
        for a, b in reranked:
            mine = others or (self.ontology(self._option_entities(new.nerve, b, place)),)
            changes.append(_rank_change(new.nerve, a, b, mine))
        old_pick, new_pick = _assigned(old), _assigned(new)
        if _key(old_pick) != _key(new_pick):
            changes.append(
                Change(
                    "assignment",
                    new.nerve,
                    None,
                    None,
                    _pick_words(old_pick),
                    _pick_words(new_pick),
                )
            )
        return changes

    def _diff_option(
        self, nerve: Ref, old: Option, new: Option, place: set[URIRef]
    ) -> list[Change]:
        changes: list[Change] = []
        entities = self._option_entities(nerve, old, place)
        facts = _fact_changes(old.facts, new.facts)
        fact_causes = self._fact_causes(facts, entities)
        if facts:
            changes.append(
                Change(
                    "facts",
                    nerve,
                    new.donor_nerve,
                    new.target_muscle,
                    None,
                    "; ".join(_fact_words(k, v) for k, v in facts.items()),
                    causes=fact_causes,
                    output=False,
                )
            )
        old_flags = {f.rule_id: f for f in old.flags}
        new_flags = {f.rule_id: f for f in new.flags}
        flag_causes: dict[str, tuple[Cause, ...]] = {}
        for rule_id in sorted(old_flags.keys() | new_flags.keys()):
            a, b = old_flags.get(rule_id), new_flags.get(rule_id)
            if a == b:
                continue
            causes = self._flag_causes(rule_id, a, b, facts, entities)
            flag_causes[rule_id] = causes
            changes.append(_flag_change("flag", nerve, new, rule_id, a, b, causes))
        for what, attribute, codes in (
            ("donor status", "donor_status", STATUS_CODES),
            ("strength-loss risk", "strength_loss_risk", RISK_CODES),
        ):
            a_value, b_value = getattr(old, attribute), getattr(new, attribute)
            if a_value == b_value:
                continue
            setters = {
                f.rule_id
                for f in (*old.flags, *new.flags)
                if f.code in codes and f.rule_id in flag_causes
            }
            causes = _union(flag_causes[r] for r in sorted(setters)) or fact_causes
            changes.append(
                Change(
                    what,
                    nerve,
                    new.donor_nerve,
                    new.target_muscle,
                    a_value.value,
                    b_value.value,
                    causes=causes or (self.ontology(entities),),
                )
            )
        old_evidence = sorted(e["id"] for e in old.evidence)
        new_evidence = sorted(e["id"] for e in new.evidence)
        if old_evidence != new_evidence:
            changes.append(
                Change(
                    "evidence",
                    nerve,
                    new.donor_nerve,
                    new.target_muscle,
                    ", ".join(old_evidence) or "none",
                    ", ".join(new_evidence) or "none",
                    causes=(
                        self.ontology(entities | {TMR[i] for i in old_evidence + new_evidence}),
                    ),
                )
            )
        return changes

    def _diff_case_flags(self, old: Plan, new: Plan) -> list[Change]:
        changes = []
        before = {f.rule_id: f for f in old.case_flags}
        after = {f.rule_id: f for f in new.case_flags}
        for rule_id in sorted(before.keys() | after.keys()):
            a, b = before.get(rule_id), after.get(rule_id)
            if a == b:
                continue
            card = self.cards.get(rule_id)
            causes = (Cause("card", card),) if card else (Cause("unexplained"),)
            changes.append(_flag_change("case flag", None, None, rule_id, a, b, causes))
        return changes

    # -------------------------------------------------------------- causes
    def _flag_causes(
        self,
        rule_id: str,
        old: Flag | None,
        new: Flag | None,
        facts: dict[str, tuple[Any, Any]],
        entities: set[URIRef],
    ) -> tuple[Cause, ...]:
        """The card, if what it changed explains the flag's change; facts that the card reads."""
        card = self.cards.get(rule_id)
        causes: list[Cause] = []
        if card is not None:
            parts = set(card.parts)
            fires_differently = card.change != "changed" or bool(parts & _FIRING)
            if old is None or new is None:
                blamed = fires_differently
            else:
                blamed = (
                    fires_differently
                    or bool(parts & _WORDING)
                    or card.old_version != card.new_version
                )
            if blamed:
                causes.append(Cause("card", card))
        read = {
            c.fact
            for book in (self.old_cards, self.new_cards)
            if rule_id in book
            for c in book[rule_id].conditions
        }
        causes += self._fact_causes({k: v for k, v in facts.items() if k in read}, entities)
        if not causes:
            causes.append(Cause("card", card) if card else self.ontology(entities))
        return tuple(causes)

    def _fact_causes(
        self, facts: dict[str, tuple[Any, Any]], entities: set[URIRef]
    ) -> tuple[Cause, ...]:
        causes = []
        anatomy = {k: v for k, v in facts.items() if k not in ASSIGNMENT_FACTS}
        if anatomy:
            words = tuple(_fact_words(k, v) for k, v in anatomy.items())
            causes.append(self.ontology(entities, words))
        if facts.keys() & ASSIGNMENT_FACTS:
            causes.append(
                Cause(
                    "assignment",
                    facts=tuple(
                        _fact_words(k, facts[k]) for k in sorted(facts.keys() & ASSIGNMENT_FACTS)
                    ),
                    note="the conflict-free assignment of this case changed (see its other changes)",
                )
            )
        return tuple(causes)

    def ontology(self, entities: set[URIRef], facts: tuple[str, ...] = ()) -> Cause:
        """An ontology cause with the changed triples about ``entities`` (a few lines)."""
        if not self.added and not self.removed:
            return Cause("unexplained", facts=facts, note="the knowledge graphs are equal")
        found = sorted(
            {(sign, t) for e in entities for sign, t in self.about.get(e, [])},
            key=lambda st: (st[0] != "-", self.format(st[1])),
        )
        lines = [f"{sign} {self.format(t)}" for sign, t in found[:TRIPLES_PER_CAUSE]]
        note = ""
        if len(found) > TRIPLES_PER_CAUSE:
            lines.append(f"… {len(found) - TRIPLES_PER_CAUSE} more about these entities")
        if not found:
            total = len(self.added) + len(self.removed)
            note = f"no changed triple names these entities; {total} triple(s) changed elsewhere"
        return Cause("ontology", facts=facts, triples=tuple(lines), note=note)

    def format(self, triple: _Triple) -> str:
        manager = self.current.kb.graph.namespace_manager
        return " ".join(node.n3(manager) for node in triple)

    # -------------------------------------------------------------- entities
    def _place(self, case: Case, nerve: NervePlan) -> set[URIRef]:
        found = {TMR[nerve.region.id]}
        for kb in (self.base.kb, self.current.kb):
            level = kb.level_ids.get(case.level)
            if level is not None:
                found.add(level)
        return found

    def _case_entities(self, case: Case) -> set[URIRef]:
        found: set[URIRef] = set()
        for kb in (self.base.kb, self.current.kb):
            for name in case.nerves:
                entity = _find(kb, name)
                if entity is not None:
                    found.add(entity)
            level = kb.level_ids.get(case.level)
            if level is not None:
                found.add(level)
            if case.region and case.region in kb.region_ids:
                found.add(kb.region_ids[case.region])
        return found

    def _option_entities(self, nerve: Ref, option: Option, place: set[URIRef]) -> set[URIRef]:
        muscle = TMR[option.target_muscle.id]
        found = {TMR[nerve.id], TMR[option.donor_nerve.id], muscle, *place}
        for kb in (self.base.kb, self.current.kb):
            found |= set(kb.objects(muscle, TMR.performs)) | set(kb.objects(muscle, TMR.partOf))
            found |= set(kb.subjects(TMR.partOf, muscle))
        return found


def _find(kb: KnowledgeBase, name: str) -> URIRef | None:
    try:
        return kb.find(name)
    except AmbiguousNameError:
        return None


# ------------------------------------------------------------------------------- small pieces
def _union(groups: Any) -> tuple[Cause, ...]:
    return tuple(dict.fromkeys(c for group in groups for c in group))


def _roots(changes: list[Change]) -> tuple[Cause, ...]:
    """The causes that start a chain: changed cards, and changed triples that were found."""
    return _union([c for c in change.causes if c.kind == "card" or c.triples] for change in changes)


def _option_words(option: Option) -> str:
    return (
        f"rank {option.rank}, donor {option.donor_status.value}, "
        f"risk {option.strength_loss_risk.value}"
    )


def _assigned(plan: NervePlan) -> Option | None:
    if plan.assigned_rank is None:
        return None
    return plan.options[plan.assigned_rank - 1]


def _key(option: Option | None) -> tuple[str, str] | None:
    return None if option is None else (option.donor_nerve.id, option.target_muscle.id)


def _pick_words(option: Option | None) -> str:
    if option is None:
        return "none"
    return f"{option.donor_nerve.label} → {option.target_muscle.label} (rank {option.rank})"


def _rank_change(nerve: Ref, old: Option, new: Option, causes: tuple[Cause, ...]) -> Change:
    return Change(
        "rank",
        nerve,
        new.donor_nerve,
        new.target_muscle,
        str(old.rank),
        str(new.rank),
        None,
        causes,
    )


def _fact_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        k: (old.get(k), new.get(k))
        for k in sorted(old.keys() | new.keys())
        if old.get(k) != new.get(k)
    }


def _fact_words(name: str, values: tuple[Any, Any]) -> str:
    def shown(value: Any) -> str:
        return "unknown" if value is None else str(value)

    return f"{name}: {shown(values[0])} → {shown(values[1])}"


def _flag_change(
    kind: str,
    nerve: Ref | None,
    option: Option | None,
    rule_id: str,
    old: Flag | None,
    new: Flag | None,
    causes: tuple[Cause, ...],
) -> Change:
    donor = option.donor_nerve if option else None
    target = option.target_muscle if option else None
    if old is None and new is not None:
        return Change(
            f"{kind} added", nerve, donor, target, None, _flag_words(new), rule_id, causes
        )
    if new is None and old is not None:
        return Change(
            f"{kind} removed", nerve, donor, target, _flag_words(old), None, rule_id, causes
        )
    assert old is not None and new is not None
    before, after = asdict(old), asdict(new)
    differ = [k for k in before if before[k] != after[k]]
    return Change(
        f"{kind} changed",
        nerve,
        donor,
        target,
        "; ".join(f"{k} {_value(before[k])}" for k in differ),
        "; ".join(f"{k} {_value(after[k])}" for k in differ),
        rule_id,
        causes,
        output=bool(set(differ) - _BOOKKEEPING),
    )


def _flag_words(flag: Flag) -> str:
    return f"v{flag.rule_version} {flag.severity.value}: {flag.message}"


def _value(value: Any) -> str:
    if hasattr(value, "value"):
        return str(value.value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


# ------------------------------------------------------------------------------- semver
def semver_violations(report: ImpactReport) -> list[str]:
    """Cards that change reference plans' output without a MAJOR version bump.

    A card that changes what a reference plan says (an option's rank, status or risk, a flag's
    presence or wording) must bump its MAJOR version; a card deleted outright cannot, and should
    have been retired instead.

    Returns:
        One explanation per card: how its version moved, which reference cases change and one
        change as an example, and what to do.

    Example:
        >>> semver_violations(ImpactReport("a", "b", {}, (), (), (), 0, 0, ()))
        []
    """
    blamed: dict[str, tuple[CardChange, dict[str, Change]]] = {}
    for diff in report.diffs:
        if not diff.reference:
            continue
        for change in diff.changes:
            if not change.output:
                continue
            for cause in change.causes:
                card = cause.card
                if cause.kind == "card" and card is not None and not card.major_bumped:
                    cases = blamed.setdefault(card.rule_id, (card, {}))[1]
                    cases.setdefault(diff.key.removeprefix("ref:"), change)
    found = []
    for card, cases in blamed.values():
        if card.change == "removed":
            fix = "retire it (status retired, MAJOR version bumped) instead of deleting it"
        else:
            major = _major(card.new_version or "0.0.0")
            fix = f"make it {major + 1}.0.0 (and update the golden plans), or undo the change"
        first, example = next(iter(cases.items()))
        found.append(
            f"card {card.in_words()} changes {len(cases)} reference plan(s) "
            f"({', '.join(cases)}) but its MAJOR version did not change; e.g. {first}: "
            f"{example.in_words()} — fix: {fix}"
        )
    return found


# ------------------------------------------------------------------------------- rendering
def to_json_dict(report: ImpactReport) -> dict[str, Any]:
    """The report as JSON-ready data (every change, every triple)."""
    return {
        "base": report.base,
        "current": report.current,
        "versions": report.versions,
        "cards": [{**asdict(c), "major_bumped": c.major_bumped} for c in report.cards],
        "triples": {"added": list(report.triples_added), "removed": list(report.triples_removed)},
        "compared": {
            "reference_cases": report.reference_cases,
            "sweep_cases": report.sweep_cases,
            "seconds": report.seconds,
        },
        "changed_cases": len(report.diffs),
        "cases": [
            {
                "key": d.key,
                "reference": d.reference,
                "case": d.case.to_dict(),
                "changes": [_change_dict(c) for c in d.changes],
            }
            for d in report.diffs
        ],
        "semver_violations": list(report.violations),
        "notes": list(report.notes),
    }


def _change_dict(change: Change) -> dict[str, Any]:
    data = asdict(change)
    data["causes"] = [
        {**asdict(c), "card": asdict(c.card) if c.card else None} for c in change.causes
    ]
    return data


def _summary(report: ImpactReport) -> list[str]:
    references = sum(d.reference for d in report.diffs)
    return [
        f"compared {report.reference_cases} reference case(s) and {report.sweep_cases} sweep "
        f"case(s) in {report.seconds:.1f} s: {len(report.diffs)} plan(s) change "
        f"({references} reference)",
        f"knowledge base {report.versions['base']['kb']} → {report.versions['current']['kb']}; "
        f"rules {report.versions['base']['rules']} → {report.versions['current']['rules']}",
    ]


def _grouped(
    changes: Sequence[Change],
) -> list[tuple[str, list[tuple[Change, tuple[Cause, ...]]]]]:
    """Changes grouped by nerve and option, each with its causes unless the previous had them."""
    groups: dict[str, list[tuple[Change, tuple[Cause, ...]]]] = {}
    for change in changes:
        group = groups.setdefault(change.where, [])
        repeated = bool(group) and group[-1][0].causes == change.causes
        group.append((change, () if repeated else change.causes))
    return list(groups.items())


def to_text(report: ImpactReport, cases_shown: int = 50) -> str:
    """A terminal rendering: cards and triples that differ, then each changed case with causes.

    Args:
        cases_shown: how many changed sweep cases to list in full (reference cases always are).
    """
    lines = [f"Impact: {report.base} → {report.current}", *_summary(report)]
    lines += [f"note: {n}" for n in report.notes]
    lines.append("")
    lines.append(f"Cards that differ: {len(report.cards) or 'none'}")
    lines += [f"  {c.in_words()}" for c in report.cards]
    lines.append(f"Triples: +{len(report.triples_added)} -{len(report.triples_removed)}")
    lines += [f"  + {t}" for t in report.triples_added[:10]]
    lines += [f"  - {t}" for t in report.triples_removed[:10]]
    lines.append("")
    shown = [d for d in report.diffs if d.reference]
    sweep = [d for d in report.diffs if not d.reference]
    shown += sweep[:cases_shown]
    for diff in shown:
        lines.append(f"{diff.key} — {describe_case(diff.case)}")
        for where, changes in _grouped(diff.changes):
            lines.append(f"  {where}")
            for change, causes in changes:
                lines.append(f"    {change.values_in_words()}")
                for cause in causes:
                    lines.append(f"      cause: {cause.in_words()}")
                    lines += [f"        {t}" for t in cause.triples]
        lines.append("")
    if len(sweep) > cases_shown:
        lines.append(f"… {len(sweep) - cases_shown} more changed sweep case(s) (use --format json)")
        lines.append("")
    if report.violations:
        lines.append("Semantic versioning: VIOLATED")
        lines += [f"  - {v}" for v in report.violations]
    else:
        lines.append("Semantic versioning: ok")
    return "\n".join(lines).rstrip() + "\n"


def to_markdown(report: ImpactReport, cases_shown: int = 50) -> str:
    """A Markdown report for review records (labels escaped: they are data)."""
    md = escape_markdown
    out = [
        "# Impact of rule and ontology changes",
        "",
        f"- **Base:** {md(report.base)} · **Current:** {md(report.current)}",
        *[f"- {md(line)}" for line in _summary(report)],
        *[f"- _Note:_ {md(n)}" for n in report.notes],
        "",
        "## Cards that differ",
        "",
    ]
    if report.cards:
        out += ["| card | change | version | parts | MAJOR bumped |", "|---|---|---|---|---|"]
        for c in report.cards:
            out.append(
                f"| {md(c.rule_id)} | {c.change} | {c.old_version or '—'} → {c.new_version or '—'}"
                f" | {md(', '.join(c.parts)) or '—'} | {'yes' if c.major_bumped else 'no'} |"
            )
    else:
        out.append("None.")
    out += ["", "## Knowledge graph", ""]
    out.append(
        f"{len(report.triples_added)} triple(s) added, {len(report.triples_removed)} removed."
    )
    out += [""] + [f"- added: {md(t)}" for t in report.triples_added[:20]]
    out += [f"- removed: {md(t)}" for t in report.triples_removed[:20]]
    out += ["", "## Semantic versioning", ""]
    out += [f"- {md(v)}" for v in report.violations] or ["No violation."]
    out += ["", "## Plans that change", ""]
    if not report.diffs:
        out.append("None.")
    sweep = [d for d in report.diffs if not d.reference]
    for diff in [d for d in report.diffs if d.reference] + sweep[:cases_shown]:
        label = "reference" if diff.reference else "sweep"
        out += [f"### {md(diff.key)} ({label}): {md(describe_case(diff.case))}", ""]
        for where, changes in _grouped(diff.changes):
            out.append(f"- **{md(where)}**")
            for change, causes in changes:
                out.append(f"  - {md(change.values_in_words())}")
                for cause in causes:
                    out.append(f"    - _cause:_ {md(cause.in_words())}")
                    out += [f"      - {md(t)}" for t in cause.triples]
        out.append("")
    if len(sweep) > cases_shown:
        out.append(f"… and {len(sweep) - cases_shown} more changed sweep case(s).")
    return "\n".join(out).rstrip() + "\n"
