"""Lint a rule set: conflicts, gaps, duplicates and subsumed cards.

The planner derives an option's donor status (and strength-loss risk) from the codes of the cards
that fired (``donor_status.*``, ``strength_loss.*``: ``STATUS_CODES`` and ``RISK_CODES`` of
:mod:`tmrplan.rules.outcomes`). Where two of them disagree it shows the most cautious; where none fires it
shows "unknown". Both are holes in the rule set, found here two ways:

* **statically**, from the cards' conditions alone: two cards conflict if some facts satisfy both
  (an ``any`` card is split into one conjunction per condition, so this is exact, not a guess);
  satisfiability is decided by searching values at and around every constant the conditions
  name, within what the facts can be (counts are never negative; see ``FACT_INVARIANTS`` for how
  facts constrain each other), so a reported conflict comes with facts that show it;
* **empirically**, on every distinct fact set of the exhaustive sweep (every neuroma nerve at
  every level and intact-limb region), run through the real engine: two cards of a family that
  fire together are a conflict, a candidate that no card of a family fires on is a gap.

Cards with the same outcome (code) are compared too: identical or equivalent conditions are a
duplicate, conditions that imply another card's are subsumed by it. Both are warnings.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from tmrplan.rules.cards import Condition, RuleBook, RuleCard
from tmrplan.rules.engine import RuleEngine
from tmrplan.rules.facts import FACT_INVARIANTS, FACTS, LOWEST, CandidateFacts
from tmrplan.rules.outcomes import RISK_CODES, STATUS_CODES

# The families of codes that set one value of an option; two different values are a conflict.
FAMILIES: dict[str, dict[str, Enum]] = {
    "donor status": dict(STATUS_CODES),
    "strength-loss risk": dict(RISK_CODES),
}

NEGATION = {"eq": "ne", "ne": "eq", "gt": "le", "ge": "lt", "lt": "ge", "le": "gt"}
_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: bool(a == b),
    "ne": lambda a, b: bool(a != b),
    "gt": lambda a, b: bool(a > b),
    "ge": lambda a, b: bool(a >= b),
    "lt": lambda a, b: bool(a < b),
    "le": lambda a, b: bool(a <= b),
    "exists": lambda a, b: True,
}
_Branch = tuple[Condition, ...]


@dataclass(frozen=True)
class Finding:
    """One lint finding.

    Attributes:
        kind: ``conflict``, ``gap``, ``duplicate``, ``subsumed`` or ``unsatisfiable``.
        severity: ``error`` (conflicts, gaps) or ``warning``.
        card_ids: the cards concerned (none for a gap: it is where no card fires).
        message: what was found, with the facts that show it.
    """

    kind: str
    severity: str
    card_ids: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        cards = f" [{', '.join(self.card_ids)}]" if self.card_ids else ""
        return f"{self.severity.upper()} {self.kind}{cards}: {self.message}"


def lint(
    book: RuleBook,
    facts: Sequence[CandidateFacts] | None = None,
    *,
    engine: RuleEngine | None = None,
) -> list[Finding]:
    """Check a rule book for conflicts, gaps, duplicates and subsumed cards.

    Args:
        book: the rule book to check (its running cards; retired cards are ignored).
        facts: real fact sets for the empirical checks, as the planning layer computes them
            (:func:`tmrplan.planning.sweep.candidate_facts` over the exhaustive sweep); None runs
            the static checks only (no gaps). Lint takes them as data so that the rules layer
            never imports the planner.
        engine: the engine to run the fact sets through (default: a new one for ``book``).

    Returns:
        Findings, errors first.

    Raises:
        EngineError: if the engine fails.

    Example:
        >>> from tmrplan.rules.cards import load_rulebook
        >>> [str(f) for f in lint(load_rulebook())]
        []
    """
    cards = list(book.running)
    findings = _unsatisfiable(cards)
    dead = {f.card_ids[0] for f in findings}
    live = [c for c in cards if c.id not in dead]
    conflicts = _static_conflicts(live)
    if facts is not None:
        gaps, together = _empirical(live, facts, engine or RuleEngine(book))
        findings += gaps
        for pair, (count, example) in together.items():
            seen = f"fired together on {count} candidate(s) of the sweep, e.g. {example}"
            conflicts[pair] = f"{conflicts[pair]}; {seen}" if pair in conflicts else seen
    findings += [Finding("conflict", "error", pair, text) for pair, text in conflicts.items()]
    findings += _same_outcome(live)
    return sorted(findings, key=lambda f: (f.severity != "error", f.kind, f.card_ids, f.message))


# ------------------------------------------------------------------------------- satisfiability
def branches(card: RuleCard) -> list[_Branch]:
    """The card's conditions as alternative conjunctions (``any`` → one per condition)."""
    return [card.conditions] if card.match == "all" else [(c,) for c in card.conditions]


def witness(conditions: Sequence[Condition]) -> dict[str, Any] | None:
    """Values of the facts the conditions name that meet them all (and the facts' invariants),
    or None if no values can.

    Each fact is tried at the bounds of what it can be and at and around every constant the
    conditions name (midpoints for decimals), which covers every interval the conditions cut.

    Example:
        >>> witness([Condition("actions_kept", "gt", 0), Condition("actions_lost", "eq", 0)])
        {'actions_kept': 1, 'actions_lost': 0}
        >>> witness([Condition("actions_kept", "eq", 0), Condition("prime_actions_kept", "gt", 0)])
    """
    mentioned = {c.fact for c in conditions}
    involved = set(mentioned)
    grown = True
    while grown:  # facts tied to a mentioned one by an invariant take part too
        grown = False
        for _, names, _ in FACT_INVARIANTS:
            if involved & set(names) and not set(names) <= involved:
                involved |= set(names)
                grown = True
    order = sorted(involved)
    # Facts tied by invariants, directly or through others, try each other's constants too.
    groups = {f: {f} for f in order}
    for _, names, _ in FACT_INVARIANTS:
        if set(names) <= involved:
            merged = set().union(*(groups[n] for n in names))
            for name in merged:
                groups[name] = merged
    values = {
        f: _trial_values(
            f, [c.value for c in conditions if c.fact in groups[f] and c.op != "exists"]
        )
        for f in order
    }
    checks: dict[str, list[Callable[[dict[str, Any]], bool]]] = {f: [] for f in order}
    for condition in conditions:
        checks[condition.fact].append(_condition_check(condition))
    for _, names, rule in FACT_INVARIANTS:
        if set(names) <= involved:  # checked once its last fact has a value
            checks[max(names, key=order.index)].append(_invariant_check(names, rule))

    assignment: dict[str, Any] = {}

    def search(i: int) -> bool:
        if i == len(order):
            return True
        fact = order[i]
        for value in values[fact]:
            assignment[fact] = value
            if all(check(assignment) for check in checks[fact]) and search(i + 1):
                return True
        del assignment[fact]
        return False

    if not search(0):
        return None
    return {f: assignment[f] for f in order if f in mentioned}


def _condition_check(condition: Condition) -> Callable[[dict[str, Any]], bool]:
    test = _TESTS[condition.op]
    return lambda values: test(values[condition.fact], condition.value)


def _invariant_check(
    names: tuple[str, ...], rule: Callable[..., bool]
) -> Callable[[dict[str, Any]], bool]:
    return lambda values: bool(rule(*(values[n] for n in names)))


def _trial_values(fact: str, constants: list[Any]) -> list[Any]:
    kind = FACTS[fact].type
    if kind is bool:
        return [True, False]
    lowest = LOWEST.get(fact, 0)
    if kind is int:
        found = {int(lowest), int(lowest) + 1, int(lowest) + 2}
        bases = {int(c) for c in constants}
        for base in bases | {a + b for a in bases for b in bases}:  # sums, for a + b = total
            found |= {base - 1, base, base + 1, base + 2}
        return sorted(v for v in found if v >= lowest)
    points = sorted({float(lowest), *(float(c) for c in constants)})
    trial = set(points) | {points[-1] + 1.0}
    trial |= {(a + b) / 2 for a, b in itertools.pairwise(points)}
    return sorted(v for v in trial if v >= lowest)


def _implies(a: _Branch, b: _Branch) -> bool:
    """Whether every fact set that satisfies ``a`` satisfies ``b``."""
    mentioned = {c.fact for c in a}
    for condition in b:
        if condition.fact not in mentioned:
            return False  # ``a`` holds with the fact unknown; ``b`` then cannot
        if condition.op == "exists":
            continue
        negated = Condition(condition.fact, NEGATION[condition.op], condition.value)
        if witness([*a, negated]) is not None:
            return False
    return True


def implies(a: RuleCard, b: RuleCard) -> bool:
    """Whether card ``a`` can fire only on facts where card ``b`` fires too (same scope).

    For an ``any`` card ``b`` each branch of ``a`` must imply one of ``b``'s conditions, which can
    miss an implication that only the disjunction as a whole gives: a missed warning, never a
    false one.
    """
    if a.scope != b.scope:
        return False
    return all(any(_implies(x, y) for y in branches(b)) for x in branches(a))


def _words(values: dict[str, Any]) -> str:
    return ", ".join(
        f"{k} = {('yes' if v else 'no') if isinstance(v, bool) else v}"
        for k, v in sorted(values.items())
    )


# ------------------------------------------------------------------------------- checks
def _unsatisfiable(cards: list[RuleCard]) -> list[Finding]:
    return [
        Finding(
            "unsatisfiable",
            "warning",
            (card.id,),
            f"{card.id} can never fire: no facts satisfy {card.conditions_in_words()!r}",
        )
        for card in cards
        if all(witness(b) is None for b in branches(card))
    ]


def _family_value(card: RuleCard) -> tuple[str, Enum] | None:
    for family, codes in FAMILIES.items():
        if card.code in codes:
            return family, codes[card.code]
    return None


def _unknown(value: Enum) -> bool:
    """Whether a card's value is "unknown": it says the case leaves the value open, which
    contradicts no other card (the planner shows unknown, the more cautious reading, and both
    flags) and so is never half of a conflict."""
    return bool(value.value == "unknown")


def _static_conflicts(cards: list[RuleCard]) -> dict[tuple[str, ...], str]:
    """Pairs of cards that set different values of one family and can fire on the same facts."""
    found: dict[tuple[str, ...], str] = {}
    valued = [(c, v) for c in cards if (v := _family_value(c)) is not None]
    for (a, (fa, va)), (b, (fb, vb)) in itertools.combinations(valued, 2):
        if fa != fb or va == vb or a.scope != b.scope or _unknown(va) or _unknown(vb):
            continue
        for x, y in itertools.product(branches(a), branches(b)):
            shown = witness([*x, *y])
            if shown is not None:
                pair = tuple(sorted((a.id, b.id)))
                found[pair] = (
                    f"{a.id} sets {fa} {va.value} and {b.id} sets it {vb.value}, and both fire "
                    f"on {_words(shown)} ({a.id}: {a.conditions_in_words()}; "
                    f"{b.id}: {b.conditions_in_words()})"
                )
                break
    return found


def _empirical(
    cards: list[RuleCard], facts: Sequence[CandidateFacts], engine: RuleEngine
) -> tuple[list[Finding], dict[tuple[str, ...], tuple[int, str]]]:
    """Gaps, and the conflicting pairs that fired together, on the sweep's fact sets."""
    option_cards = {c.id: c for c in cards if c.scope == "option"}
    family_cards = {i: c for i, c in option_cards.items() if _family_value(c) is not None}
    # Only the facts the family cards read decide their outcome: project onto those (few
    # distinct sets), then vary the inputs no candidate carries (case context, assignment).
    relevant = sorted({cond.fact for c in family_cards.values() for cond in c.conditions})
    projected: Counter[tuple[tuple[str, Any], ...]] = Counter()
    example: dict[tuple[tuple[str, Any], ...], str] = {}
    for item in facts:
        key = tuple((k, v) for k, v in item.facts if k in relevant)
        projected[key] += item.count
        example.setdefault(key, item.example)
    carried = {k for key in projected for k, _ in key}
    varied = [f for f in relevant if f not in carried and FACTS[f].type is bool]
    sets: list[tuple[dict[str, Any], tuple[tuple[str, Any], ...]]] = []
    for key in projected:
        for combo in itertools.product((None, True, False), repeat=len(varied)):
            extra = {f: v for f, v in zip(varied, combo, strict=True) if v is not None}
            sets.append(({**dict(key), **extra}, key))
    fired = engine.evaluate([{"scope": "option", **values} for values, _ in sets])
    missing: dict[str, list[tuple[dict[str, Any], tuple[tuple[str, Any], ...]]]] = {}
    together: dict[tuple[str, ...], set[tuple[tuple[str, Any], ...]]] = {}
    for (values, key), ids in zip(sets, fired, strict=True):
        for family, codes in FAMILIES.items():
            mine = {
                i: codes[family_cards[i].code]
                for i in ids
                if i in family_cards and family_cards[i].code in codes
            }
            if not mine:
                missing.setdefault(family, []).append((values, key))
            for a, b in itertools.combinations(sorted(mine), 2):
                if mine[a] != mine[b] and not (_unknown(mine[a]) or _unknown(mine[b])):
                    together.setdefault((a, b), set()).add(key)
    gaps = []
    for family, holes in missing.items():
        keys = sorted({key for _, key in holes}, key=lambda k: (-projected[k], k))
        shown = [
            f"{_words(values) or 'none of the facts they read'} ({projected[key]}, "
            f"e.g. {example[key]})"
            for values, key in sorted(holes, key=lambda h: (-projected[h[1]], h[1]))[:3]
        ]
        more = f"; and {len(holes) - 3} more fact set(s)" if len(holes) > 3 else ""
        gaps.append(
            Finding(
                "gap",
                "error",
                (),
                f"no {family} card fires for {sum(projected[k] for k in keys)} candidate(s) of "
                f"the sweep, so the planner shows {family} unknown: {'; '.join(shown)}{more}",
            )
        )
    pairs = {
        pair: (sum(projected[k] for k in keys), example[min(keys, key=lambda k: -projected[k])])
        for pair, keys in together.items()
    }
    return gaps, pairs


def _same_outcome(cards: list[RuleCard]) -> list[Finding]:
    found: list[Finding] = []
    for a, b in itertools.combinations(cards, 2):
        if a.code != b.code or a.scope != b.scope:
            continue
        same = frozenset(map(frozenset, branches(a))) == frozenset(map(frozenset, branches(b)))
        a_in_b, b_in_a = implies(a, b), implies(b, a)
        note = (
            f" (severity {a.severity.value} vs {b.severity.value})"
            if a.severity != b.severity
            else ""
        )
        if same or (a_in_b and b_in_a):
            how = "identical" if same else "equivalent"
            found.append(
                Finding(
                    "duplicate",
                    "warning",
                    (a.id, b.id),
                    f"{a.id} and {b.id} have {how} conditions ({a.conditions_in_words()}) and "
                    f"the same outcome {a.code!r}{note}: keep one",
                )
            )
        elif a_in_b or b_in_a:
            narrow, wide = (a, b) if a_in_b else (b, a)
            found.append(
                Finding(
                    "subsumed",
                    "warning",
                    (narrow.id, wide.id),
                    f"{narrow.id} ({narrow.conditions_in_words()}) fires only where {wide.id} "
                    f"({wide.conditions_in_words()}) fires, with the same outcome "
                    f"{a.code!r}{note}: {narrow.id} adds nothing",
                )
            )
    return found
