"""Plain-data descriptions of entities: what ``tmrplan show`` prints and the UI renders."""

from __future__ import annotations

from typing import Any

from rdflib import URIRef

from tmrplan.knowledge.kb import KnowledgeBase, local_name
from tmrplan.knowledge.vocab import DCTERMS, RDFS, TMR

Ref = dict[str, str]


def to_ref(kb: KnowledgeBase, entity: URIRef) -> Ref:
    """``{id, label}`` of an entity: the way every description names another entity."""
    return {"id": local_name(entity), "label": kb.label(entity)}


def to_refs(kb: KnowledgeBase, entities: list[URIRef]) -> list[Ref]:
    """References to several entities, sorted by label."""
    return sorted((to_ref(kb, e) for e in entities), key=lambda r: r["label"])


def describe_source(kb: KnowledgeBase, source: URIRef) -> dict[str, Any]:
    """A bibliography entry with only the fields the source actually has."""
    fields = {
        "title": DCTERMS.title,
        "authors": DCTERMS.creator,
        "year": TMR.year,
        "journal": TMR.journal,
        "publisher": DCTERMS.publisher,
        "doi": TMR.doi,
        "pmid": TMR.pmid,
        "url": TMR.url,
    }
    entry: dict[str, Any] = to_ref(kb, source)
    for key, prop in fields.items():
        value = kb.value(source, prop)
        if value is not None:
            entry[key] = value
    kinds = kb.objects(source, TMR.sourceKind)
    entry["kind"] = kb.label(kinds[0]) if kinds else "unknown"
    evidence = kb.objects(source, TMR.evidenceType)
    if evidence:
        entry["evidence_type"] = kb.label(evidence[0])
    return entry


def describe_sources(kb: KnowledgeBase, entity: URIRef) -> list[dict[str, Any]]:
    """The sources of an entity, described."""
    return [describe_source(kb, s) for s in kb.sources_of(entity)]


def evidence_basis(kb: KnowledgeBase, entity: URIRef) -> str:
    """How an entity's facts are supported, in words, so that textbook-only facts are visible."""
    kinds = {k for s in kb.sources_of(entity) for k in kb.objects(s, TMR.sourceKind)}
    if not kinds:
        return "unsourced"
    if kinds <= {TMR.GeneralAnatomyText, TMR.Terminology}:
        return "general anatomy text"
    if kinds <= {TMR.ModellingConvention, TMR.GeneralAnatomyText}:
        return "modelling convention (expert opinion)"
    if TMR.JournalArticle in kinds:
        return "published literature"
    return ", ".join(sorted(kb.label(k) for k in kinds))


def nerve_path_labels(kb: KnowledgeBase, nerve: URIRef) -> list[str]:
    """Labels from a nerve up to its spinal root."""
    return [kb.label(n) for n in kb.nerve_path(nerve)]


def supplying_branches(kb: KnowledgeBase, muscle: URIRef) -> list[URIRef]:
    """Nerves that innervate a muscle or any of its heads/segments."""
    nerves: set[URIRef] = set()
    for part in muscle_parts(kb, muscle) | {muscle}:
        nerves.update(kb.subjects(TMR.innervates, part))
    return sorted(nerves, key=kb.label)


def muscle_parts(kb: KnowledgeBase, muscle: URIRef) -> set[URIRef]:
    """Heads and segments of a muscle, transitively."""
    return set(kb.closure(muscle, TMR.partOf, down=True, kind=TMR.Muscle))


def describe_actions(kb: KnowledgeBase, muscle: URIRef) -> list[dict[str, Any]]:
    """A muscle's actions with their role (prime mover or accessory) and joint."""
    actions = []
    for prop, role in ((TMR.primeMoverFor, "prime mover"), (TMR.accessoryFor, "accessory")):
        for action in kb.objects(muscle, prop):
            joints = kb.objects(action, TMR.atJoint)
            entry: dict[str, Any] = {**to_ref(kb, action), "role": role}
            entry["joint"] = to_ref(kb, joints[0]) if joints else None
            actions.append(entry)
    return sorted(actions, key=lambda a: (a["role"] != "prime mover", a["label"]))


def describe(kb: KnowledgeBase, entity: URIRef) -> dict[str, Any]:
    """Everything ``show`` reports about one entity, as JSON-ready data.

    Muscles report ``innervated_by`` (with each nerve's path up to its root), ``spinal_roots``,
    ``acts_on`` and ``actions``; nerves report their path, branches and targets; every entity
    reports its sources and the kind of evidence they are.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> kb = load_knowledge_base()
        >>> describe(kb, kb.get("FCU"))["label"]
        'flexor carpi ulnaris'
    """
    kind = kb.type_of(entity)
    data: dict[str, Any] = {
        **to_ref(kb, entity),
        "alt_labels": kb.alt_labels.get(entity, []),
        "type": local_name(kind) if kind else None,
    }
    comment = kb.value(entity, RDFS.comment)
    if comment:
        data["comment"] = comment
    if kind == TMR.Muscle:
        data.update(_describe_muscle(kb, entity))
    elif kb.is_a(entity, TMR.Nerve):
        data.update(_describe_nerve(kb, entity))
    else:
        data["relations"] = {
            local_name(p): to_refs(kb, kb.objects(entity, p))
            for p in _OTHER_RELATIONS
            if kb.objects(entity, p)
        }
    data["sources"] = describe_sources(kb, entity)
    data["evidence_basis"] = evidence_basis(kb, entity)
    return data


_OTHER_RELATIONS = (
    TMR.atJoint,
    TMR.articulates,
    TMR.partOf,
    TMR.adjacentTo,
    TMR.removesRegion,
    TMR.stumpRegion,
    TMR.limb,
    TMR.neuromaNerve,
    TMR.donorNerve,
    TMR.targetMuscle,
    TMR.context,
    TMR.evidenceType,
    TMR.riskOf,
    TMR.instructionFor,
    TMR.phase,
    TMR.alternativeTo,
    TMR.sourceKind,
)


def _describe_muscle(kb: KnowledgeBase, muscle: URIRef) -> dict[str, Any]:
    innervated_by = []
    for nerve in supplying_branches(kb, muscle):
        supplied = [
            m
            for m in kb.objects(nerve, TMR.innervates)
            if m == muscle or m in muscle_parts(kb, muscle)
        ]
        innervated_by.append(
            {
                **to_ref(kb, nerve),
                "type": local_name(kb.type_of(nerve) or TMR.Nerve),
                "path": nerve_path_labels(kb, nerve),
                "supplies": [kb.label(m) for m in supplied],
            }
        )
    return {
        "innervated_by": innervated_by,
        "spinal_roots": to_refs(kb, kb.objects(muscle, TMR.spinalRoot)),
        "acts_on": to_refs(kb, kb.objects(muscle, TMR.actsOn)),
        "actions": describe_actions(kb, muscle),
        "located_in": to_refs(kb, kb.objects(muscle, TMR.locatedIn)),
        "origin_in": to_refs(kb, kb.objects(muscle, TMR.originIn)),
        "insertion_in": to_refs(kb, kb.objects(muscle, TMR.insertionIn)),
        "part_of": to_refs(kb, kb.objects(muscle, TMR.partOf)),
        "parts": to_refs(kb, sorted(muscle_parts(kb, muscle))),
    }


def _describe_nerve(kb: KnowledgeBase, nerve: URIRef) -> dict[str, Any]:
    return {
        "path": nerve_path_labels(kb, nerve),
        "branch_of": to_refs(kb, kb.objects(nerve, TMR.branchOf)),
        "branches": to_refs(kb, kb.subjects(TMR.branchOf, nerve)),
        "innervates": to_refs(kb, kb.objects(nerve, TMR.innervates)),
        "spinal_roots": to_refs(kb, kb.objects(nerve, TMR.spinalRoot)),
        "courses_through": to_refs(kb, kb.objects(nerve, TMR.coursesThrough)),
        "enters_muscle_in": to_refs(kb, kb.objects(nerve, TMR.locatedIn)),
        "diameter_mm": kb.value(nerve, TMR.diameterMm),
    }
