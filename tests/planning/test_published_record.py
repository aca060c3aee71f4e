"""The published record in a plan (issue 15): what each pattern's source states — coaptation kind,
where along the nerve, in how many, the outcome, the review it was read in — and end-to-side
coaptations to a nerve, which use no donor branch, listed beside the options instead of as one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tmrplan import paths
from tmrplan.knowledge.kb import load_knowledge_base, local_name
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import Case
from tmrplan.planning.planner import Planner
from tmrplan.render.plan import to_json_dict, to_text
from tmrplan.render.plan_report import to_markdown
from tmrplan.rules.cards import load_rulebook

# A test-only pattern and its test-only sources: the shapes accept an end-to-side pattern with a
# recipient nerve and neither donor nor target, and the plan must show every field it states.
END_TO_SIDE = """
@prefix tmr: <https://w3id.org/tmrplan#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

tmr:src_test_primary a tmr:Source ; skos:prefLabel "Test primary study"@en ;
    tmr:sourceKind tmr:JournalArticle ; tmr:evidenceType tmr:CaseSeries .
tmr:src_test_review a tmr:Source ; skos:prefLabel "Test review"@en ;
    tmr:sourceKind tmr:JournalArticle ; tmr:evidenceType tmr:ExpertOpinion .

tmr:tp_test_end_to_side a tmr:TransferPattern ;
    skos:prefLabel "transfemoral: posterior femoral cutaneous nerve end-to-side to the tibial nerve (test)"@en ;
    tmr:neuromaNerve tmr:PosteriorFemoralCutaneousNerve ;
    tmr:coaptation tmr:EndToSideToNerve ;
    tmr:recipientNerve tmr:TibialNerve ;
    tmr:context tmr:transfemoral ;
    tmr:contextNote "in the posterior thigh"@en ;
    tmr:patientCount 3 ;
    tmr:outcome "pain relief in all three"@en ;
    tmr:evidenceType tmr:CaseSeries ;
    dcterms:source tmr:src_test_primary ;
    tmr:reportedIn tmr:src_test_review ;
    rdfs:comment "Test data."@en .
"""


def shipped_copy(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    ontology = tmp_path_factory.mktemp(name) / "ontology"
    shutil.copytree(paths.ontology_dir(), ontology)
    return ontology


def planner_over(ontology: Path) -> Planner:
    kb = load_knowledge_base(ontology)
    return Planner(kb, load_rulebook(known_sources=kb.source_ids()))


@pytest.fixture(scope="module")
def end_to_side_planner(tmp_path_factory: pytest.TempPathFactory) -> Planner:
    ontology = shipped_copy(tmp_path_factory, "published")
    (ontology / "test_end_to_side.ttl").write_text(END_TO_SIDE, encoding="utf-8")
    return planner_over(ontology)


def test_an_end_to_side_coaptation_is_listed_beside_the_options_not_as_one(
    end_to_side_planner: Planner, planner: Planner
) -> None:
    case = Case(("posterior femoral cutaneous nerve",), "transfemoral")
    nerve = end_to_side_planner.plan(case).nerves[0]
    (other,) = [e for e in nerve.other_coaptations if e["id"] == "tp_test_end_to_side"]
    assert other["coaptation"] == "end-to-side to a nerve"
    assert other["recipient_nerve"] == {"id": "TibialNerve", "label": "tibial nerve"}
    assert (other["where"], other["patients"], other["outcome"]) == (
        "in the posterior thigh",
        3,
        "pain relief in all three",
    )
    assert "limbs" not in other  # not stated by the source: left out, not zero
    assert [s["id"] for s in other["sources"]] == ["src_test_primary"]
    assert [s["id"] for s in other["reported_in"]] == ["src_test_review"]
    # No option names the recipient as a donor: the options are those without the pattern.
    without = planner.plan(case).nerves[0]
    pairs = [(o.donor_nerve.id, o.target_muscle.id) for o in nerve.options]
    assert pairs == [(o.donor_nerve.id, o.target_muscle.id) for o in without.options]


def test_every_output_shows_the_end_to_side_coaptation(end_to_side_planner: Planner) -> None:
    plan = end_to_side_planner.plan(Case(("PFCN",), "transfemoral"))
    json_nerve = to_json_dict(plan)["nerves"][0]
    assert any(e["id"] == "tp_test_end_to_side" for e in json_nerve["other_coaptations"])
    line = "not a donor-branch option: end-to-side to a nerve to the tibial nerve"
    assert line in to_text(plan)
    markdown = to_markdown(plan)
    for shown in (line, "in the posterior thigh", "3 patients", "pain relief", "Test review"):
        assert shown in markdown.replace("\\", ""), shown


def test_an_end_to_side_pattern_elsewhere_is_not_listed(end_to_side_planner: Planner) -> None:
    plan = end_to_side_planner.plan(Case(("posterior femoral cutaneous nerve",), "none", "thigh"))
    assert not [e for e in plan.nerves[0].other_coaptations if e["id"] == "tp_test_end_to_side"]


def test_a_neuromuscular_unit_pattern_says_so_and_where(planner: Planner) -> None:
    plan = planner.plan(Case(("median nerve",), "shoulder_disarticulation"))
    evidence = [e for o in plan.nerves[0].options for e in o.evidence]
    unit = next(
        e for e in evidence if e["id"] == "tp_shoulder_disarticulation_median_pectoralis_major"
    )
    assert unit["coaptation"] == "to the branch of one neuromuscular unit of a muscle"
    assert "high transhumeral" in unit["where"]
    assert [c["id"] for c in unit["contexts"]] == ["shoulder_disarticulation"]
    assert "Coaptation:" in to_markdown(plan).replace("\\", "")


@pytest.fixture(scope="module")
def unpublished_planner(tmp_path_factory: pytest.TempPathFactory) -> Planner:
    """The shipped knowledge without any transfer pattern, and a search note on one level."""
    ontology = shipped_copy(tmp_path_factory, "unpublished")
    for patterns in ontology.glob("transfers*.ttl"):
        patterns.unlink()
    (ontology / "test_search.ttl").write_text(
        "@prefix tmr: <https://w3id.org/tmrplan#> .\n"
        'tmr:transhumeral tmr:patternSearch "test searches, none found"@en .\n',
        encoding="utf-8",
    )
    return planner_over(ontology)


def test_options_on_anatomy_alone_are_an_unknown_with_the_searches_tried(
    unpublished_planner: Planner, planner: Planner
) -> None:
    case = Case(("median nerve",), "transhumeral")
    said = [u for u in unpublished_planner.plan(case).unknowns if "anatomy alone" in u]
    assert said == [
        "median nerve: no published transfer pattern is recorded for this nerve here, so its"
        " options rest on anatomy alone (searched: test searches, none found)"
    ]
    # With the shipped patterns (Dumanian 2009: median to biceps short head) it is not said.
    assert not [u for u in planner.plan(case).unknowns if "anatomy alone" in u]


def test_every_level_and_intact_site_has_a_pattern_or_says_what_was_searched(
    planner: Planner,
) -> None:
    """Issue 15: each level or intact site either has a published pattern (its own, or of a
    region it is part of) or records the searches that found none; never both unsaid."""
    kb = planner.kb
    with_patterns = {
        c for p in kb.entities(TMR.TransferPattern) for c in kb.objects(p, TMR.context)
    }
    silent = []
    sites = [*kb.level_ids.values(), *kb.region_ids.values()]
    for site in sites:
        above = [site] if kb.is_a(site, TMR.AmputationLevel) else [site, *kb.region_ancestors(site)]
        if not with_patterns & set(above) and not kb.value(site, TMR.patternSearch):
            silent.append(local_name(site))
    assert not silent, f"sites with neither a pattern nor a recorded search: {silent}"
    # A recorded search where a pattern exists would be stale: it says 'none found'.
    stale = [local_name(s) for s in sites if s in with_patterns and kb.value(s, TMR.patternSearch)]
    assert not stale, stale
