"""Rule cards: load YAML, validate against ``card.schema.json``, and describe them in words.

A card is data, never code. Its structure (fields, types, enums, id and version patterns) is the
JSON Schema shipped beside the cards, which editors can check as authors type; its meaning is
checked here: every fact a condition names must be in ``FACTS`` with the right type,
and every operator in ``OPERATORS``, so that a typo is a load error naming file, line and rule id
rather than a rule that silently never fires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tmrplan import paths
from tmrplan.errors import InputFileError, RuleFileError, UnknownEntityError
from tmrplan.files import read_regular_file
from tmrplan.hashchain import ChainHead
from tmrplan.model import Severity
from tmrplan.rules.card_schema import (
    OPERATORS,
    check_structure,
    remember,
    schema_stamp,
)
from tmrplan.rules.facts import FACTS, has_type
from tmrplan.rules.ledger import load_ledger
from tmrplan.rules.ranking import RANKING_FILE, RankingCard, load_ranking
from tmrplan.rules.yaml_lines import CardShapeError, canonical_yaml, load_yaml, strip_lines
from tmrplan.text import suggest

# A card's id as its first lines write it, for a message about a card that is not built.
_ID_LINE = re.compile(r"^id:[ \t]*[\"']?([A-Z0-9][A-Z0-9-]{0,60})[\"']?[ \t]*(?:#.*)?$", re.M)


@dataclass(frozen=True)
class Condition:
    """``fact op value``, e.g. ``actions_kept eq 0``."""

    fact: str
    op: str
    value: Any

    def in_words(self) -> str:
        """The condition as a reviewer reads it."""
        words = OPERATORS[self.op][1]
        if self.op == "exists":
            return f"{self.fact.replace('_', ' ')} {words}"
        value = (
            {True: "yes", False: "no"}.get(self.value, self.value)
            if isinstance(self.value, bool)
            else self.value
        )
        return f"{self.fact.replace('_', ' ')} {words} {value}"


@dataclass(frozen=True)
class RuleTest:
    """One of a card's own test cases: facts in, fire or not."""

    name: str
    facts: dict[str, Any]
    expect_fire: bool


@dataclass(frozen=True)
class RuleCard:
    """A validated rule card."""

    id: str
    title: str
    version: str
    status: str
    author: str
    reviewer: str
    review_due: dt.date
    rationale: str
    sources: tuple[str, ...]
    scope: str
    match: str  # "all" or "any"
    conditions: tuple[Condition, ...]
    code: str
    severity: Severity
    message: str
    tests: tuple[RuleTest, ...]
    path: Path
    line: int
    content_hash: str

    @property
    def runs(self) -> bool:
        """Whether the engine evaluates this card (retired cards are kept for the record only)."""
        return self.status != "retired"

    def conditions_in_words(self) -> str:
        """All conditions joined the way the card combines them."""
        joiner = " and " if self.match == "all" else " or "
        return joiner.join(c.in_words() for c in self.conditions)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Whether the card's review date has passed."""
        return self.review_due < (today or dt.date.today())


@dataclass(frozen=True)
class RuleBook:
    """Every card of a rules directory, validated, with a version stamp."""

    cards: tuple[RuleCard, ...]
    directory: Path
    version: str
    ranking: RankingCard
    # Ids of active cards (the ranking card included) whose current content someone other than
    # the author approved. Empty by default: a rule book nobody approved plans in PREVIEW only.
    approved: frozenset[str] = frozenset()
    # The approvals ledger the approvals were read from (count and newest hash): plans carry it.
    ledger_head: ChainHead | None = None

    def get(self, rule_id: str) -> RuleCard | RankingCard:
        """The card with this id (a rule card, or the ranking card).

        Raises:
            UnknownEntityError: if no card has it (with the closest ids).
        """
        for card in self.governed:
            if card.id == rule_id:
                return card
        close = suggest(rule_id, [c.id for c in self.governed], 3)
        raise UnknownEntityError("rule card", rule_id, close)

    @property
    def governed(self) -> tuple[RuleCard | RankingCard, ...]:
        """Every card governance reviews: the rule cards and the ranking card."""
        return (*self.cards, self.ranking)

    @property
    def running(self) -> tuple[RuleCard, ...]:
        """The cards the engine evaluates."""
        return tuple(c for c in self.cards if c.runs)

    @property
    def unapproved(self) -> tuple[str, ...]:
        """Ids of running cards that are not both active and approved at their current content:
        any plan they take part in is a PREVIEW."""
        running: tuple[RuleCard | RankingCard, ...] = (*self.running, self.ranking)
        return tuple(c.id for c in running if c.id not in self.approved)

    def approval_state(self, card: RuleCard | RankingCard) -> str:
        """In words: approved, or why not (status, or no approval of this content)."""
        if card.id in self.approved:
            return "approved"
        if card.status != "active":
            return f"not approved (status {card.status})"
        return (
            "not approved (no approval of this content signed by a listed reviewer other than "
            "the author)"
        )


def parse_card(
    text: str,
    path: Path,
    known_sources: frozenset[str] | None = None,
    *,
    schema_passed: bool = False,
) -> RuleCard:
    """Parse and validate one card.

    Args:
        text: the YAML text.
        path: where it came from (for messages).
        known_sources: source ids the ontology defines; None skips that check.
        schema_passed: this very text is known to pass ``card.schema.json`` (a stamp of
            :func:`load_rulebook`), so the schema check is skipped.

    Raises:
        RuleFileError: naming file, line, rule id and the problem.
    """
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        if isinstance(exc, yaml.reader.ReaderError):  # a control character: no mark, a position
            line = text[: exc.position].count("\n") + 1
        if isinstance(exc, CardShapeError):  # it parses: its id line may be read already
            found = _ID_LINE.search(text)
            raise RuleFileError(
                f"YAML refused: {problem}",
                path=str(path),
                line=line,
                rule_id=found.group(1) if found else None,
            ) from exc
        raise RuleFileError(f"YAML does not parse: {problem}", path=str(path), line=line) from exc
    if not isinstance(data, dict):
        raise RuleFileError("a rule card must be a YAML mapping", path=str(path), line=1)
    rule_id = data.get("id") if isinstance(data.get("id"), str) else None

    def fail(message: str, node: Mapping[str, Any] | None = None) -> RuleFileError:
        line = (node or data).get("__line__")
        return RuleFileError(message, path=str(path), line=line, rule_id=rule_id)

    if not schema_passed:
        check_structure(data, fail)
    # From here on the structure is the schema's: the checks below are of meaning.
    assert rule_id is not None
    review_due = data["review_due"]
    if isinstance(review_due, str):  # quoted in the file: the schema checked it is a date
        review_due = dt.date.fromisoformat(review_due)
    sources = data["sources"]
    if known_sources is not None:
        for source in sources:
            if source not in known_sources:
                raise fail(f"source {source!r} is not a tmr:Source of the ontology")
    match, conditions = _parse_when(data["when"], data["scope"], fail)
    then = data["then"]
    message = then["message"]
    tests = _parse_tests(data["tests"], {c.fact for c in conditions}, fail)
    clean = {k: v for k, v in data.items() if k != "__line__"}
    # Of the card's meaning (keys sorted, comments and layout ignored): what an approval is of.
    digest = hashlib.sha256(canonical_yaml(strip_lines(clean)).encode()).hexdigest()
    return RuleCard(
        id=rule_id,
        title=data["title"].strip(),
        version=data["version"],
        status=data["status"],
        author=data["author"].strip(),
        reviewer=data["reviewer"].strip(),
        review_due=review_due,
        rationale=" ".join(data["rationale"].split()),
        sources=tuple(sources),
        scope=data["scope"],
        match=match,
        conditions=conditions,
        code=then["code"],
        severity=Severity(then["severity"]),
        message=message,
        tests=tests,
        path=path,
        line=data["__line__"],
        content_hash=digest,
    )


def _parse_when(when: dict[str, Any], scope: str, fail: Any) -> tuple[str, tuple[Condition, ...]]:
    match = next(k for k in when if k != "__line__")
    conditions = []
    for item in when[match]:
        fact, op = item.get("fact"), item.get("op")
        spec = FACTS.get(fact) if fact is not None else None
        if spec is None:
            raise fail(f"unknown fact {fact!r}; known facts: {', '.join(sorted(FACTS))}", item)
        if spec.scope not in (scope, "both"):
            raise fail(f"fact {fact!r} describes the {spec.scope}, not the {scope}", item)
        if op not in OPERATORS:
            raise fail(f"unknown operator {op!r}; use one of {', '.join(OPERATORS)}", item)
        value = item.get("value")
        if op == "exists":
            if "value" in item:
                raise fail("'exists' takes no value", item)
        elif not has_type(value, spec.type):
            raise fail(f"fact {fact!r} is {spec.type.__name__}; {value!r} is not", item)
        elif spec.type is bool and op not in ("eq", "ne"):
            raise fail(f"yes/no fact {fact!r} only takes 'eq' or 'ne'", item)
        conditions.append(Condition(fact, op, value))
    return match, tuple(conditions)


def _parse_tests(tests: list[Any], used: set[str], fail: Any) -> tuple[RuleTest, ...]:
    parsed = []
    for test in tests:
        facts = {k: v for k, v in (test["facts"] or {}).items() if k != "__line__"}
        for name, value in facts.items():
            spec = FACTS.get(name)
            if spec is None:
                raise fail(f"test {test['name']!r} uses unknown fact {name!r}", test)
            if not has_type(value, spec.type):
                raise fail(
                    f"test {test['name']!r}: fact {name!r} is {spec.type.__name__}; {value!r} is not",
                    test,
                )
        parsed.append(RuleTest(test["name"], facts, test["expect"] == "fire"))
    kinds = {
        "fire": any(t.expect_fire for t in parsed),
        "no_fire": any(not t.expect_fire and used <= set(t.facts) for t in parsed),
        "missing input": any(not used <= set(t.facts) and not t.expect_fire for t in parsed),
    }
    lacking = [k for k, ok in kinds.items() if not ok]
    if lacking:
        raise fail(f"tests need at least one case of each kind; missing: {', '.join(lacking)}")
    return tuple(parsed)


def card_files(folder: Path) -> list[Path]:
    """The rule card files of a rules directory (every ``*.yaml`` but the ranking card)."""
    return sorted(p for p in folder.glob("*.yaml") if p.name != RANKING_FILE)


def load_rulebook(
    directory: Path | None = None,
    known_sources: frozenset[str] | None = None,
    *,
    fallback_ranking: Path | None = None,
) -> RuleBook:
    """Load and validate every ``*.yaml`` card of a rules directory.

    ``fallback_ranking`` is a rules directory whose ranking card is used when this one has none
    (history from before the ranking card existed, compared by the impact report).

    Raises:
        RuleFileError: for the first bad card, or duplicate ids across cards.

    Example:
        >>> book = load_rulebook()
        >>> book.get("TMR-DONOR-REDUNDANT").severity.value
        'info'
    """
    folder = directory or paths.rules_dir()
    if not folder.is_dir():
        raise RuleFileError("rules directory not found", path=str(folder))
    cards: list[RuleCard] = []
    seen: dict[str, Path] = {}
    passed = schema_stamp()
    stamps: list[Path] = []
    for path in card_files(folder):
        try:
            text = read_regular_file(path, "rule card").decode("utf-8")
        except InputFileError as exc:
            raise RuleFileError(exc.reason, path=str(path)) from exc
        except UnicodeDecodeError as exc:
            line = exc.object[: exc.start].count(b"\n") + 1
            raise RuleFileError("not UTF-8", path=str(path), line=line) from exc
        stamp = passed / f"{hashlib.sha256(text.encode()).hexdigest()}.ok"
        card = parse_card(text, path, known_sources, schema_passed=stamp.is_file())
        stamps.append(stamp)
        if card.id in seen:
            raise RuleFileError(
                f"duplicate rule id (also in {seen[card.id].name})",
                path=str(path),
                line=card.line,
                rule_id=card.id,
            )
        seen[card.id] = path
        cards.append(card)
    remember(stamps)
    if not cards:
        raise RuleFileError("no rule cards (*.yaml) in the rules directory", path=str(folder))
    ranking_folder = folder
    if fallback_ranking is not None and not (folder / RANKING_FILE).exists():
        ranking_folder = fallback_ranking
    ranking = load_ranking(ranking_folder, known_sources)
    if ranking.id in seen:
        raise RuleFileError(
            f"the ranking card's id is also a rule card's (in {seen[ranking.id].name})",
            path=str(ranking.path),
            line=ranking.line,
            rule_id=ranking.id,
        )
    running = {c.id for c in cards if c.runs}
    for rule_id in ranking.rules_read:
        if rule_id not in running:
            close = suggest(rule_id, sorted(running), 3)
            hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
            raise RuleFileError(
                f"ranking key reads rule card {rule_id!r}, which is not a running card{hint}",
                path=str(ranking.path),
                line=ranking.line,
                rule_id=ranking.id,
            )
    governed: list[RuleCard | RankingCard] = [*cards, ranking]
    digest = hashlib.sha256(
        "".join(f"{c.id}@{c.version}:{c.content_hash}" for c in governed).encode()
    )
    declared = ",".join(sorted({c.version for c in cards}))
    ledger = load_ledger(folder)
    approved = frozenset(
        c.id
        for c in governed
        if c.status == "active" and c.content_hash in ledger.approved_hashes(c.id, c.author)
    )
    return RuleBook(
        tuple(cards),
        folder,
        f"{len(cards)} cards @{declared}+{digest.hexdigest()[:12]}",  # the ranking card in the hash
        ranking,
        approved,
        ledger.head,
    )
