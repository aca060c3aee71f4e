"""Run every rule card's own tests through the engine adapter's interface, and say each test's
inputs and expected flag in words (what a reviewer checks a test against)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tmrplan.rules.cards import RuleBook, RuleCard, RuleTest
from tmrplan.rules.engine import RuleEngine


@dataclass(frozen=True)
class TestResult:
    """One card test's outcome."""

    card: RuleCard
    test: RuleTest
    fired: bool

    @property
    def passed(self) -> bool:
        """Whether the rule fired exactly when the test expected it to."""
        return self.fired == self.test.expect_fire

    def outcome_in_words(self) -> str:
        """``pass``, or ``FAIL`` with what the rule did instead."""
        if self.passed:
            return "pass"
        return "FAIL: it fired" if self.fired else "FAIL: it did not fire"


def value_in_words(value: Any) -> str:
    """A fact's value as a reviewer reads it (yes/no for booleans).

    Example:
        >>> [value_in_words(v) for v in (True, 0, 1.5, "x")]
        ['yes', '0', '1.5', 'x']
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def inputs_in_words(card: RuleCard, test: RuleTest) -> str:
    """A test's inputs: each fact it states with its value, then each fact the card's conditions
    read that the test leaves out, as "not stated" (the missing-input case).

    Example:
        >>> from tmrplan.rules.cards import load_rulebook
        >>> card = load_rulebook().get("TMR-ANTICOAGULANTS")
        >>> [inputs_in_words(card, t) for t in card.tests]
        ['anticoagulants = yes', 'anticoagulants = no', 'anticoagulants not stated']
    """
    stated = [f"{name.replace('_', ' ')} = {value_in_words(v)}" for name, v in test.facts.items()]
    read = dict.fromkeys(c.fact for c in card.conditions)
    missing = [f"{name.replace('_', ' ')} not stated" for name in read if name not in test.facts]
    return "; ".join(stated + missing) or "no inputs"


def expected_in_words(card: RuleCard, test: RuleTest) -> str:
    """The flag a test expects: the card's code and severity, or none.

    Example:
        >>> from tmrplan.rules.cards import load_rulebook
        >>> card = load_rulebook().get("TMR-ANTICOAGULANTS")
        >>> [expected_in_words(card, t) for t in card.tests][:2]
        ['flag preop.anticoagulants (warning)', 'no flag']
    """
    if test.expect_fire:
        return f"flag {card.code} ({card.severity.value})"
    return "no flag"


def run_card_tests(rulebook: RuleBook, engine: RuleEngine | None = None) -> list[TestResult]:
    """Evaluate every test of every running card (one engine call for all of them).

    Example:
        >>> from tmrplan.rules.cards import load_rulebook
        >>> all(r.passed for r in run_card_tests(load_rulebook()))
        True
    """
    engine = engine or RuleEngine(rulebook)
    pairs = [(card, test) for card in rulebook.running for test in card.tests]
    fired = engine.evaluate([{"scope": card.scope, **test.facts} for card, test in pairs])
    return [
        TestResult(card, test, card.id in ids)
        for (card, test), ids in zip(pairs, fired, strict=True)
    ]
