"""Semantic versioning of rule cards: a card that changes a reference plan's output must bump its
MAJOR version (a card deleted outright cannot, and should have been retired instead)."""

from __future__ import annotations

from tmrplan.governance.impact.records import CardChange, Change, ImpactReport, major


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
            bumped = major(card.new_version or "0.0.0") + 1
            fix = f"make it {bumped}.0.0 (and update the golden plans), or undo the change"
        first, example = next(iter(cases.items()))
        found.append(
            f"card {card.in_words()} changes {len(cases)} reference plan(s) "
            f"({', '.join(cases)}) but its MAJOR version did not change; e.g. {first}: "
            f"{example.in_words()} — fix: {fix}"
        )
    return found
