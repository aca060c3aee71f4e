"""check, show and search through the CLI, in-process, asserting exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from tmrplan.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_check_clean_fixture_exits_0(make_ontology: Callable[..., Path]) -> None:
    code, out = run("--ontology", str(make_ontology()), "check")
    assert code == 0, out
    assert out.startswith("ok: knowledge base 0.1.0+")


def test_check_violation_exits_1_naming_entity_and_shape(
    make_ontology: Callable[..., Path],
) -> None:
    ontology = make_ontology('tmr:X a tmr:Muscle ; skos:prefLabel "x muscle"@en .\n')
    code, out = run("--ontology", str(ontology), "check")
    assert code == 1, out
    assert "shacl:SourcedShape: X: needs at least one dcterms:source" in out


def test_check_unparsable_file_exits_2_without_traceback(
    make_ontology: Callable[..., Path],
) -> None:
    ontology = make_ontology("tmr:A a tmr:Muscle\ntmr:B a tmr:Muscle .\n")
    code, out = run("--ontology", str(ontology), "check")
    assert code == 2, out
    assert "extra.ttl:6: Turtle syntax error" in out
    assert "Traceback" not in out


def test_show_json_for_a_muscle(make_ontology: Callable[..., Path]) -> None:
    code, out = run(
        "--ontology", str(make_ontology()), "show", "short head of biceps", "--format", "json"
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["id"] == "BicepsBrachiiShortHead"
    assert data["type"] == "Muscle"
    assert data["innervated_by"][0]["path"] == [
        "motor branch to biceps brachii short head",
        "musculocutaneous nerve",
        "C5 root",
    ]
    assert [r["label"] for r in data["spinal_roots"]] == ["C5 root", "C6 root"]
    assert {r["label"] for r in data["acts_on"]} == {
        "elbow joint",
        "glenohumeral joint",
        "radioulnar joints",
    }
    assert {a["role"] for a in data["actions"]} == {"prime mover", "accessory"}
    assert data["sources"][0]["kind"] == "general anatomy text"
    assert data["evidence_basis"] == "general anatomy text"


def test_show_text_for_a_nerve(make_ontology: Callable[..., Path]) -> None:
    code, out = run("--ontology", str(make_ontology()), "show", "mcn")
    assert code == 0, out
    assert "musculocutaneous nerve  [MixedNerve; MusculocutaneousNerve]" in out
    assert "path: musculocutaneous nerve → C5 root" in out


def test_show_unknown_exits_2_with_suggestion(make_ontology: Callable[..., Path]) -> None:
    code, out = run("--ontology", str(make_ontology()), "show", "deltiod")
    assert code == 2
    assert "unknown name 'deltiod'; did you mean 'deltoid'?" in out


def test_search_is_synonym_aware(make_ontology: Callable[..., Path]) -> None:
    code, out = run("--ontology", str(make_ontology()), "search", "interosseous")
    assert code == 0
    assert out.splitlines()[0].startswith("anterior interosseous nerve  [MixedNerve]")


def test_search_without_hits_says_so(make_ontology: Callable[..., Path]) -> None:
    code, out = run("--ontology", str(make_ontology()), "search", "zzzzqqq")
    assert code == 0
    assert "no match for 'zzzzqqq'" in out


def test_show_says_which_synonym_matched() -> None:
    """Issue 14: the answer names the typed name, the label and how it matched (shipped data)."""
    code, out = run("show", "AIN")
    assert code == 0, out
    assert out.splitlines()[0] == "AIN → anterior interosseous nerve (abbreviation)"
    code, out = run("show", "median nerve")
    assert code == 0, out
    assert out.splitlines()[0].startswith("median nerve  [MixedNerve; MedianNerve]")


def test_show_json_says_which_synonym_matched() -> None:
    code, out = run("show", "upper subscapular", "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert data["id"] == "UpperSubscapularNerve"
    assert (data["typed"], data["matched_name"], data["matched_by"]) == (
        "upper subscapular",
        "upper subscapular nerve",
        "normalised",
    )
