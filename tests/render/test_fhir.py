"""A plan as a FHIR R4 Bundle (issue 19): valid FHIR (fhir.resources' R4B models), each nerve an
action choosing at most one of its options, each option's evidence as related artifacts, the
versions and the cards that fired as Provenance, the rule set as a Library, PREVIEW visible in
the resources, and no code from a terminology tmrplan has not verified."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from tmrplan import paths
from tmrplan.cli import main
from tmrplan.model import parse_case
from tmrplan.planning.planner import Planner
from tmrplan.render.fhir import CODE_SYSTEM, to_fhir_bundle
from tmrplan.render.plan import exact_matches, to_json_dict

MADE = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
CASES = sorted((paths.rules_dir() / "reference_cases").glob("*.json"))


def bundle_of(planner: Planner, case: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = to_json_dict(planner.plan(parse_case(case)), codes=exact_matches(planner.kb))
    return plan, to_fhir_bundle(plan, MADE)


LIBRARY_TYPES = "http://terminology.hl7.org/CodeSystem/library-type"


def _codings(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = list(value.get("coding", [])) + (
            [value["tag"][0]] if isinstance(value.get("tag"), list) else []
        )
        return found + [c for k, v in value.items() if k != "coding" for c in _codings(v)]
    if isinstance(value, list):
        return [c for v in value for c in _codings(v)]
    return []


def resource(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    [found] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
    return found


def test_every_reference_case_is_a_valid_fhir_bundle(planner: Planner) -> None:
    for path in CASES:
        case = json.loads(path.read_text(encoding="utf-8"))["case"]
        _, bundle = bundle_of(planner, case)
        Bundle.model_validate(bundle)  # raises on any element FHIR does not define


def test_the_validator_can_fail(planner: Planner) -> None:
    """fhir.resources refuses an element FHIR does not define and a missing required one (it
    does not check code values: those the other tests check)."""
    _, bundle = bundle_of(planner, {"nerves": ["median nerve"], "level": "transhumeral"})
    resource(bundle, "RequestGroup")["score"] = 0.9  # not a FHIR element, and never in a plan
    with pytest.raises(ValidationError):
        Bundle.model_validate(bundle)
    del resource(bundle, "RequestGroup")["score"]
    del resource(bundle, "RequestGroup")["intent"]
    with pytest.raises(ValidationError):
        Bundle.model_validate(bundle)


def test_each_nerve_chooses_at_most_one_of_its_options_with_their_evidence(
    planner: Planner,
) -> None:
    case = {"nerves": ["median nerve", "ulnar nerve", "radial nerve"], "level": "transhumeral"}
    plan, bundle = bundle_of(planner, case)
    group = resource(bundle, "RequestGroup")
    assert group["intent"] == "proposal"
    for nerve, action in zip(plan["nerves"], group["action"], strict=True):
        assert action["title"] == nerve["nerve"]["label"]
        assert action["selectionBehavior"] == "at-most-one"
        options = action["action"]
        assert [o["prefix"] for o in options] == [str(o["rank"]) for o in nerve["options"]]
        codes = [[c["code"] for cc in o["code"] for c in cc["coding"]] for o in options]
        assert [i + 1 for i, c in enumerate(codes) if "assigned" in c] == [nerve["assigned_rank"]]
        for option, fhir in zip(nerve["options"], options, strict=True):
            assert f"donor-status-{option['donor_status']}" in [
                c["code"] for cc in fhir["code"] for c in cc["coding"]
            ]
            sources = [s for e in option["evidence"] for s in e["sources"]]
            assert len(fhir.get("documentation", [])) == len(sources)
            for source, artifact in zip(sources, fhir.get("documentation", []), strict=True):
                assert artifact["type"] == "citation" and artifact["display"] == source["label"]
                if source.get("doi"):
                    assert artifact["url"] == f"https://doi.org/{source['doi']}"
                elif source.get("pmid"):
                    assert artifact["url"] == f"https://pubmed.ncbi.nlm.nih.gov/{source['pmid']}/"
                else:
                    assert artifact.get("url") == source.get("url")


def test_provenance_and_library_name_the_versions_and_the_cards_that_fired(
    planner: Planner,
) -> None:
    plan, bundle = bundle_of(planner, {"nerves": ["median nerve"], "level": "transhumeral"})
    provenance, library = resource(bundle, "Provenance"), resource(bundle, "Library")
    shown = [e["what"]["display"] for e in provenance["entity"]]
    assert f"knowledge base {plan['kb_version']}" in shown
    assert f"rules {plan['rules_version']}" in shown
    fired = {
        f"{f['rule_id']} v{f['rule_version']}"
        for o in plan["nerves"][0]["options"]
        for f in o["flags"]
    }
    assert {f"rule card {c} (fired)" for c in fired} <= set(shown)
    assert {a["display"] for a in library["relatedArtifact"]} >= fired
    assert library["version"] == plan["rules_version"]
    group_url = next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"] is resource(bundle, "RequestGroup")
    )
    assert provenance["target"] == [{"reference": group_url}]


def test_preview_is_visible_in_the_resources(planner: Planner) -> None:
    plan, bundle = bundle_of(planner, {"nerves": ["median nerve"], "level": "transhumeral"})
    assert plan["preview"]  # the shipped cards are not approved
    group, library = resource(bundle, "RequestGroup"), resource(bundle, "Library")
    assert group["status"] == "draft" and library["status"] == "draft"
    assert group["meta"]["tag"][0]["code"] == "preview"
    assert group["note"][0]["text"].startswith("PREVIEW")
    # Unknowns stay visible; the approvals ledger's head is part of the provenance.
    notes = [n["text"] for n in group["note"]]
    assert [f"Unknown: {u['text']}" for u in plan["unknowns"]] == [
        n for n in notes if n.startswith("Unknown: ")
    ]
    assert "Unknown: side (left or right) not stated" in notes
    head = plan["approvals_ledger"]
    shown = [e["what"]["display"] for e in resource(bundle, "Provenance")["entity"]]
    assert f"approvals ledger: {head['count']} entries, head {head['head']}" in shown


def test_codes_are_tmrplans_own_and_ids_are_stable(planner: Planner) -> None:
    _, bundle = bundle_of(planner, {"nerves": ["sural nerve"], "level": "none", "region": "leg"})
    systems = {c["system"] for c in _codings(bundle)}
    assert systems <= {CODE_SYSTEM, "https://w3id.org/tmrplan", LIBRARY_TYPES}, systems
    # (no SNOMED CT code was verified against a published source, so none is claimed)
    system = resource(bundle, "CodeSystem")
    assert system["url"] == CODE_SYSTEM
    defined = {c["code"] for c in system["concept"]}
    group = resource(bundle, "RequestGroup")
    used = {
        c["code"]
        for a in group["action"]
        for o in a.get("action", [])
        for cc in o["code"]
        for c in cc["coding"]
        if c["system"] == CODE_SYSTEM
    }
    assert used <= defined
    _, again = bundle_of(planner, {"nerves": ["sural nerve"], "level": "none", "region": "leg"})
    assert again == bundle


def test_the_command_line_writes_a_bundle_and_refuses_a_batch(tmp_path: Any) -> None:
    args = ["plan", "--nerve", "median nerve", "--level", "above elbow", "--format", "fhir"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    Bundle.model_validate(json.loads(result.output))
    batch = tmp_path / "cases.jsonl"
    batch.write_text('{"nerves": ["median nerve"], "level": "transhumeral"}\n', encoding="utf-8")
    refused = CliRunner().invoke(main, ["plan", "--cases", str(batch), "--format", "fhir"])
    assert refused.exit_code == 2 and "--format fhir" in refused.output
