"""The ranking card: the order of a nerve's donor options, as reviewed data (``rules/ranking.yaml``).

Like a rule card it has an id, a version, a status, an author and a reviewer, sources and its own
tests, and governance approves it the same way (the ledger holds the hash of its content). Its
structure is ``ranking.schema.json`` beside it; its meaning (facts that exist, preferences that
fit their type, tests that pass) is checked here, so a bad card stops loading with file, line and
card id.

Each key names a fact of :data:`tmrplan.rules.facts.FACTS` with the value that comes first, a
rule outcome (donor status, strength-loss risk: least cautious first), or a rule card whose flag
sends an option after those without it (``rule: TMR-DISTAL-TARGET``: the card's own threshold
decides, so it is written once). An option whose value for a
key is unknown sorts after those whose value is known. Options equal after every key are *tied*:
:func:`RankingCard.order` returns them as one group, and the plan says so.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tmrplan import paths
from tmrplan.errors import RuleFileError
from tmrplan.model import DonorStatus, Risk
from tmrplan.rules.card_schema import _shipped_rules, remember
from tmrplan.rules.facts import FACTS, has_type
from tmrplan.rules.outcomes import RISK_ORDER, STATUS_ORDER
from tmrplan.rules.yaml_lines import canonical_yaml, load_yaml, strip_lines

RANKING_FILE = "ranking.yaml"
SCHEMA_FILE = "ranking.schema.json"
OUTCOMES: dict[str, dict[str, int]] = {
    "donor_status": {s.value: n for s, n in STATUS_ORDER.items()},
    "strength_loss_risk": {r.value: n for r, n in RISK_ORDER.items()},
}
# Where the planner puts the ids of the rule cards that fired for an option.
FIRED = "fired_rules"
# An outcome the rules did not decide ("unknown") is not known for ranking either.
_UNDECIDED = {DonorStatus.UNKNOWN.value, Risk.UNKNOWN.value}


@dataclass(frozen=True)
class RankingKey:
    """One key of the ranking: a fact (with the value that comes first), a rule outcome, or a
    rule card whose flag comes last."""

    name: str
    fact: str | None
    outcome: str | None
    rule: str | None
    prefer: bool | str | None
    only_when: str | None
    rationale: str
    sources: tuple[str, ...]
    reads: str = field(init=False)  # the fact, outcome or rule card the key reads

    def __post_init__(self) -> None:
        object.__setattr__(self, "reads", self.fact or self.outcome or self.rule or "")

    def applies(self, case: dict[str, Any]) -> bool:
        """Whether the key takes part for this case (``only_when`` names a yes/no case fact)."""
        return self.only_when is None or case.get(self.only_when) is True

    def value(self, option: dict[str, Any]) -> tuple[int, float] | None:
        """The option's place for this key (smaller first), or None when its value is unknown."""
        if self.rule is not None:  # always known: the card fired or it did not
            return (1 if self.rule in option.get(FIRED, ()) else 0, 0.0)
        raw = option.get(self.reads)
        if raw is None:
            return None
        if self.outcome is not None:
            if raw in _UNDECIDED:
                return None
            return (OUTCOMES[self.outcome][raw], 0.0)
        if isinstance(self.prefer, bool):
            return (0 if raw is self.prefer else 1, 0.0)
        number = float(raw)
        return (0, number if self.prefer == "lower" else -number)

    def in_words(self) -> str:
        """The key as a reviewer reads it."""
        if self.rule is not None:
            return f"{self.name}: options flagged by {self.rule} after the others"
        if self.outcome is not None:
            first = "least cautious first"
        elif isinstance(self.prefer, bool):
            first = f"{'yes' if self.prefer else 'no'} first"
        else:
            first = f"{self.prefer} first"
        when = f" (only when {self.only_when.replace('_', ' ')})" if self.only_when else ""
        return f"{self.name}: {self.reads.replace('_', ' ')}, {first}{when}"


@dataclass(frozen=True)
class RankingTest:
    """One of the card's own tests: options (facts and outcomes) in, the expected order out.

    ``expect`` lists groups: a group of two or more names is expected to be tied."""

    name: str
    case: dict[str, Any]
    options: dict[str, dict[str, Any]]
    expect: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class RankingCard:
    """The validated ranking card."""

    id: str
    title: str
    version: str
    status: str
    author: str
    reviewer: str
    review_due: dt.date
    rationale: str
    sources: tuple[str, ...]
    keys: tuple[RankingKey, ...]
    tests: tuple[RankingTest, ...]
    path: Path
    line: int
    content_hash: str

    @property
    def runs(self) -> bool:
        """A retired ranking card is refused at load, so a loaded one always runs."""
        return True

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Whether the card's review date has passed."""
        return self.review_due < (today or dt.date.today())

    def assess(self, option: dict[str, Any], case: dict[str, Any]) -> Assessment:
        """The option under every key that applies to the case, in one pass: its place (an
        unknown value after every known one), the values shown, and the keys it is unknown for."""
        places: list[Any] = []
        shown: dict[str, Any] = {}
        unknown: list[str] = []
        for key in self.keys:
            if not key.applies(case):
                continue
            value = key.value(option)
            if value is None:
                places.append(_UNKNOWN_PLACE)
                unknown.append(key.name)
            else:
                places.append((0, value))
            if key.rule is not None:
                shown[key.rule] = value == (1, 0.0)  # whether the card fired
            else:
                shown[key.reads] = option.get(key.reads)
        return Assessment(tuple(places), shown, tuple(unknown))

    @property
    def rules_read(self) -> tuple[str, ...]:
        """The rule cards whose flags the keys read (each must be a running card)."""
        return tuple(k.rule for k in self.keys if k.rule is not None)

    def order(self, options: list[dict[str, Any]], case: dict[str, Any]) -> list[list[int]]:
        """Indexes of ``options`` in ranked order, grouped: a group of several is a tie."""
        return group_places([self.assess(option, case).place for option in options])

    def failing_tests(self) -> list[str]:
        """The card's tests whose expected order the keys do not give, in words."""
        failed = []
        for test in self.tests:
            names = sorted(test.options)  # ties come back in a stable order, by name
            groups = self.order([test.options[n] for n in names], test.case)
            got = tuple(tuple(sorted(names[i] for i in g)) for g in groups)
            want = tuple(tuple(sorted(g)) for g in test.expect)
            if got != want:
                failed.append(f"test {test.name!r}: expected {_shown(want)}, got {_shown(got)}")
        return failed


@dataclass(frozen=True)
class Assessment:
    """One option under the ranking card: its place, the values shown, the keys it is unknown for."""

    place: tuple[Any, ...]
    shown: dict[str, Any]
    unknown: tuple[str, ...]


_UNKNOWN_PLACE = (1, (0, 0.0))


def group_places(places: list[tuple[Any, ...]]) -> list[list[int]]:
    """Indexes in the order of their places, grouped: equal places make one group (a tie)."""
    groups: list[list[int]] = []
    previous: tuple[Any, ...] | None = None
    for i in sorted(range(len(places)), key=places.__getitem__):
        if groups and places[i] == previous:
            groups[-1].append(i)
        else:
            groups.append([i])
        previous = places[i]
    return groups


def _shown(groups: tuple[tuple[str, ...], ...]) -> str:
    return " > ".join(g[0] if len(g) == 1 else "(" + " = ".join(g) + ")" for g in groups)


@functools.cache
def ranking_schema() -> dict[str, Any]:
    """The JSON Schema of the ranking card's structure, shipped beside the cards."""
    schema: dict[str, Any] = json.loads((_shipped_rules() / SCHEMA_FILE).read_text("utf-8"))
    return schema


def parse_ranking(
    text: str,
    path: Path,
    known_sources: frozenset[str] | None = None,
    *,
    schema_passed: bool = False,
) -> RankingCard:
    """Parse and validate the ranking card (``schema_passed``: this very text is known to pass
    ``ranking.schema.json``, so the JSON Schema check and its import are skipped).

    Raises:
        RuleFileError: naming file, line, card id and the problem (a failing own test included).
    """
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleFileError(
            f"YAML does not parse: {getattr(exc, 'problem', None) or exc}",
            path=str(path),
            line=mark.line + 1 if mark else None,
        ) from exc
    if not isinstance(data, dict):
        raise RuleFileError("the ranking card must be a YAML mapping", path=str(path), line=1)
    card_id = data.get("id") if isinstance(data.get("id"), str) else None

    def fail(message: str, node: Any = None) -> RuleFileError:
        line = (node if isinstance(node, dict) else data).get("__line__")
        return RuleFileError(message, path=str(path), line=line, rule_id=card_id)

    if not schema_passed:
        _check_structure(data, fail)
    review_due = data["review_due"]
    if isinstance(review_due, str):
        review_due = dt.date.fromisoformat(review_due)
    every_source = [*data["sources"], *(s for k in data["keys"] for s in k["sources"])]
    if known_sources is not None:
        for source in every_source:
            if source not in known_sources:
                raise fail(f"source {source!r} is not a tmr:Source of the ontology")
    if data["status"] == "retired":
        raise fail("the ranking card cannot be retired: plans need an order; revise it instead")
    keys = tuple(_parse_key(k, fail) for k in data["keys"])
    tests = tuple(_parse_test(t, keys, fail) for t in data["tests"])
    clean = strip_lines({k: v for k, v in data.items() if k != "__line__"})
    card = RankingCard(
        id=data["id"],
        title=data["title"].strip(),
        version=data["version"],
        status=data["status"],
        author=data["author"].strip(),
        reviewer=data["reviewer"].strip(),
        review_due=review_due,
        rationale=" ".join(data["rationale"].split()),
        sources=tuple(data["sources"]),
        keys=keys,
        tests=tests,
        path=path,
        line=data["__line__"],
        content_hash=hashlib.sha256(canonical_yaml(clean).encode()).hexdigest(),
    )
    failed = card.failing_tests()
    if failed:
        raise fail(f"its own tests fail: {'; '.join(failed)}")
    return card


def _check_structure(data: dict[str, Any], fail: Any) -> None:
    import jsonschema  # ~0.15 s of start-up, paid by the processes that load cards

    validator = jsonschema.Draft202012Validator(
        ranking_schema(), format_checker=jsonschema.FormatChecker(["date"])
    )
    plain = json.loads(json.dumps(strip_lines(data), default=str))
    errors = sorted(validator.iter_errors(plain), key=lambda e: len(list(e.absolute_path)))
    if not errors:
        return
    error = errors[0]
    node: Any = data
    innermost: Any = data
    for step in error.absolute_path:
        node = node[step]
        if isinstance(node, dict):
            innermost = node
    where = ".".join(str(p) for p in error.absolute_path) or "the card"
    raise fail(f"{where}: {error.message}", innermost)


def _parse_key(key: dict[str, Any], fail: Any) -> RankingKey:
    fact, prefer, only_when = key.get("fact"), key.get("prefer"), key.get("only_when")
    if fact is not None:
        spec = FACTS.get(fact)
        if spec is None or spec.scope == "case":
            raise fail(f"unknown option fact {fact!r}; known: {', '.join(sorted(FACTS))}", key)
        numeric = spec.type in (int, float)
        if numeric and not isinstance(prefer, str):
            raise fail(f"fact {fact!r} is a number: prefer 'lower' or 'higher'", key)
        if not numeric and not isinstance(prefer, bool):
            raise fail(f"fact {fact!r} is yes/no: prefer true or false", key)
    if only_when is not None:
        spec = FACTS.get(only_when)
        if spec is None or spec.type is not bool or spec.scope == "option":
            raise fail(f"only_when {only_when!r} must be a yes/no fact of the case", key)
    return RankingKey(
        name=key["name"].strip(),
        fact=fact,
        outcome=key.get("outcome"),
        rule=key.get("rule"),
        prefer=prefer,
        only_when=only_when,
        rationale=" ".join(key["rationale"].split()),
        sources=tuple(key["sources"]),
    )


def _parse_test(test: dict[str, Any], keys: tuple[RankingKey, ...], fail: Any) -> RankingTest:
    name = test["name"]
    options: dict[str, dict[str, Any]] = {}
    for label, values in test["options"].items():
        if label == "__line__":
            continue
        values = {k: v for k, v in (values or {}).items() if k != "__line__"}
        for fact, value in values.items():
            if fact == FIRED:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise fail(f"test {name!r}: {FIRED} is a list of rule card ids", test)
                continue
            if fact in OUTCOMES:
                if value not in OUTCOMES[fact]:
                    raise fail(f"test {name!r}: {fact} {value!r} is not a known value", test)
                continue
            spec = FACTS.get(fact)
            if spec is None or not has_type(value, spec.type):
                raise fail(f"test {name!r}: {fact!r} = {value!r} is not a fact of its type", test)
        options[label] = values
    expect = tuple((g,) if isinstance(g, str) else tuple(g) for g in test["expect"])
    named = [n for g in expect for n in g]
    if sorted(named) != sorted(options):
        raise fail(f"test {name!r}: expect must name every option once", test)
    case = {k: v for k, v in (test.get("case") or {}).items() if k != "__line__"}
    return RankingTest(name, case, options, expect)


def load_ranking(folder: Path, known_sources: frozenset[str] | None = None) -> RankingCard:
    """The ranking card of a rules directory.

    Raises:
        RuleFileError: if it is missing, unreadable or invalid.

    Example:
        >>> from tmrplan import paths
        >>> load_ranking(paths.rules_dir()).keys[0].name
        'published in patients'
    """
    path = folder / RANKING_FILE
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise RuleFileError(
            f"no ranking card ({RANKING_FILE}): plans need the reviewed order of options",
            path=str(path),
        ) from None
    except OSError as exc:
        raise RuleFileError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise RuleFileError("not UTF-8", path=str(path), line=line) from exc
    # Like the rule cards: a text that passed the schema once is remembered (an empty stamp
    # named after its hash, in a folder named after the schema's), so later processes skip
    # jsonschema's import and check.
    schema = (_shipped_rules() / SCHEMA_FILE).read_bytes()
    folder = paths.validation_stamps() / f"ranking-schema-{hashlib.sha256(schema).hexdigest()[:16]}"
    stamp = folder / f"{hashlib.sha256(text.encode()).hexdigest()}.ok"
    card = parse_ranking(text, path, known_sources, schema_passed=stamp.is_file())
    remember([stamp])
    return card
