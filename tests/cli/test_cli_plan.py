"""plan, rules and export through the CLI, in-process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import URIRef

from tmrplan.cli import main
from tmrplan.knowledge.vocab import RDF, TMR


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_plan_json_has_the_contract_fields() -> None:
    code, out, err = run(
        "plan",
        "--nerve",
        "median nerve",
        "--level",
        "transhumeral",
        "--side",
        "left",
        "--format",
        "json",
    )
    assert code == 0, err
    plan = json.loads(out)
    assert {
        "case",
        "kb_version",
        "rules_version",
        "nerves",
        "alternatives",
        "instructions",
        "unknowns",
    } <= set(plan)
    nerve = plan["nerves"][0]
    assert nerve["nerve"] == {
        "id": "MedianNerve",
        "iri": "https://w3id.org/tmrplan#MedianNerve",
        "label": "median nerve",
        "exact_match": [
            "http://purl.obolibrary.org/obo/UBERON_0001148"
        ],  # skos:exactMatch in the KB
    }
    assert nerve["assigned_rank"] == 1
    option = nerve["options"][0]
    assert {
        "rank",
        "donor_nerve",
        "target_muscle",
        "donor_status",
        "strength_loss_risk",
        "evidence",
        "flags",
    } <= set(option)
    flag = option["flags"][0]
    assert {"rule_id", "rule_version", "severity", "message", "facts", "sources"} <= set(flag)
    assert not any(
        isinstance(v, float) for v in (option["donor_status"], option["strength_loss_risk"])
    )


def test_plan_text_and_markdown() -> None:
    code, out, _ = run("plan", "--nerve", "sural nerve", "--level", "transtibial")
    assert code == 0 and "sural nerve (neuroma in the proximal leg)" in out and "Unknowns:" in out
    code, out, _ = run("plan", "--nerve", "sural nerve", "--level", "transtibial", "--format", "md")
    assert code == 0 and out.startswith("# TMR planning options") and "| # | donor branch" in out


def test_plan_context_is_read() -> None:
    code, out, _ = run(
        "plan",
        "--nerve",
        "sural nerve",
        "--level",
        "transtibial",
        "--context",
        "anticoagulants=yes",
        "--format",
        "json",
    )
    assert code == 0
    assert [f["rule_id"] for f in json.loads(out)["case_flags"]] == ["TMR-ANTICOAGULANTS"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--nerve", "sural nerv", "--level", "transtibial"],
            "unknown nerve 'sural nerv'; did you mean 'sural nerve'",
        ),
        (
            ["--nerve", "sural nerve", "--level", "transhumeral"],
            "'sural nerve' does not reach the arm",
        ),
        (
            ["--nerve", "sural nerve", "--level", "transtibial", "--context", "anticoagulant=yes"],
            "unknown context field 'anticoagulant'; did you mean 'anticoagulants'",
        ),
        (["--nerve", "sural nerve"], "plan needs --nerve and --level"),
    ],
)
def test_plan_bad_input_exits_2_naming_the_value(args: list[str], message: str) -> None:
    code, _, err = run("plan", *args)
    assert code == 2
    assert message in err


def test_batch_reports_bad_lines_and_runs_the_rest(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps(
            {
                "side": "left",
                "level": "transhumeral",
                "region": None,
                "nerves": ["median nerve", "ulnar nerve"],
                "context": {"myoelectric_prosthesis": True},
            }
        )
        + "\n"
        + "{not json\n"
        + json.dumps({"level": "transtibial", "nerves": ["surall nerve"]})
        + "\n"
        + json.dumps({"level": "none", "region": "leg", "nerves": ["sural nerve"]})
        + "\n",
        encoding="utf-8",
    )
    code, out, err = run("plan", "--cases", str(cases), "--format", "jsonl")
    assert code == 2
    plans = [json.loads(line) for line in out.splitlines()]
    assert [p["case"]["level"] for p in plans] == ["transhumeral", "none"]
    assert f"{cases}:2: not JSON" in err
    assert f"{cases}:3: unknown nerve 'surall nerve'" in err


def test_rules_list_and_test() -> None:
    code, out, _ = run("rules", "list")
    assert code == 0 and "TMR-DONOR-REDUNDANT v1.0.0 [draft; info; review 2027-05-31]" in out
    code, out, _ = run("rules", "test")
    assert code == 0
    assert out.strip().endswith(" passed, 0 failed")
    assert "PASS TMR-ANTICOAGULANTS v1.0.0 (3/3)" in out


def iri_triples(path: Path, fmt: str) -> set[tuple[URIRef, URIRef, URIRef]]:
    """The triples of an exported file whose three terms are IRIs.

    Read with pyoxigraph (the knowledge base's own Turtle parser, JSON-LD too): a derived export
    is tens of thousands of triples, which rdflib takes seconds to read and pyoxigraph a tenth.
    """
    formats = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}
    found = set()
    for quad in ox.parse(path=path, format=formats[fmt]):
        terms = (quad.subject, quad.predicate, quad.object)
        if all(isinstance(term, ox.NamedNode) for term in terms):
            found.add((URIRef(terms[0].value), URIRef(terms[1].value), URIRef(terms[2].value)))
    return found


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_export_derived_writes_sites_atomically(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"kb.{fmt}"
    code, _, err = run("export", "--format", fmt, "--derived", "--output", str(target))
    assert code == 0, err
    graph = iri_triples(target, fmt)
    site = TMR["site_MedianNerve_transhumeral"]
    assert (site, RDF.type, TMR.NeuromaSite) in graph
    assert (site, TMR.candidateDonor, TMR.BranchToBicepsBrachiiShortHead) in graph
    assert (TMR.MedianNerve, RDF.type, TMR.MixedNerve) in graph
    assert not list(tmp_path.glob("*.tmp"))


def test_plan_json_names_the_ranking_card_and_carries_spatial_facts_and_ties() -> None:
    code, out, err = run(
        "plan",
        "--nerve",
        "sural nerve",
        "--level",
        "none",
        "--region",
        "leg",
        "--position",
        "distal",
        "--format",
        "json",
    )
    assert code == 0, err
    plan = json.loads(out)
    assert plan["ranking"]["id"] == "TMR-RANKING" and plan["ranking"]["keys"]
    assert plan["case"]["position"] == "distal"
    options = plan["nerves"][0]["options"]
    for name in ("same_compartment", "septa_crossed", "distance_to_entry", "target_distal_by"):
        assert all(name in o["facts"] for o in options), name
    assert all({"tied_with", "unranked_by"} <= set(o) for o in options)
    assert any(o["tied_with"] for o in options)  # ties are shown, not broken by name


def test_plan_text_marks_ties_and_names_the_ranking_card() -> None:
    code, out, err = run("plan", "--nerve", "radial nerve", "--level", "shoulder_disarticulation")
    assert code == 0, err
    assert " *1 (=2,3" in out  # option 1, tied with 2, 3 …, and assigned
    assert re.search(r"Options ranked by TMR-RANKING v\d+\.\d+\.\d+: published in patients", out)


def test_plan_refuses_a_position_with_an_amputation() -> None:
    code, _out, err = run(
        "plan", "--nerve", "sural nerve", "--level", "transtibial", "--position", "distal"
    )
    assert code == 2 and "position 'distal' is only for an intact limb" in err


# ------------------------------------------------------------------------------ issue 14
def test_plan_json_says_what_each_typed_nerve_matched() -> None:
    code, out, err = run(
        "plan", "--nerve", "AIN", "--nerve", "LACN", "--level", "transradial", "--format", "json"
    )
    assert code == 0, out + err
    nerves = json.loads(out)["nerves"]
    assert [(n["typed"], n["matched_name"], n["matched_by"]) for n in nerves] == [
        ("AIN", "AIN", "abbreviation"),
        ("LACN", "lateral antebrachial cutaneous nerve", "abbreviation"),
    ]
    assert nerves[0]["nerve"]["id"] == "AnteriorInterosseousNerve"


def test_plan_text_shows_the_match_only_when_typed_is_not_the_label() -> None:
    code, out, err = run(
        "plan", "--nerve", "AIN", "--nerve", "median nerve", "--level", "transradial"
    )
    assert code == 0, out + err
    assert "  typed 'AIN' — matched the abbreviation 'AIN'" in out
    assert "typed 'median nerve'" not in out


def test_batch_lines_say_what_each_typed_nerve_matched(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps({"level": "partial_foot", "nerves": ["MPN"]})
        + "\n"
        + json.dumps({"level": "transhumeral", "nerves": ["median nerve"]})
        + "\n",
        encoding="utf-8",
    )
    code, out, err = run("plan", "--cases", str(cases), "--format", "jsonl")
    assert code == 0, out + err
    first, second = (json.loads(line)["nerves"][0] for line in out.splitlines())
    assert (first["nerve"]["id"], first["typed"], first["matched_by"]) == (
        "MedialPlantarNerve",
        "MPN",
        "abbreviation",
    )
    assert (second["typed"], second["matched_name"], second["matched_by"]) == (
        "median nerve",
        "median nerve",
        "label",
    )


def test_plan_refuses_a_generic_name_at_a_hand_level_with_the_hands_choices() -> None:
    code, out, err = run(
        "plan", "--nerve", "digital nerve", "--level", "digit", "--digits", "index"
    )
    assert code == 2, out + err
    assert "'digital nerve' is ambiguous: which of these?" in err
    assert "index finger" in err.split("which of these?")[1].split(",")[0]
    assert "toe" not in err and "plantar" not in err
