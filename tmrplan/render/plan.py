"""Plans as JSON-ready dicts and as the terminal's compact document, with the labels every
rendering of a plan shares (the surgeon's report for Markdown and PDF is ``plan_report``, the
patient's sheet ``patient_sheet``).

Every rendering carries the versions, the unknowns and the intended-use notice; none shows a
single directive or a numeric score.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any

from tmrplan.model import NervePlan, Option, Plan
from tmrplan.notice import PAGE_FOOTER
from tmrplan.render import text
from tmrplan.render.document import (
    Block,
    Bullets,
    Document,
    Item,
    Paragraph,
    Span,
    flag_line,
    notice_blocks,
    spans,
)

if TYPE_CHECKING:
    from tmrplan.knowledge.kb import KnowledgeBase

PLAN_FOOTER = PAGE_FOOTER

# The plan JSON's schema (schemas/plan.schema.json): its version is stamped in every plan. A
# change that removes or retypes a key is a MAJOR bump, a new optional key a MINOR one.
SCHEMA_VERSION = "1.0.0"
SCHEMA_ID = f"https://w3id.org/tmrplan/schemas/plan/{SCHEMA_VERSION}"
# The ontology's namespace (tmrplan.knowledge.vocab.TMR): an id in a plan is a local name in it.
NAMESPACE = "https://w3id.org/tmrplan#"
_KB_VERSION = re.compile(r"^(?P<declared>[^+]+)\+(?P<digest>[0-9a-f]+)$")
_RULES_VERSION = re.compile(
    r"^(?P<count>[0-9]+) cards @(?P<versions>[^+]*)\+(?P<digest>[0-9a-f]+)$"
)


def exact_matches(kb: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """Each entity's verified cross-references (``skos:exactMatch``: UBERON IRIs), by local name.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> exact_matches(load_knowledge_base())["PronatorTeres"]
        ('http://purl.obolibrary.org/obo/UBERON_0001520',)
    """
    from tmrplan.knowledge.kb import local_name
    from tmrplan.knowledge.vocab import SKOS

    found = {local_name(e): kb.objects(e, SKOS.exactMatch) for e in kb.types}  # from the index
    return {key: tuple(sorted(map(str, values))) for key, values in found.items() if values}


def version_parts(plan: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    """The knowledge base's and the rules' version strings as data: ``{declared, digest}`` and
    ``{card_count, card_versions, digest}`` (only ``{}`` for a string of another form).

    Example:
        >>> from tmrplan.model import Case
        >>> plan = Plan(Case(("x",), "none"), "0.1.0+ab12", "26 cards @1.0.0,2.0.0+cd34", (),
        ...             (), (), (), (), (), "", ())
        >>> version_parts(plan)
        ({'declared': '0.1.0', 'digest': 'ab12'}, {'card_count': 26, 'card_versions': ['1.0.0', '2.0.0'], 'digest': 'cd34'})
    """
    kb: dict[str, Any] = {}
    if match := _KB_VERSION.match(plan.kb_version):
        kb = {"declared": match["declared"], "digest": match["digest"]}
    rules: dict[str, Any] = {}
    if match := _RULES_VERSION.match(plan.rules_version):
        rules = {
            "card_count": int(match["count"]),
            "card_versions": [v for v in match["versions"].split(",") if v],
            "digest": match["digest"],
        }
    return kb, rules


def to_json_dict(
    plan: Plan,
    exported_on: date | None = None,
    *,
    codes: Mapping[str, Sequence[str]] | None = None,
    copy_reference: str | None = None,
) -> dict[str, Any]:
    """The plan as JSON-ready data, with the fields of DESIGN.md's CLI contract, valid against
    ``schemas/plan.schema.json`` (version ``SCHEMA_VERSION``).

    Every entity named by ``id`` (an IRI local name) carries its ``iri`` beside it, and its
    verified cross-references as ``exact_match`` where ``codes`` has them.

    Args:
        exported_on: stamped as ``exported_on`` when given (exports carry their date; the
            CLI's own JSON stays byte-stable for the golden cases).
        codes: cross-references by local name (:func:`exact_matches`); none when not given.
        copy_reference: the app session's copy reference, stamped last when given.
    """
    kb_parts, rules_parts = version_parts(plan)
    data: dict[str, Any] = _plain(
        {
            "schema_version": SCHEMA_VERSION,
            "schema": SCHEMA_ID,
            "case": plan.case.to_dict(),
            "kb_version": plan.kb_version,
            "kb_version_info": kb_parts,
            "rules_version": plan.rules_version,
            "rules_version_info": rules_parts,
            "notice": plan.notice,
            "preview": plan.is_preview,
            "preview_cards": list(plan.preview_cards),
            "ranking": asdict(plan.ranking) if plan.ranking else None,
            "amputation": plan.amputation,
            "where": plan.where,
            "nerves": [
                {
                    "nerve": asdict(n.nerve),
                    "region": asdict(n.region),
                    "assigned_rank": n.assigned_rank,
                    "typed": n.typed,
                    "matched_name": n.matched_name,
                    "matched_by": n.matched_by,
                    "options": [_option(o) for o in n.options],
                    "other_coaptations": list(n.other_coaptations),
                }
                for n in plan.nerves
            ],
            "case_flags": [asdict(f) for f in plan.case_flags],
            "alternatives": list(plan.alternatives),
            "instructions": list(plan.instructions),
            "risks": list(plan.risks),
            "unknowns": _unknowns(plan),
        }
    )
    data = _linked(data, codes or {})
    if plan.approvals_ledger is not None:
        data["approvals_ledger"] = plan.approvals_ledger.to_dict()
    if exported_on is not None:
        data["exported_on"] = exported_on.isoformat()
    if copy_reference is not None:
        data["copy_reference"] = copy_reference
    return data


def _unknowns(plan: Plan) -> list[dict[str, Any]]:
    """Typed unknowns; a plan built without them has each sentence typed as field ``other``."""
    if not plan.typed_unknowns:
        return [{"field": "other", "kind": "other", "meaning": u, "text": u} for u in plan.unknowns]
    typed = []
    for unknown in plan.typed_unknowns:
        item = asdict(unknown)
        if unknown.nerve is None:
            del item["nerve"]
        typed.append(item)
    return typed


def _linked(value: Any, codes: Mapping[str, Sequence[str]]) -> Any:
    """``value`` with ``iri`` (and ``exact_match`` where known) beside every entity's ``id``:
    an entity is a dict with a text ``id`` and a text ``label``; years become integers."""
    if isinstance(value, list):
        return [_linked(v, codes) for v in value]
    if not isinstance(value, dict):
        return value
    linked = {k: _linked(v, codes) for k, v in value.items()}
    if isinstance(value.get("id"), str) and isinstance(value.get("label"), str):
        linked = {"id": value["id"], "iri": NAMESPACE + value["id"]} | linked
        if value["id"] in codes:
            linked["exact_match"] = list(codes[value["id"]])
    if isinstance(value.get("year"), str) and value["year"].isascii() and value["year"].isdigit():
        linked["year"] = int(value["year"])
    return linked


def _option(option: Option) -> dict[str, Any]:
    return {
        "rank": option.rank,
        "donor_nerve": asdict(option.donor_nerve),
        "donor_parent": asdict(option.donor_parent) if option.donor_parent else None,
        "target_muscle": asdict(option.target_muscle),
        "donor_status": option.donor_status.value,
        "strength_loss_risk": option.strength_loss_risk.value,
        "sort_keys": option.sort_keys,
        "evidence": list(option.evidence),
        "flags": [asdict(f) for f in option.flags],
        "facts": option.facts,
        "tied_with": list(option.tied_with),
        "unranked_by": list(option.unranked_by),
    }


_MATCHED_BY = {
    "label": "the name",
    "synonym": "the synonym",
    "abbreviation": "the abbreviation",
    "normalised": "with its words normalised, the name",
    "partial": "as part of the name",
}


def match_line(nerve: NervePlan) -> str | None:
    """What a typed name was taken to be, when it is not the nerve's label (None when it is):
    every rendering shows it, so that a wrong resolution is seen, not silently planned.

    Example:
        >>> from tmrplan.model import Ref
        >>> nerve = NervePlan(Ref("X", "anterior interosseous nerve"), Ref("R", "forearm"), (),
        ...                   None, "AIN", "AIN", "abbreviation")
        >>> match_line(nerve)
        "typed 'AIN' — matched the abbreviation 'AIN'"
    """
    typed = nerve.typed.strip()
    if not typed or typed.casefold() == nerve.nerve.label.casefold():
        return None
    how = _MATCHED_BY.get(nerve.matched_by, f"by {nerve.matched_by}")
    if nerve.matched_by == "abbreviation" and nerve.matched_name.casefold() != typed.casefold():
        how = "as the initials of"  # an initialism made from the name, not one in the data
    return f"typed {typed!r} — matched {how} {nerve.matched_name!r}"


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_text(plan: Plan, options_per_nerve: int | None = None) -> str:
    """A terminal rendering: each nerve's options with status, risk, evidence and flags.

    Args:
        plan: the plan to render.
        options_per_nerve: show at most this many options per nerve (all when None).

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> to_text(plan, 1).splitlines()[0]
        'TMR options — sural nerve — transtibial'
    """
    return text.to_text(terminal_document(plan, options_per_nerve)).rstrip() + "\n"


def terminal_document(plan: Plan, options_per_nerve: int | None = None) -> Document:
    """The compact terminal view of a plan: one line per option, blank lines between nerves.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> terminal_document(plan, 1).blocks[1].spans[0].text.startswith("knowledge base ")
        True
    """
    case = plan.case
    where = case.level if case.level != "none" else f"intact limb, {case.region}"
    if plan.amputation:
        where += f" ({plan.amputation})"
    blocks: list[Block] = [
        _line(
            f"TMR options — {', '.join(case.nerves)} — {where}"
            + (f", {case.side}" if case.side else "")
        ),
        _line(f"knowledge base {plan.kb_version} · rules {plan.rules_version}"),
        *notice_blocks(plan),
        _line(""),
    ]
    for nerve in plan.nerves:
        assigned = (
            f"assignment: option {nerve.assigned_rank}" if nerve.assigned_rank else "no assignment"
        )
        blocks.append(
            _line(
                f"{nerve.nerve.label} (neuroma in the {nerve.region.label}) — "
                f"{len(nerve.options)} options; {assigned}"
            )
        )
        matched = match_line(nerve)
        if matched:
            blocks.append(_line(f"  {matched}"))
        shown = nerve.options[:options_per_nerve] if options_per_nerve else nerve.options
        for option in shown:
            mark = "*" if option.rank == nerve.assigned_rank else " "
            evidence = f"; published: {len(option.evidence)}" if option.evidence else ""
            blocks.append(
                _line(
                    f" {mark}{rank_label(option):>2}. {pair_label(option)}  [donor "
                    f"{option.donor_status.value}; strength-loss risk "
                    f"{option.strength_loss_risk.value}{evidence}]"
                )
            )
            blocks += [
                _line(f"       {flag_line(flag)}")
                for flag in option.flags
                if flag.severity.value != "info"
            ]
        if options_per_nerve and len(nerve.options) > options_per_nerve:
            hidden = len(nerve.options) - options_per_nerve
            blocks.append(_line(f"     … {hidden} more (use --all or --format json)"))
        blocks += [_line(f"  {other_coaptation_line(e)}") for e in nerve.other_coaptations]
        blocks.append(_line(""))
    if plan.case_flags:
        blocks.append(_line("Case:"))
        blocks.append(_bullets([spans(flag_line(f)) for f in plan.case_flags], marker=""))
    if plan.alternatives:
        blocks.append(_line("Alternatives: " + "; ".join(a["label"] for a in plan.alternatives)))
    if plan.unknowns:
        blocks.append(_line("Unknowns:"))
        blocks.append(_bullets([spans(u) for u in plan.unknowns]))
    blocks.append(_line(ranking_line(plan)))
    return Document(plan_title(plan), tuple(blocks))


def rank_label(option: Option) -> str:
    """``3`` for an option ranked alone, ``3 (=4,5)`` for one tied with options 4 and 5."""
    tied = ",".join(map(str, option.tied_with))
    return f"{option.rank} (={tied})" if tied else str(option.rank)


def ranking_line(plan: Plan) -> str:
    """Which ranking card ordered the options, and how ties and unknowns read."""
    if plan.ranking is None:
        return "Ranking: not recorded."
    return (
        f"Options {plan.ranking.in_words()}; unknown values rank after known ones; '(=n)' marks "
        "options tied after every key (listed by id, not ordered by them)."
    )


def other_coaptation_line(evidence: dict[str, Any]) -> str:
    """A published coaptation that is no option (end-to-side to a nerve), in one line."""
    recipient = evidence.get("recipient_nerve")
    to = f" to the {recipient['label']}" if recipient else ""
    sources = "; ".join(s["label"] for s in evidence["sources"])
    return (
        f"also published here, not a donor-branch option: {evidence['coaptation']}{to} ({sources})"
    )


def plan_title(plan: Plan) -> str:
    """E.g. ``TMR planning options: median nerve (intact limb: forearm)``."""
    return f"TMR planning options: {', '.join(plan.case.nerves)} ({plan.where or plan.case.level})"


def pair_label(option: Option) -> str:
    """``donor branch → target muscle``."""
    return f"{option.donor_nerve.label} → {option.target_muscle.label}"


def _line(words: str) -> Paragraph:
    return Paragraph((Span(words),))


def _bullets(lines: list[tuple[Span, ...]], marker: str = "-") -> Bullets:
    return Bullets(tuple(Item(line) for line in lines), marker=marker)
