"""Comparing two plans of a case: per nerve, options added, removed or re-ranked, donor status or
risk changed, flags added, removed or changed; each change with its causes (:mod:`.causes`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from typing import Any

from rdflib import URIRef

from tmrplan.errors import AmbiguousNameError, InvalidCaseError, UnknownEntityError
from tmrplan.governance.impact.causes import Attribution, fact_words
from tmrplan.governance.impact.records import Cause, Change
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import Case, Flag, NervePlan, Option, Plan, Ref
from tmrplan.planning.planner import Planner
from tmrplan.rules.outcomes import RISK_CODES, STATUS_CODES

# Flag fields whose change is not a change of clinical output (so not a MAJOR change).
_BOOKKEEPING = frozenset({"rule_version", "sources", "notes"})
# A case one side refuses to plan is reported as a change of plannability, not raised.
_REFUSED = (UnknownEntityError, AmbiguousNameError, InvalidCaseError)


class PlanDiff:
    """Plans cases under two planners and lists what differs, with causes.

    Attributes:
        causes: the card and triple differences the causes are drawn from.
    """

    def __init__(self, causes: Attribution) -> None:
        self.causes = causes
        self.base, self.current = causes.base, causes.current

    def plan(self, planner: Planner, case: Case) -> Plan | str:
        """The plan, or why the planner refuses the case."""
        try:
            return planner.plan(case)
        except _REFUSED as exc:
            return str(exc)

    def diff_case(self, old_case: Case, new_case: Case) -> list[Change]:
        """Every change between the base plan of ``old_case`` and the current plan of ``new_case``."""
        old, new = self.plan(self.base, old_case), self.plan(self.current, new_case)
        if isinstance(old, str) or isinstance(new, str):
            if isinstance(old, str) and isinstance(new, str):
                return []
            entities = self.causes.case_entities(new_case if isinstance(old, str) else old_case)
            return [
                Change(
                    "plannable",
                    None,
                    None,
                    None,
                    "no: " + old if isinstance(old, str) else "yes",
                    "no: " + new if isinstance(new, str) else "yes",
                    causes=(self.causes.ontology(entities),),
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
        roots = _roots(changes) or (self.causes.ontology(self.causes.case_entities(new_case)),)
        for line in sorted(set(old.unknowns) - set(new.unknowns)):
            changes.append(Change("unknown removed", None, None, None, line, None, None, roots))
        for line in sorted(set(new.unknowns) - set(old.unknowns)):
            changes.append(Change("unknown added", None, None, None, None, line, None, roots))
        return [replace(c, causes=roots) if c.what == "assignment" else c for c in changes]

    def _diff_nerve(self, old: NervePlan, new: NervePlan, case: Case) -> list[Change]:
        changes: list[Change] = []
        place = self.causes.place(case, new)
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
                        causes=(
                            self.causes.ontology(
                                self.causes.option_entities(new.nerve, option, place)
                            ),
                        ),
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
                        causes=(
                            self.causes.ontology(
                                self.causes.option_entities(new.nerve, option, place)
                            ),
                        ),
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
        # Options that only moved because others changed take the nerve's other causes, and
        # the ranking card when it changed (it orders every option).
        others = _union(c.causes for c in changes)
        ranking = self.causes.ranking_cause()
        for a, b in reranked:
            mine = others or (
                self.causes.ontology(self.causes.option_entities(new.nerve, b, place)),
            )
            if ranking is not None:
                mine = (ranking, *(c for c in mine if c.kind != "unexplained"))
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
        entities = self.causes.option_entities(nerve, old, place)
        facts = _fact_changes(old.facts, new.facts)
        fact_causes = self.causes.fact_causes(facts, entities)
        if facts:
            changes.append(
                Change(
                    "facts",
                    nerve,
                    new.donor_nerve,
                    new.target_muscle,
                    None,
                    "; ".join(fact_words(k, v) for k, v in facts.items()),
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
            causes = self.causes.flag_causes(rule_id, a, b, facts, entities)
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
                    causes=causes or (self.causes.ontology(entities),),
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
                        self.causes.ontology(
                            entities | {TMR[i] for i in old_evidence + new_evidence}
                        ),
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
            card = self.causes.cards.get(rule_id)
            causes = (Cause("card", card),) if card else (Cause("unexplained"),)
            changes.append(_flag_change("case flag", None, None, rule_id, a, b, causes))
        return changes


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
