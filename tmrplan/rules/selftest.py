"""Run every rule card's own tests through the engine adapter's interface."""

from __future__ import annotations

from dataclasses import dataclass

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
