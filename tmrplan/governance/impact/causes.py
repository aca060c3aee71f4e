"""Why a plan changed: which cards differ, which triples differ, and which of them a change names.

A change is blamed on a **card** when a flag it sets differs and what changed in the card explains
it (whether it fires, or what its flag says); on the **ontology** when option facts differ or no
card explains it, with the triples added or removed about the entities involved (nerve, donor,
target and its actions, level, region); on the **assignment** when only
``donor_taken_by_other_nerve`` differs (the conflict-free assignment moved because of the case's
other changes).
"""

from __future__ import annotations

from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from tmrplan.errors import AmbiguousNameError
from tmrplan.governance.impact.records import CardChange, Cause
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import Case, Flag, NervePlan, Option, Ref
from tmrplan.planning.planner import Planner
from tmrplan.rules.cards import RuleBook, RuleCard

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
# Parts of a card that change whether it fires, and parts that change what its flag says.
_FIRING = frozenset({"status", "scope", "match", "conditions"})
_WORDING = frozenset({"code", "severity", "message", "sources", "review_due"})
_RANKING_PARTS = (
    "title", "status", "keys", "sources", "rationale", "author", "reviewer", "review_due", "tests",
)  # fmt: skip
# Triples quoted per ontology cause (the rest are counted).
TRIPLES_PER_CAUSE = 5


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
    # The ranking card orders every plan's options: a change to it explains re-ranked options.
    r, q = base.ranking, current.ranking
    if r.version != q.version or r.content_hash != q.content_hash:
        parts = tuple(p for p in _RANKING_PARTS if getattr(r, p) != getattr(q, p))
        found[q.id] = CardChange(
            q.id, "changed", r.version, q.version, r.content_hash != q.content_hash, parts
        )
    return found


def _card_differs(a: RuleCard, b: RuleCard) -> bool:
    return a.version != b.version or any(getattr(a, p) != getattr(b, p) for p in CARD_PARTS)


def fact_words(name: str, values: tuple[Any, Any]) -> str:
    """One fact's change in words.

    Example:
        >>> fact_words("in_region", (True, None))
        'in_region: True → unknown'
    """

    def shown(value: Any) -> str:
        return "unknown" if value is None else str(value)

    return f"{name}: {shown(values[0])} → {shown(values[1])}"


class Attribution:
    """The card and triple differences between two planners, and the causes they make.

    Attributes:
        base, current: the two planners.
        cards: every card that differs, by id (see :func:`card_changes`).
        added, removed: the triples only in the current, and only in the base, knowledge graph.
    """

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

    def flag_causes(
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
        causes += self.fact_causes({k: v for k, v in facts.items() if k in read}, entities)
        if not causes:
            causes.append(Cause("card", card) if card else self.ontology(entities))
        return tuple(causes)

    def ranking_cause(self) -> Cause | None:
        """The ranking card, as a cause, when it differs between the two rule books."""
        change = self.cards.get(self.current.rulebook.ranking.id)
        return Cause("card", change) if change is not None else None

    def fact_causes(
        self, facts: dict[str, tuple[Any, Any]], entities: set[URIRef]
    ) -> tuple[Cause, ...]:
        """Anatomy facts blamed on the ontology, assignment facts on the assignment."""
        causes = []
        anatomy = {k: v for k, v in facts.items() if k not in ASSIGNMENT_FACTS}
        if anatomy:
            words = tuple(fact_words(k, v) for k, v in anatomy.items())
            causes.append(self.ontology(entities, words))
        if facts.keys() & ASSIGNMENT_FACTS:
            causes.append(
                Cause(
                    "assignment",
                    facts=tuple(
                        fact_words(k, facts[k]) for k in sorted(facts.keys() & ASSIGNMENT_FACTS)
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
        """A triple as Turtle-like text, prefixed by the current graph's namespaces."""
        manager = self.current.kb.graph.namespace_manager
        return " ".join(node.n3(manager) for node in triple)

    # -------------------------------------------------------------- entities
    def place(self, case: Case, nerve: NervePlan) -> set[URIRef]:
        """The nerve's region and the case's level, in either knowledge base."""
        found = {TMR[nerve.region.id]}
        for kb in (self.base.kb, self.current.kb):
            level = kb.level_ids.get(case.level)
            if level is not None:
                found.add(level)
        return found

    def case_entities(self, case: Case) -> set[URIRef]:
        """The case's nerves, level and region, in either knowledge base."""
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

    def option_entities(self, nerve: Ref, option: Option, place: set[URIRef]) -> set[URIRef]:
        """The option's nerves, its target with the target's actions and parts, and ``place``."""
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
