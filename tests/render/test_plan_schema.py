"""Plans other systems can consume (issue 19): every JSON plan validates against the published
JSON Schema (schemas/plan.schema.json, 2020-12) and names its version; ids carry their IRIs,
verified UBERON codes come only from the knowledge base, and unknowns are typed.

The schema is checked against the outputs as written (the CLI's JSON, each batch line, the app's
JSON export with its date and copy reference, every reference case), and shown to refuse what it
must refuse, so that a schema too loose to fail is caught too."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from tmrplan import paths
from tmrplan.cli import main
from tmrplan.knowledge.vocab import SKOS, TMR
from tmrplan.model import parse_case
from tmrplan.planning.planner import Planner
from tmrplan.render.plan import NAMESPACE, SCHEMA_VERSION, exact_matches, to_json_dict

SCHEMA = json.loads(paths.schema_file("plan").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
CASES = sorted((paths.rules_dir() / "reference_cases").glob("*.json"))


def problems(data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in VALIDATOR.iter_errors(data)]


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def codes(planner: Planner) -> dict[str, tuple[str, ...]]:
    return exact_matches(planner.kb)


def test_the_schema_is_a_valid_2020_12_schema_and_the_command_prints_it() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert json.loads(cli("schema", "plan")) == SCHEMA


def test_every_reference_case_validates(planner: Planner, codes: dict[str, Any]) -> None:
    for path in CASES:
        plan = planner.plan(parse_case(json.loads(path.read_text(encoding="utf-8"))["case"]))
        data = to_json_dict(plan, codes=codes)
        assert data["schema_version"] == SCHEMA_VERSION
        assert not problems(data), (path.name, problems(data)[:3])


def test_the_cli_json_and_every_batch_line_validate(tmp_path: Path) -> None:
    one = json.loads(cli("plan", "--nerve", "sciatic nerve", "--level", "AKA", "--format", "json"))
    assert not problems(one)
    batch = tmp_path / "cases.jsonl"
    lines = [
        {"id": "a-1", "level": "transhumeral", "nerves": ["median nerve", "ulnar nerve"]},
        {"id": 7, "level": "none", "region": "leg", "nerves": ["sural nerve"], "side": "left"},
        {"level": "partial_hand", "digits": ["index"], "nerves": ["median nerve"]},
    ]
    batch.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = [
        json.loads(x)
        for x in cli("plan", "--cases", str(batch), "--format", "jsonl").split("\n")
        if x
    ]
    assert [(p["line"], p.get("id")) for p in out] == [(1, "a-1"), (2, 7), (3, None)]
    for plan in out:
        assert not problems(plan), problems(plan)[:3]


def test_the_apps_export_validates_with_its_date_and_copy_reference(
    planner: Planner, codes: dict[str, Any]
) -> None:
    plan = planner.plan(parse_case({"nerves": ["median nerve"], "level": "transradial"}))
    data = to_json_dict(plan, date(2026, 12, 3), codes=codes, copy_reference="Q1w2E3r4T5y6")
    assert (data["exported_on"], data["copy_reference"]) == ("2026-12-03", "Q1w2E3r4T5y6")
    assert not problems(data)


def test_the_schema_refuses_what_it_must(planner: Planner, codes: dict[str, Any]) -> None:
    """Each mutation breaks one promise of the contract; the schema must say so."""
    plan = planner.plan(parse_case({"nerves": ["median nerve"], "level": "transhumeral"}))
    good = to_json_dict(plan, codes=codes)
    assert not problems(good)

    def broken(change: Any) -> list[str]:
        data = copy.deepcopy(good)
        change(data)
        return problems(data)

    assert broken(lambda d: d.pop("schema_version"))
    assert broken(lambda d: d.update(schema_version="1.0"))
    assert broken(lambda d: d.update(unknowns=["side not stated"]))  # sentences are not typed
    assert broken(lambda d: d["nerves"][0]["options"][0].update(score=0.9))  # never a score
    assert broken(lambda d: d["nerves"][0]["options"][0].update(donor_status="great"))
    assert broken(lambda d: d["nerves"][0]["nerve"].pop("iri"))
    assert broken(lambda d: d.update(preview="yes"))


def test_ids_carry_iris_and_codes_only_from_the_knowledge_base(
    planner: Planner, codes: dict[str, Any]
) -> None:
    plan = planner.plan(parse_case({"nerves": ["median nerve"], "level": "transhumeral"}))
    data = to_json_dict(plan, codes=codes)
    seen: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("id"), str) and isinstance(value.get("label"), str):
                seen.append(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    assert len(seen) > 20
    kb = planner.kb
    for entity in seen:
        assert entity["iri"] == NAMESPACE + entity["id"]
        stated = sorted(str(o) for o in kb.objects(TMR[entity["id"]], SKOS.exactMatch))
        assert entity.get("exact_match", []) == stated, entity["id"]
    assert any(e.get("exact_match") for e in seen)  # the UBERON codes do reach the plan


def test_unknowns_are_typed_with_the_field_and_the_sentence(planner: Planner) -> None:
    plan = planner.plan(parse_case({"nerves": ["median nerve"], "level": "transradial"}))
    data = to_json_dict(plan)
    by_field = {u["field"]: u for u in data["unknowns"]}
    assert by_field["side"]["kind"] == "not_stated"
    assert by_field["residual"]["kind"] == "not_stated"
    assert [u["text"] for u in data["unknowns"]] == list(plan.unknowns)  # the same, in order


@pytest.mark.parametrize(
    ("case", "fields"),
    [
        ({"nerves": ["median nerve"], "level": "partial_hand"}, {"digits", "through"}),
        ({"nerves": ["medial plantar nerve"], "level": "partial_foot"}, {"toes", "through"}),
        ({"nerves": ["median nerve"], "level": "transradial"}, {"residual"}),
    ],
)
def test_an_amputation_unknown_names_its_case_field(
    planner: Planner, case: dict[str, Any], fields: set[str]
) -> None:
    typed = {u.field for u in planner.plan(parse_case(case)).typed_unknowns}
    assert fields <= typed and "amputation" not in typed, typed
