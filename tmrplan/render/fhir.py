"""A plan as a FHIR R4 Bundle, for hospital systems: the options as a RequestGroup, how they were
made as a Provenance, the rule set as a Library, and tmrplan's own codes as a CodeSystem.

Why a RequestGroup and not a CarePlan: a plan here is a set of alternatives to choose from
(per nerve, at most one option), which is what RequestGroup's nested actions and
``selectionBehavior`` express; a CarePlan records what the care team has decided to do, which
tmrplan never decides. Built from the plan's JSON (:func:`tmrplan.render.plan.to_json_dict`) as
plain data; the tests validate it with ``fhir.resources`` (its R4B models: R4B changed no element
used here). Codes are tmrplan's own: no SNOMED CT code was verified against a published source
for these concepts, so none is claimed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from tmrplan.model import DonorStatus, Risk

# tmrplan's code system (shipped inside every Bundle as a CodeSystem resource). Like the
# ontology's namespace it names, it does not resolve: w3id.org/tmrplan is not registered yet.
CODE_SYSTEM = "https://w3id.org/tmrplan/fhir/CodeSystem/tmrplan"
ENTITY_SYSTEM = "https://w3id.org/tmrplan"  # codes are the ontology's local names
LIBRARY_URL = "https://w3id.org/tmrplan/fhir/Library/rules"
CONCEPTS = {
    "preview": "PREVIEW: made with rule cards clinical governance has not approved",
    "assigned": "the option the conflict-free assignment chose (no donor used twice)",
    **{f"donor-status-{s.value}": f"donor {s.value}" for s in DonorStatus},
    **{f"strength-loss-{r.value}": f"strength-loss risk {r.value}" for r in Risk},
}


def to_fhir_bundle(plan: dict[str, Any], made: dt.datetime) -> dict[str, Any]:
    """The Bundle (type ``collection``) of one plan's JSON, made at ``made`` (timezone-aware).

    Resource ids are derived from the plan's content, so the same plan gives the same ids.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import parse_case
        >>> from tmrplan.render.plan import to_json_dict
        >>> plan = load_planner().plan(parse_case({"nerves": ["median nerve"], "level": "transhumeral"}))
        >>> bundle = to_fhir_bundle(to_json_dict(plan), dt.datetime(2026, 12, 3, tzinfo=dt.UTC))
        >>> [e["resource"]["resourceType"] for e in bundle["entry"]]
        ['RequestGroup', 'Provenance', 'Library', 'CodeSystem']
    """
    seed = uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(plan, sort_keys=True, ensure_ascii=False))
    ids = {kind: str(uuid.uuid5(seed, kind)) for kind in ("group", "provenance", "library")}
    when = made.isoformat(timespec="seconds")
    resources = [
        _request_group(plan, ids["group"]),
        _provenance(plan, ids, when),
        _library(plan, ids["library"]),
        _code_system(),
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(seed, "bundle")),
        "type": "collection",
        "timestamp": when,
        "entry": [{"fullUrl": _url(r), "resource": r} for r in resources],
    }


def _url(resource: dict[str, Any]) -> str:
    return resource.get("url") or f"urn:uuid:{resource['id']}"


def _code(code: str) -> dict[str, Any]:
    return {"coding": [{"system": CODE_SYSTEM, "code": code, "display": CONCEPTS[code]}]}


def _entity(ref: dict[str, Any]) -> dict[str, Any]:
    return {"coding": [{"system": ENTITY_SYSTEM, "code": ref["id"], "display": ref["label"]}]}


def _request_group(plan: dict[str, Any], group_id: str) -> dict[str, Any]:
    preview = bool(plan["preview"])
    group: dict[str, Any] = {
        "resourceType": "RequestGroup",
        "id": group_id,
        "status": "draft" if preview else "active",  # a PREVIEW plan is not for clinical use
        "intent": "proposal",
        # What the case did not say stays visible as unknowns, never silently defaulted.
        "note": [{"text": plan["notice"]}]
        + [{"text": f"Unknown: {u['text']}"} for u in plan["unknowns"]],
        "action": [_nerve_action(nerve, plan["where"]) for nerve in plan["nerves"]],
    }
    if preview:
        group["meta"] = {"tag": [_code("preview")["coding"][0]]}
        cards = ", ".join(plan["preview_cards"])
        group["note"].insert(0, {"text": f"PREVIEW: not approved by clinical governance: {cards}"})
    return group


def _nerve_action(nerve: dict[str, Any], where: str) -> dict[str, Any]:
    assigned = nerve["assigned_rank"]
    chosen = f"assignment: option {assigned}" if assigned else "no assignment"
    action: dict[str, Any] = {
        "title": nerve["nerve"]["label"],
        "description": f"Neuroma of the {nerve['nerve']['label']} ({where}); {chosen}.",
        "code": [_entity(nerve["nerve"])],
        "groupingBehavior": "logical-group",
        "selectionBehavior": "at-most-one",
    }
    if nerve["options"]:
        action["action"] = [_option_action(o, o["rank"] == assigned) for o in nerve["options"]]
    return action


def _option_action(option: dict[str, Any], assigned: bool) -> dict[str, Any]:
    donor, target = option["donor_nerve"], option["target_muscle"]
    parent = option.get("donor_parent")
    status, risk = option["donor_status"], option["strength_loss_risk"]
    action: dict[str, Any] = {
        "prefix": str(option["rank"]),
        "title": f"{donor['label']}"
        + (f" (from the {parent['label']})" if parent else "")
        + f" → {target['label']}",
        "description": f"donor {status}; strength-loss risk {risk}",
        "code": [
            _entity(donor),
            _entity(target),
            _code(f"donor-status-{status}"),
            _code(f"strength-loss-{risk}"),
            *([_code("assigned")] if assigned else []),
        ],
    }
    flags = [
        f"{f['severity']}: {f['message']} ({f['rule_id']} v{f['rule_version']})"
        for f in option["flags"]
    ]
    if flags:
        action["textEquivalent"] = " · ".join(flags)
    artifacts = [_artifact(s, e["label"]) for e in option["evidence"] for s in e["sources"]]
    if artifacts:
        action["documentation"] = artifacts
    return action


def _artifact(source: dict[str, Any], pattern: str) -> dict[str, Any]:
    artifact: dict[str, Any] = {"type": "citation", "display": source["label"]}
    artifact["citation"] = f"{source.get('title') or source['label']} (for: {pattern})"
    if source.get("doi"):
        artifact["url"] = f"https://doi.org/{source['doi']}"
    elif source.get("pmid"):
        artifact["url"] = f"https://pubmed.ncbi.nlm.nih.gov/{source['pmid']}/"
    elif source.get("url"):
        artifact["url"] = source["url"]
    return artifact


def _cards_that_fired(plan: dict[str, Any]) -> list[str]:
    flags = [f for n in plan["nerves"] for o in n["options"] for f in o["flags"]]
    flags += plan["case_flags"]
    return sorted({f"{f['rule_id']} v{f['rule_version']}" for f in flags})


def _provenance(plan: dict[str, Any], ids: dict[str, str], when: str) -> dict[str, Any]:
    library = f"urn:uuid:{ids['library']}"
    return {
        "resourceType": "Provenance",
        "id": ids["provenance"],
        "target": [{"reference": f"urn:uuid:{ids['group']}"}],
        "recorded": when,
        "activity": {"text": "TMR planning options listed by tmrplan (options, not a decision)"},
        "agent": [{"type": {"text": "software"}, "who": {"display": "tmrplan"}}],
        "entity": [
            {"role": "source", "what": {"display": f"knowledge base {plan['kb_version']}"}},
            {
                "role": "source",
                "what": {"reference": library, "display": f"rules {plan['rules_version']}"},
            },
            *(
                {"role": "source", "what": {"display": f"rule card {card} (fired)"}}
                for card in _cards_that_fired(plan)
            ),
            *(
                [{"role": "source", "what": {"display": _ledger(plan["approvals_ledger"])}}]
                if plan.get("approvals_ledger")
                else []
            ),
        ],
    }


def _ledger(head: dict[str, Any]) -> str:
    return f"approvals ledger: {head['count']} entries, head {head['head']}"


def _library(plan: dict[str, Any], library_id: str) -> dict[str, Any]:
    unapproved = plan["preview_cards"]
    return {
        "resourceType": "Library",
        "id": library_id,
        "version": plan["rules_version"],
        "name": "TmrplanRules",
        "title": "tmrplan rule cards",
        "status": "draft" if unapproved else "active",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/library-type",
                    "code": "logic-library",
                }
            ]
        },
        "description": "The reviewed rule cards behind the plan"
        + (f"; not approved by clinical governance: {', '.join(unapproved)}" if unapproved else ""),
        "relatedArtifact": [
            {"type": "composed-of", "display": card} for card in _cards_that_fired(plan)
        ],
    }


def _code_system() -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": "tmrplan",
        "url": CODE_SYSTEM,
        "name": "Tmrplan",
        "title": "tmrplan codes (donor status, strength-loss risk, PREVIEW, assignment)",
        "status": "draft",
        "content": "complete",
        "description": "tmrplan's own codes; the address does not resolve (w3id.org/tmrplan is not "
        "registered). No SNOMED CT equivalents have been verified.",
        "concept": [{"code": code, "display": display} for code, display in CONCEPTS.items()],
    }
