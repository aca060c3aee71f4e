"""From a case to a plan: candidates → facts → rules → ranked options → conflict-free assignment.

The planner never decides for the surgeon: each nerve gets every sensible option, ranked by keys
that are shown, each with the flags that fired and what they looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from rdflib import URIRef

from tmrplan.errors import InvalidCaseError
from tmrplan.knowledge.describe import describe_source, to_ref
from tmrplan.knowledge.kb import KnowledgeBase, local_name
from tmrplan.knowledge.vocab import RDFS, TMR
from tmrplan.model import (
    CONTEXT_FIELDS,
    SIDES,
    Case,
    DonorStatus,
    Flag,
    NervePlan,
    Option,
    Plan,
    Ref,
    Risk,
    check_context,
    check_name_length,
)
from tmrplan.notice import NOTICE
from tmrplan.planning.anatomy_index import AnatomyIndex, Candidate, Site
from tmrplan.planning.facts import option_facts
from tmrplan.rules.cards import RuleBook, RuleCard
from tmrplan.rules.engine import RuleEngine
from tmrplan.rules.outcomes import RISK_CODES, RISK_ORDER, STATUS_CODES, STATUS_ORDER

_E = TypeVar("_E", bound=Enum)


@dataclass
class _Draft:
    """An option while it is being built (mutable until ranked)."""

    candidate: Candidate
    facts: dict[str, Any]
    rule_ids: set[str]


class Planner:
    """Plans cases against one knowledge base and one rule book, both loaded once.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> from tmrplan.rules.cards import load_rulebook
        >>> planner = Planner(load_knowledge_base(), load_rulebook())
        >>> plan = planner.plan(Case(nerves=("median nerve",), level="transhumeral"))
        >>> plan.nerves[0].options[0].donor_status.value in {"redundant", "partial", "functional"}
        True
    """

    def __init__(
        self, kb: KnowledgeBase, rulebook: RuleBook, engine: RuleEngine | None = None
    ) -> None:
        self.kb = kb
        self.rulebook = rulebook
        self.index = AnatomyIndex(kb)
        self.engine = engine or RuleEngine(rulebook)
        self._cards = {c.id: c for c in rulebook.running}
        # Clinical content and pattern evidence are the same for every plan: built once.
        self._alternatives = tuple(self._clinical(TMR.Procedure, TMR.alternativeTo))
        self._instructions = tuple(self._clinical(TMR.Instruction, TMR.instructionFor))
        self._risks = tuple(self._clinical(TMR.Risk, TMR.riskOf))
        self._evidence = {p: self._pattern_evidence(p) for p in kb.entities(TMR.TransferPattern)}

    # ------------------------------------------------------------------ public
    def plan(self, case: Case) -> Plan:
        """Plan one case.

        Raises:
            UnknownEntityError: for an unknown nerve, level or region (with close matches).
            InvalidCaseError: for a case that cannot be planned as given.
        """
        site, nerves = self._validate(case)
        context = dict(case.context)
        drafts = {nerve: self._drafts(nerve, site, context) for nerve in nerves}
        self._apply_rules([d for ds in drafts.values() for d in ds])
        ranked = {nerve: self._rank(ds) for nerve, ds in drafts.items()}
        assignment = self._assign(ranked, case.allow_shared_targets)
        self._mark_taken(ranked, assignment)
        nerve_plans = tuple(
            NervePlan(
                nerve=self._ref(nerve),
                region=self._ref(site.region),
                options=tuple(
                    self._option(rank, d, site) for rank, d in enumerate(ranked[nerve], 1)
                ),
                assigned_rank=assignment.get(nerve),
            )
            for nerve in nerves
        )
        case_facts = {k: v for k, v in context.items()} | {"nerve_count": len(nerves)}
        case_rules = self.engine.evaluate([{"scope": "case", **case_facts}])[0]
        return Plan(
            case=case,
            kb_version=self.kb.version,
            rules_version=self.rulebook.version,
            nerves=nerve_plans,
            case_flags=tuple(self._flag(self._cards[r], case_facts) for r in sorted(case_rules)),
            alternatives=self._alternatives,
            instructions=self._instructions,
            risks=self._risks,
            unknowns=tuple(self._unknowns(case, nerve_plans)),
            notice=NOTICE,
            preview_cards=self.rulebook.unapproved,
        )

    # ------------------------------------------------------------------ steps
    def _validate(self, case: Case) -> tuple[Site, list[URIRef]]:
        if not case.nerves:
            raise InvalidCaseError("a case needs at least one neuroma nerve")
        # Every typed value is length-checked first, so no message below echoes a huge one.
        for what, typed in (
            *(("nerve", n) for n in case.nerves),
            ("level", case.level),
            ("region", case.region or ""),
            ("side", case.side or ""),
            *(("context field", k) for k in case.context),
        ):
            check_name_length(what, typed)
        if case.side is not None and case.side not in SIDES:
            raise InvalidCaseError(f"side {case.side!r} is not 'left' or 'right'")
        check_context(case.context)
        site = self.index.site(case.level, case.region)
        nerves = []
        for name in case.nerves:
            nerve = self.kb.get(name, "nerve")
            self.index.check_nerve(nerve, site, name)
            if nerve in nerves:
                raise InvalidCaseError(f"nerve {name!r} is listed twice")
            nerves.append(nerve)
        return site, nerves

    def _drafts(self, nerve: URIRef, site: Site, context: dict[str, bool]) -> list[_Draft]:
        return [
            _Draft(c, option_facts(self.index, c, site, context), set())
            for c in self.index.candidates(nerve, site)
        ]

    def _apply_rules(self, drafts: list[_Draft]) -> None:
        fired = self.engine.evaluate([{"scope": "option", **d.facts} for d in drafts])
        for draft, rule_ids in zip(drafts, fired, strict=True):
            draft.rule_ids = rule_ids

    def _status(self, draft: _Draft) -> DonorStatus:
        unknown: DonorStatus = DonorStatus.UNKNOWN
        return self._most_cautious(draft, STATUS_CODES, STATUS_ORDER, unknown)

    def _risk(self, draft: _Draft) -> Risk:
        unknown: Risk = Risk.UNKNOWN
        return self._most_cautious(draft, RISK_CODES, RISK_ORDER, unknown)

    def _most_cautious(
        self, draft: _Draft, codes: dict[str, _E], order: dict[_E, int], unknown: _E
    ) -> _E:
        """The value the fired flags give (the most cautious if two disagree); ``unknown`` if none."""
        found = [codes[self._cards[r].code] for r in draft.rule_ids if self._cards[r].code in codes]
        return max(found, key=order.__getitem__) if found else unknown

    def sort_keys(self, draft: _Draft) -> dict[str, Any]:
        """The ranking's keys, in order, as shown to the user."""
        return {
            "donor_status": self._status(draft).value,
            "strength_loss_risk": self._risk(draft).value,
            "published_pattern": draft.facts["published_pattern"],
            "region_distance": draft.facts["region_distance"],
            "nerve_distance": draft.facts["nerve_distance"],
            "warnings": sum(self._cards[r].severity.value == "warning" for r in draft.rule_ids),
            "donor": self.kb.label(draft.candidate.branch),
        }

    def _rank(self, drafts: list[_Draft]) -> list[_Draft]:
        def key(draft: _Draft) -> tuple[Any, ...]:
            keys = self.sort_keys(draft)
            return (
                STATUS_ORDER[DonorStatus(keys["donor_status"])],
                RISK_ORDER[Risk(keys["strength_loss_risk"])],
                not keys["published_pattern"],
                keys["region_distance"],
                keys["nerve_distance"],
                keys["warnings"],
                keys["donor"],
            )

        return sorted(drafts, key=key)

    def _assign(self, ranked: dict[URIRef, list[_Draft]], shared: bool) -> dict[URIRef, int]:
        """Give each nerve a different target (unless sharing is allowed), preferring better ranks."""
        if shared or len(ranked) == 1:
            return {nerve: 1 for nerve, drafts in ranked.items() if drafts}
        import networkx as nx  # ~0.12 s of start-up: only multi-nerve cases match targets

        graph = nx.Graph()
        for nerve, drafts in ranked.items():
            for rank, draft in enumerate(drafts, 1):
                edge = (("nerve", nerve), ("target", draft.candidate.muscle))
                if graph.has_edge(*edge):
                    continue  # two branches to one muscle: the better-ranked one stands for it
                # Higher weight for better ranks; max_weight_matching with maxcardinality first
                # matches as many nerves as possible, then prefers the best ranks.
                graph.add_edge(*edge, weight=10_000 - rank, rank=rank)
        matching = nx.max_weight_matching(graph, maxcardinality=True)
        assignment = {}
        for a, b in matching:
            nerve_node, _target = (a, b) if a[0] == "nerve" else (b, a)
            assignment[nerve_node[1]] = graph.edges[a, b]["rank"]
        return assignment

    def _mark_taken(
        self, ranked: dict[URIRef, list[_Draft]], assignment: dict[URIRef, int]
    ) -> None:
        taken = {
            ranked[nerve][rank - 1].candidate.muscle: nerve for nerve, rank in assignment.items()
        }
        retry = []
        for nerve, drafts in ranked.items():
            for draft in drafts:
                holder = taken.get(draft.candidate.muscle)
                if holder is not None and holder != nerve:
                    draft.facts["donor_taken_by_other_nerve"] = True
                    retry.append(draft)
        if retry:
            self._apply_rules(retry)

    # ------------------------------------------------------------------ output pieces
    def _ref(self, entity: URIRef) -> Ref:
        return Ref(local_name(entity), self.kb.label(entity))

    def _flag(self, card: RuleCard, facts: dict[str, Any]) -> Flag:
        used = {c.fact: facts.get(c.fact) for c in card.conditions if c.fact in facts}
        notes = ("rule card overdue for review",) if card.is_overdue() else ()
        return Flag(
            card.id, card.version, card.code, card.severity, card.message, used, card.sources, notes
        )

    def _option(self, rank: int, draft: _Draft, site: Site) -> Option:
        candidate = draft.candidate
        evidence = tuple(self._evidence[p] for p in self.index.published(candidate, site))
        flags = tuple(
            self._flag(self._cards[r], draft.facts)
            for r in sorted(draft.rule_ids, key=lambda r: (self._cards[r].severity.value, r))
        )
        return Option(
            rank=rank,
            donor_nerve=self._ref(candidate.branch),
            target_muscle=self._ref(candidate.muscle),
            donor_status=self._status(draft),
            strength_loss_risk=self._risk(draft),
            sort_keys=self.sort_keys(draft),
            evidence=evidence,
            flags=flags,
            facts=dict(draft.facts),
        )

    def _pattern_evidence(self, pattern: URIRef) -> dict[str, Any]:
        kb = self.kb
        kinds = kb.objects(pattern, TMR.evidenceType)
        return {
            **to_ref(kb, pattern),
            "evidence_type": kb.label(kinds[0]) if kinds else "unknown",
            "comment": kb.value(pattern, RDFS.comment),
            "sources": [describe_source(kb, s) for s in kb.sources_of(pattern)],
        }

    def _clinical(self, cls: URIRef, link: URIRef) -> list[dict[str, Any]]:
        kb = self.kb
        items = []
        for entity in kb.entities(cls):
            if TMR.TargetedMuscleReinnervation not in kb.objects(entity, link):
                continue
            phase = kb.objects(entity, TMR.phase)
            items.append(
                {
                    **to_ref(kb, entity),
                    "text": kb.value(entity, RDFS.comment),
                    **({"phase": kb.label(phase[0])} if phase else {}),
                    "sources": [describe_source(kb, s) for s in kb.sources_of(entity)],
                }
            )
        return items

    def _unknowns(self, case: Case, nerve_plans: tuple[NervePlan, ...]) -> list[str]:
        unknowns = []
        if case.side is None:
            unknowns.append("side (left or right) not stated")
        for key, meaning in CONTEXT_FIELDS.items():
            if key not in case.context:
                unknowns.append(f"{key}: not stated ({meaning})")
        no_diameter = sum(
            1 for n in nerve_plans for o in n.options if "diameter_ratio" not in o.facts
        )
        if no_diameter:
            unknowns.append(
                f"nerve diameters: not sourced for {no_diameter} option(s), so size match was not assessed"
            )
        for nerve_plan in nerve_plans:
            if not nerve_plan.options:
                unknowns.append(
                    f"{nerve_plan.nerve.label}: no candidate donor found near the {nerve_plan.region.label}"
                )
            elif nerve_plan.assigned_rank is None:
                unknowns.append(
                    f"{nerve_plan.nerve.label}: no target left that another nerve does not take"
                )
        return unknowns


def load_planner(ontology: Path | None = None, rules: Path | None = None) -> Planner:
    """Load, validate (once per content) and index everything a plan needs.

    Raises:
        KnowledgeBaseError: for a file that does not parse or a knowledge base with violations.
        RuleFileError: for a malformed rule card.
    """
    from tmrplan.knowledge.kb import load_knowledge_base
    from tmrplan.knowledge.validation import ensure_valid
    from tmrplan.rules.cards import load_rulebook

    kb = load_knowledge_base(ontology)
    ensure_valid(kb)
    return Planner(kb, load_rulebook(rules, known_sources=kb.source_ids()))
