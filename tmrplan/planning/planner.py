"""From a case to a plan: candidates → facts → rules → ranked options → conflict-free assignment.

The planner never decides for the surgeon: each nerve gets every sensible option, ranked by keys
that are shown, each with the flags that fired and what they looked at.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from rdflib import URIRef

from tmrplan.errors import InvalidCaseError
from tmrplan.knowledge.describe import describe_source, to_ref
from tmrplan.knowledge.kb import KnowledgeBase, Match, local_name
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
    RankingInfo,
    Ref,
    Risk,
    Unknown,
    check_context,
    check_name_length,
)
from tmrplan.notice import NOTICE
from tmrplan.planning.anatomy_index import AnatomyIndex, Candidate, Site
from tmrplan.planning.facts import option_facts
from tmrplan.planning.loss import loss_in_words, loss_unknowns
from tmrplan.rules.cards import RuleBook, RuleCard
from tmrplan.rules.engine import RuleEngine
from tmrplan.rules.outcomes import RISK_CODES, RISK_ORDER, STATUS_CODES, STATUS_ORDER
from tmrplan.rules.ranking import FIRED, Assessment, group_places

_E = TypeVar("_E", bound=Enum)
# Worth more than any difference of standing (a nerve has far fewer options), less than a
# matched nerve (10 000): the assignment never leaves a nerve out to keep a published pairing.
_PUBLISHED_BONUS = 1_000


@dataclass
class _Draft:
    """An option while it is being built (mutable until ranked)."""

    candidate: Candidate
    facts: dict[str, Any]
    rule_ids: set[str]
    # What the ranking card reads (facts and rule outcomes), and what it makes of them, worked
    # out once per set of rules.
    values: dict[str, Any] | None = None
    assessed: Assessment | None = None


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
        self._flag_order = {c.id: (c.severity.value, c.id) for c in rulebook.running}
        self._refs: dict[URIRef, Ref] = {}
        self._overdue: frozenset[str] = frozenset()
        ranking = rulebook.ranking
        self._ranking = RankingInfo(
            ranking.id, ranking.version, tuple(k.name for k in ranking.keys)
        )
        # Region ids whose regions lie on a limb axis (an intact-limb position matters there).
        self._axis_regions = {
            rid for rid, region in kb.region_ids.items() if region in self.index.space.axis
        }
        # Clinical content and pattern evidence are the same for every plan: built once.
        self._alternatives = tuple(self._clinical(TMR.Procedure, TMR.alternativeTo))
        self._instructions = tuple(self._clinical(TMR.Instruction, TMR.instructionFor))
        self._risks = tuple(self._clinical(TMR.Risk, TMR.riskOf))
        # What TMR is, in the knowledge base's plain words (the patient sheet opens with it).
        tmr = TMR.TargetedMuscleReinnervation
        self.about_tmr: dict[str, Any] = {
            **to_ref(kb, tmr),
            "text": kb.value(tmr, RDFS.comment) or "",
            "sources": [describe_source(kb, s) for s in kb.sources_of(tmr)],
        }
        self._evidence = {p: self._pattern_evidence(p) for p in kb.entities(TMR.TransferPattern)}

    # ------------------------------------------------------------------ public
    def plan(self, case: Case) -> Plan:
        """Plan one case.

        Raises:
            UnknownEntityError: for an unknown nerve, level or region (with close matches).
            InvalidCaseError: for a case that cannot be planned as given.
        """
        case, site, nerves, matches = self._validate(case)
        # Review dates are read once per plan (a served planner outlives a day).
        self._overdue = frozenset(c.id for c in self._cards.values() if c.is_overdue())
        context = dict(case.context)
        drafts = {nerve: self._drafts(nerve, site, context) for nerve in nerves}
        self._apply_rules([d for ds in drafts.values() for d in ds])
        grouped = {nerve: self._rank(ds, context) for nerve, ds in drafts.items()}
        ranked = {nerve: [d for g in groups for d in g] for nerve, groups in grouped.items()}
        assignment = self._assign(grouped, case.allow_shared_targets, context)
        self._mark_taken(ranked, assignment)
        nerve_plans = tuple(
            NervePlan(
                nerve=self._ref(nerve),
                region=self._ref(site.region),
                options=self._options(grouped[nerve], site, context),
                assigned_rank=assignment.get(nerve),
                other_coaptations=tuple(
                    self._evidence[p] for p in self.index.published_end_to_side(nerve, site)
                ),
                typed=typed,
                matched_name=match.matched,
                matched_by=match.how,
            )
            for nerve, (typed, match) in zip(nerves, matches, strict=True)
        )
        case_facts = {k: v for k, v in context.items()} | {"nerve_count": len(nerves)}
        case_rules = self.engine.evaluate([{"scope": "case", **case_facts}])[0]
        unknowns = tuple(self._unknowns(case, site, nerve_plans))
        return Plan(
            case=case,
            kb_version=self.kb.version,
            rules_version=self.rulebook.version,
            nerves=nerve_plans,
            case_flags=tuple(self._flag(self._cards[r], case_facts) for r in sorted(case_rules)),
            alternatives=self._alternatives,
            instructions=self._instructions,
            risks=self._risks,
            unknowns=tuple(u.text for u in unknowns),
            typed_unknowns=unknowns,
            notice=NOTICE,
            preview_cards=self.rulebook.unapproved,
            approvals_ledger=self.rulebook.ledger_head,
            ranking=self._ranking,
            amputation=loss_in_words(self.kb, site.loss) if site.loss else "",
            where=self.kb.label(site.level)
            if site.level
            else f"intact limb: {self.kb.label(site.region)}",
        )

    # ------------------------------------------------------------------ steps
    def _validate(self, case: Case) -> tuple[Case, Site, list[URIRef], list[tuple[str, Match]]]:
        """The case with its level and region as ids, its site, nerves and how each name
        matched."""
        if not case.nerves:
            raise InvalidCaseError("a case needs at least one neuroma nerve")
        # Every typed value is length-checked first, so no message below echoes a huge one.
        for what, typed in (
            *(("nerve", n) for n in case.nerves),
            ("level", case.level),
            ("region", case.region or ""),
            ("side", case.side or ""),
            ("position", case.position or ""),
            *(("digit", d) for d in case.digits),
            *(("toe", t) for t in case.toes),
            ("through", case.through or ""),
            ("residual", case.residual or ""),
            *(("context field", k) for k in case.context),
        ):
            check_name_length(what, typed)
        if case.side is not None and case.side not in SIDES:
            raise InvalidCaseError(f"side {case.side!r} is not 'left' or 'right'")
        check_context(case.context)
        case = replace(
            case,
            level=self.index.place_id("level", case.level),
            region=self.index.place_id("region", case.region) if case.region else None,
        )
        site = self.index.case_site(case)
        nerves, matches = [], []
        for name in case.nerves:
            match = resolve_nerve(self.index, name, site)
            nerve = match.entity
            self.index.check_nerve(nerve, site, name)
            if nerve in nerves:
                raise InvalidCaseError(f"nerve {name!r} is listed twice")
            nerves.append(nerve)
            matches.append((name, match))
        return case, site, nerves, matches

    def _drafts(self, nerve: URIRef, site: Site, context: dict[str, bool]) -> list[_Draft]:
        return [
            _Draft(c, option_facts(self.index, c, site, context), set())
            for c in self.index.candidates(nerve, site)
        ]

    def _apply_rules(self, drafts: list[_Draft]) -> None:
        fired = self.engine.evaluate([{"scope": "option", **d.facts} for d in drafts])
        for draft, rule_ids in zip(drafts, fired, strict=True):
            draft.rule_ids = rule_ids
            draft.values = draft.assessed = None  # the outcomes follow the rules

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

    def outcomes_and_facts(self, draft: _Draft) -> dict[str, Any]:
        """What the ranking card reads: the option's facts and its rule outcomes."""
        if draft.values is None:
            draft.values = {
                **draft.facts,
                "donor_status": self._status(draft).value,
                "strength_loss_risk": self._risk(draft).value,
                FIRED: sorted(draft.rule_ids),
            }
        return draft.values

    def assess(self, draft: _Draft, case: dict[str, Any]) -> Assessment:
        """The ranking card's view of an option: its place, the values of the keys that apply to
        this case (None: unknown; a rule key: whether its card fired), the keys it is unknown for."""
        if draft.assessed is None:
            draft.assessed = self.rulebook.ranking.assess(self.outcomes_and_facts(draft), case)
        return draft.assessed

    def _rank(self, drafts: list[_Draft], case: dict[str, Any]) -> list[list[_Draft]]:
        """The drafts in the ranking card's order, in groups of options tied after every key;
        a group is listed by donor and target id, which orders it without ranking it."""
        groups = group_places([self.assess(d, case).place for d in drafts])
        return [
            sorted(
                (drafts[i] for i in group),
                key=lambda d: (local_name(d.candidate.branch), local_name(d.candidate.muscle)),
            )
            for group in groups
        ]

    def _assign(
        self, grouped: dict[URIRef, list[list[_Draft]]], shared: bool, case: dict[str, Any]
    ) -> dict[URIRef, int]:
        """Give each nerve a different target (unless sharing is allowed), preferring better ranks.

        A target is a neuromuscular unit: a head or segment with its own branch is a target of
        its own, a muscle without such units is one target. A native control site that a planned
        myoelectric prosthesis needs is not assigned (it stays listed, with its flag).
        """
        keep_native = case.get("myoelectric_prosthesis") is True
        usable: dict[URIRef, list[tuple[int, int, _Draft]]] = {}
        for nerve, groups in grouped.items():
            rows, rank = [], 0
            for group in groups:
                standing = rank + 1  # tied options stand equal for the assignment
                for draft in group:
                    rank += 1
                    if not (keep_native and draft.facts.get("native_control_site")):
                        rows.append((rank, standing, draft))
            usable[nerve] = rows
        if shared or len(grouped) == 1:
            return {nerve: rows[0][0] for nerve, rows in usable.items() if rows}
        import networkx as nx  # ~0.12 s of start-up: only multi-nerve cases match targets

        graph = nx.Graph()
        for nerve, rows in usable.items():
            for rank, standing, draft in rows:
                edge = (("nerve", nerve), ("target", draft.candidate.muscle))
                if graph.has_edge(*edge):
                    continue  # two branches to one unit: the better-ranked one stands for it
                # Higher weight for better standing; max_weight_matching with maxcardinality
                # first matches as many nerves as possible, then prefers the best standings. A
                # transfer published in patients for this very nerve is kept for it: another
                # nerve, for which the same unit is only its nearest, gives it up first.
                bonus = _PUBLISHED_BONUS if draft.facts.get("clinical_pattern") else 0
                graph.add_edge(*edge, weight=10_000 - standing + bonus, rank=rank)
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
        found = self._refs.get(entity)  # a Ref is immutable: one per entity serves every plan
        if found is None:
            found = self._refs[entity] = Ref(local_name(entity), self.kb.label(entity))
        return found

    def _flag(self, card: RuleCard, facts: dict[str, Any]) -> Flag:
        used = {c.fact: facts.get(c.fact) for c in card.conditions if c.fact in facts}
        notes = ("rule card overdue for review",) if card.id in self._overdue else ()
        return Flag(
            card.id, card.version, card.code, card.severity, card.message, used, card.sources, notes
        )

    def _options(
        self, groups: list[list[_Draft]], site: Site, case: dict[str, Any]
    ) -> tuple[Option, ...]:
        options: list[Option] = []
        for group in groups:
            first = len(options) + 1
            ranks = range(first, first + len(group))
            for rank, draft in zip(ranks, group, strict=True):
                tied = tuple(r for r in ranks if r != rank)
                options.append(self._option(rank, draft, site, case, tied))
        return tuple(options)

    def _option(
        self, rank: int, draft: _Draft, site: Site, case: dict[str, Any], tied: tuple[int, ...]
    ) -> Option:
        candidate = draft.candidate
        evidence = tuple(self._evidence[p] for p in self.index.published(candidate, site))
        flags = tuple(
            self._flag(self._cards[r], draft.facts)
            for r in sorted(draft.rule_ids, key=self._flag_order.__getitem__)
        )
        assessed = self.assess(draft, case)
        return Option(
            rank=rank,
            donor_nerve=self._ref(candidate.branch),
            target_muscle=self._ref(candidate.muscle),
            donor_status=self._status(draft),
            strength_loss_risk=self._risk(draft),
            sort_keys=assessed.shown,
            evidence=evidence,
            flags=flags,
            facts=dict(draft.facts),
            tied_with=tied,
            unranked_by=assessed.unknown,
            donor_parent=next(
                (self._ref(p) for p in self.kb.objects(candidate.branch, TMR.branchOf)), None
            ),
        )

    def _pattern_evidence(self, pattern: URIRef) -> dict[str, Any]:
        """A published pattern as a plan shows it: what was done, where, in whom, with what
        result and where it was read; a field the source does not state is left out."""
        kb = self.kb
        kinds = kb.objects(pattern, TMR.evidenceType)
        coaptation = kb.objects(pattern, TMR.coaptation)
        evidence: dict[str, Any] = {
            **to_ref(kb, pattern),
            "evidence_type": kb.label(kinds[0]) if kinds else "unknown",
            "coaptation": kb.label(coaptation[0] if coaptation else TMR.EndToEndToMotorBranch),
            "contexts": [to_ref(kb, c) for c in kb.objects(pattern, TMR.context)],
            "comment": kb.value(pattern, RDFS.comment),
            "sources": [describe_source(kb, s) for s in kb.sources_of(pattern)],
        }
        recipients = kb.objects(pattern, TMR.recipientNerve)
        stated = {
            "recipient_nerve": to_ref(kb, recipients[0]) if recipients else None,
            "where": kb.value(pattern, TMR.contextNote),
            "patients": _count(kb.value(pattern, TMR.patientCount)),
            "limbs": _count(kb.value(pattern, TMR.limbCount)),
            "outcome": kb.value(pattern, TMR.outcome),
            "reported_in": [describe_source(kb, s) for s in kb.objects(pattern, TMR.reportedIn)],
        }
        return evidence | {k: v for k, v in stated.items() if v not in (None, [])}

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

    def _unknowns(
        self, case: Case, site: Site, nerve_plans: tuple[NervePlan, ...]
    ) -> list[Unknown]:
        unknowns = []
        if case.side is None:
            unknowns.append(
                Unknown(
                    "side", "not_stated", "side (left or right)", "side (left or right) not stated"
                )
            )
        unknowns += [_loss_unknown(text) for text in loss_unknowns(self.kb, site.loss)]
        if case.level == "none" and case.position is None and case.region in self._axis_regions:
            unknowns.append(
                Unknown(
                    "position",
                    "not_stated",
                    f"position within the {case.region} (proximal, middle or distal third)",
                    f"position within the {case.region} (proximal, middle or distal third) not "
                    "stated: distances are measured from its middle",
                )
            )
        for key, meaning in CONTEXT_FIELDS.items():
            if key not in case.context:
                unknowns.append(
                    Unknown(
                        f"context.{key}", "not_stated", meaning, f"{key}: not stated ({meaning})"
                    )
                )
        no_diameter = sum(
            1 for n in nerve_plans for o in n.options if "diameter_ratio" not in o.facts
        )
        if no_diameter:
            unknowns.append(
                Unknown(
                    "nerve_diameter",
                    "not_sourced",
                    "the diameters of the neuroma nerve and the donor branch",
                    f"nerve diameters: not sourced for {no_diameter} option(s), so size match "
                    "was not assessed",
                )
            )
        searched = self.kb.value(site.level or site.region, TMR.patternSearch)
        for nerve_plan in nerve_plans:
            nerve = nerve_plan.nerve
            published = nerve_plan.other_coaptations or any(o.evidence for o in nerve_plan.options)
            if nerve_plan.options and not published:
                unknowns.append(
                    Unknown(
                        "published_pattern",
                        "not_sourced",
                        "a published transfer pattern for this nerve here",
                        f"{nerve.label}: no published transfer pattern is recorded for this"
                        " nerve here, so its options rest on anatomy alone"
                        + (f" (searched: {searched})" if searched else ""),
                        nerve,
                    )
                )
            if not nerve_plan.options:
                unknowns.append(
                    Unknown(
                        "candidate_donor",
                        "none_found",
                        "a candidate donor branch near the neuroma",
                        f"{nerve.label}: no candidate donor found near the {nerve_plan.region.label}",
                        nerve,
                    )
                )
            elif nerve_plan.assigned_rank is None:
                unknowns.append(
                    Unknown(
                        "assignment",
                        "none_found",
                        "a target that no other nerve of the case takes",
                        f"{nerve.label}: no target left that another nerve does not take",
                        nerve,
                    )
                )
        return unknowns


# The case field each of loss_unknowns' sentences is about, by how the sentence starts.
_LOSS_FIELDS = {
    "which digits": ("digits", "which digits were amputated"),
    "which toes": ("toes", "which toes were amputated"),
    "where they were amputated": ("through", "where the digits or toes were amputated"),
    "residual length": ("residual", "residual limb length (short, mid or long)"),
}


def _loss_unknown(text: str) -> Unknown:
    """An amputation unknown typed by the case field it names (``amputation`` if none matches,
    which a test of every ray and residual level rules out)."""
    for start, (field, meaning) in _LOSS_FIELDS.items():
        if text.startswith(start):
            return Unknown(field, "not_stated", meaning, text)
    return Unknown("amputation", "not_stated", "what the amputation took", text)


def _count(value: str | None) -> int | None:
    return int(value) if value is not None else None


def resolve_nerve(index: AnatomyIndex, name: str, site: Site) -> Match:
    """A case's neuroma nerve as typed, resolved in the case's context: its limb ("MPN" in a
    foot case is the medial plantar nerve), its site (a generic "digital nerve" at a hand level
    lists the nerves that run there, less what the amputation removed) and its named digits or
    toes (their nerves first). One function for the planner and the sweep.

    Raises:
        UnknownEntityError: with close matches.
        AmbiguousNameError: listing the candidates in that order.
    """
    kb = index.kb
    loss = site.loss
    return kb.resolve(
        name,
        what="nerve",
        limb=kb.limb_of(site.region),
        regions=index.around(site.region),
        removed=index.effects[site.amputation].removed_regions,
        digits=loss.digits if loss is not None else frozenset(),
    )


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
