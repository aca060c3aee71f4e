"""The rule engine adapter: the only module that imports durable-rules.

Cards are compiled to durable's JSON rulesets whose ``run`` names are resolved by
:meth:`_FlagHost.get_action` against a fixed whitelist: the one action a card can trigger is
"record that rule X fired for fact Y". durable-rules 2.0.28 has hazards this adapter is built around:

* its hosts start timer threads that never stop → **one host per process**;
* a ruleset holds at most 1,024 live sessions, and ``delete_state`` while another session is live
  crashes the dispatcher → **one fixed session id**, facts asserted, results read, every fact
  retracted; never ``delete_state``;
* ``set_rulesets`` mutates the dict it is given → it gets a deep copy;
* an exception inside an action is stored, not raised → actions only append to a list, and any
  stored error is re-raised as :class:`EngineError`;
* evaluations are serialised by a lock, because the fixed session is shared.

The interface (:meth:`RuleEngine.evaluate`) takes plain fact dicts and returns rule ids, so the
cards' tests would run unchanged on another engine.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from durable import engine as durable_engine

from tmrplan.errors import EngineError
from tmrplan.rules.card_schema import OPERATORS
from tmrplan.rules.cards import RuleBook, RuleCard

_SESSION = "tmrplan"
_ACTION_PREFIX = "record_flag:"
_HOST_LOCK = threading.Lock()
_HOST: _FlagHost | None = None
_RULESET_COUNTER = itertools.count(1)


class _FlagHost(durable_engine.Host):  # type: ignore[misc]
    """A durable host whose only actions record which rule fired for which fact."""

    def __init__(self) -> None:
        self.allowed: set[str] = set()
        self.fired: list[tuple[str, str]] = []
        super().__init__()

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        # Resolved once per rule when a ruleset is registered: only whitelisted names exist.
        if not action_name.startswith(_ACTION_PREFIX) or action_name not in self.allowed:
            raise EngineError(f"action {action_name!r} is not on the whitelist")
        rule_id = action_name[len(_ACTION_PREFIX) :]

        def record(closure: Any) -> None:
            self.fired.append((rule_id, closure.m["fact_id"]))

        return record


def _host() -> _FlagHost:
    global _HOST
    with _HOST_LOCK:
        if _HOST is None:
            _HOST = _FlagHost()
        return _HOST


def to_condition(card: RuleCard) -> dict[str, Any]:
    """Compile a card's conditions to a durable-rules expression."""
    terms: list[dict[str, Any]] = [{"scope": card.scope}]
    alternatives = []
    for condition in card.conditions:
        operator = OPERATORS[condition.op][0]
        value = 1 if condition.op == "exists" else condition.value
        term = {condition.fact: value} if operator is None else {operator: {condition.fact: value}}
        alternatives.append(term)
    if card.match == "all":
        terms += alternatives
    else:
        terms.append({"$or": alternatives})
    return {"$and": terms}


def to_ruleset(cards: Sequence[RuleCard]) -> dict[str, Any]:
    """A durable JSON ruleset with one rule per card, each running its whitelisted action."""
    return {
        card.id: {"all": [{"m": to_condition(card)}], "run": f"{_ACTION_PREFIX}{card.id}"}
        for card in cards
    }


class RuleEngine:
    """Evaluates facts against a rule book's running cards.

    Example:
        >>> from tmrplan.rules.cards import load_rulebook
        >>> engine = RuleEngine(load_rulebook())
        >>> fired = engine.evaluate([{"scope": "option", "muscle_present": True, "actions_kept": 0,
        ...                           "actions_lost": 2, "actions_total": 2}])
        >>> "TMR-DONOR-REDUNDANT" in fired[0]
        True
    """

    def __init__(self, rulebook: RuleBook, memo_size: int = 4096) -> None:
        self.rulebook = rulebook
        # Rules are pure functions of the facts, and plans repeat fact sets a lot (every redundant
        # donor looks alike), so results are memoised per distinct fact set, per engine.
        self._memo: OrderedDict[tuple[tuple[str, Any], ...], frozenset[str]] = OrderedDict()
        self._memo_size = memo_size
        self._cards = rulebook.running
        # Only the facts some condition reads can change what fires: the rest (facts shown to
        # the user, read by the ranking card) are left out of the memo key and out of durable.
        self._read = frozenset(
            {"scope"} | {c.fact for card in self._cards for c in card.conditions}
        )
        self._host = _host()
        # durable refuses a name registered twice in one host: every engine gets its own name.
        self._ruleset = f"tmrplan_{next(_RULESET_COUNTER)}"
        self._sequence = itertools.count()
        definition = {self._ruleset: to_ruleset(self._cards)}
        with _HOST_LOCK:
            self._host.allowed |= {f"{_ACTION_PREFIX}{c.id}" for c in self._cards}
            try:
                self._host.set_rulesets(copy.deepcopy(definition))
            except EngineError:
                raise
            except Exception as exc:  # durable reports bad rulesets as bare numbers
                raise EngineError(f"durable-rules refused the compiled rules: {exc}") from exc

    def evaluate(self, facts: Sequence[Mapping[str, Any]]) -> list[set[str]]:
        """For each fact dict, the ids of the rules that fired on it (memoised per set of the
        facts the rules read).

        Args:
            facts: dicts with a ``scope`` ("option" or "case") and fact values; a missing key means
                the input is unknown, and no condition on it can match.

        Raises:
            EngineError: if durable fails or an action stored an error.
        """
        read = self._read
        keys = [tuple(sorted((k, v) for k, v in f.items() if k in read)) for f in facts]
        todo = list(dict.fromkeys(k for k in keys if k not in self._memo))
        if todo:
            for key, fired in zip(
                todo, self.evaluate_uncached([dict(k) for k in todo]), strict=True
            ):
                self._memo[key] = frozenset(fired)
                if len(self._memo) > self._memo_size:
                    self._memo.popitem(last=False)
        results = []
        for key in keys:
            known = self._memo.get(key)
            if known is None:  # evicted within this call by a very large batch
                known = frozenset(self.evaluate_uncached([dict(key)])[0])
            results.append(set(known))
        return results

    def evaluate_uncached(self, facts: Sequence[Mapping[str, Any]]) -> list[set[str]]:
        """For each fact dict, the ids of the rules that fired on it, always asking durable.

        Raises:
            EngineError: if durable fails or an action stored an error.
        """
        with _HOST_LOCK:
            self._host.fired.clear()
            asserted = []
            ids = []
            try:
                for values in facts:
                    fact_id = f"f{next(self._sequence)}"
                    ids.append(fact_id)
                    fact = {**values, "sid": _SESSION, "fact_id": fact_id}
                    try:
                        self._host.assert_fact(self._ruleset, fact)
                        asserted.append(fact)
                    except durable_engine.MessageNotHandledException:
                        pass  # matched no rule: normal, and durable keeps nothing
                fired = list(self._host.fired)
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(f"rule evaluation failed: {exc}") from exc
            finally:
                self._retract(asserted)
        by_fact: dict[str, set[str]] = {fact_id: set() for fact_id in ids}
        for rule_id, fact_id in fired:
            by_fact[fact_id].add(rule_id)
        return [by_fact[fact_id] for fact_id in ids]

    def _retract(self, asserted: list[dict[str, Any]]) -> None:
        for fact in asserted:
            try:
                self._host.retract_fact(self._ruleset, fact)
            except durable_engine.MessageNotHandledException:
                pass
            except Exception as exc:
                raise EngineError(f"could not retract a fact after evaluation: {exc}") from exc
