"""PDF export: plans read back with pypdf carry the same content as the Markdown report."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from tmrplan.cli import main
from tmrplan.model import Case, Plan, Ref
from tmrplan.planning.planner import Planner
from tmrplan.render.pdf import PLAN_FOOTER, PdfDocument, plan_to_pdf

EXPORTED_ON = dt.date(2026, 3, 14)
HOSTILE = "<script>alert(1)</script> **bold** [x](https://evil.example) {nb} → é"


# The module's tests share one xdist worker (``--dist loadgroup``), so the three-nerve plan and its
# PDF (module fixtures, seconds to build) are built once, not once in each worker.
pytestmark = pytest.mark.xdist_group("pdf")


@pytest.fixture(scope="module")
def transhumeral(planner: Planner) -> Plan:
    return planner.plan(
        Case(("median nerve", "ulnar nerve", "radial nerve"), "transhumeral", side="left")
    )


@pytest.fixture(scope="module")
def transhumeral_pdf(transhumeral: Plan) -> bytes:
    return plan_to_pdf(transhumeral, EXPORTED_ON)


def text_of(data: bytes) -> str:
    """All the text of a PDF, with line breaks and no-break spaces read as plain spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def link_targets(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    return {
        str(annotation.get_object()["/A"]["/URI"])
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    }


def all_sources(plan: Plan) -> list[dict[str, Any]]:
    sources = [s for n in plan.nerves for o in n.options for e in o.evidence for s in e["sources"]]
    for item in (*plan.alternatives, *plan.instructions, *plan.risks):
        sources += item.get("sources", [])
    return sources


def test_transhumeral_pdf_has_the_plan(transhumeral: Plan, transhumeral_pdf: bytes) -> None:
    assert transhumeral_pdf.startswith(b"%PDF-")
    text = text_of(transhumeral_pdf)
    for expected in (
        transhumeral.notice,
        transhumeral.kb_version,
        transhumeral.rules_version,
        EXPORTED_ON.isoformat(),
        "Warnings for the whole case",
        "Alternatives",
        "What the patient is told",
        "Risks",
        "Unknowns",
    ):
        assert expected in text
    assert len(transhumeral.nerves) == 3
    for nerve in transhumeral.nerves:
        assert nerve.nerve.label in text
        assert (
            f"Neuroma in the {nerve.region.label}; {len(nerve.options)} options; assigned:" in text
        )
        for option in nerve.options:
            assert f"Option {option.rank}" in text
            assert option.donor_nerve.label in text
            assert option.target_muscle.label in text
            for flag in option.flags:
                assert f"{flag.severity.value.upper()} {flag.rule_id} v{flag.rule_version}" in text
    for unknown in transhumeral.unknowns:
        assert unknown in text
    # Status and risk are words in the table, never colour alone.
    assert {"redundant", "functional", "none", "moderate"} <= set(text.split())


def test_every_page_has_the_stamp_and_a_numbered_footer(transhumeral_pdf: bytes) -> None:
    pages = PdfReader(io.BytesIO(transhumeral_pdf)).pages
    assert len(pages) > 3
    for number, page in enumerate(pages, 1):
        text = " ".join(page.extract_text().split())
        assert f"exported {EXPORTED_ON.isoformat()}" in text
        assert PLAN_FOOTER in text
        assert f"page {number} of {len(pages)}" in text


def test_doi_and_pmid_are_text_and_links(transhumeral: Plan, transhumeral_pdf: bytes) -> None:
    sources = all_sources(transhumeral)
    dois = {s["doi"] for s in sources if s.get("doi")}
    pmids = {s["pmid"] for s in sources if s.get("pmid")}
    assert dois and pmids
    text, links = text_of(transhumeral_pdf), link_targets(transhumeral_pdf)
    for doi in dois:
        assert f"DOI {doi}" in text
        assert any(link.startswith("https://doi.org/10.") for link in links)
    for pmid in pmids:
        assert f"PMID {pmid}" in text
        assert f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" in links


def test_metadata_and_same_input_same_bytes(transhumeral: Plan, transhumeral_pdf: bytes) -> None:
    metadata = PdfReader(io.BytesIO(transhumeral_pdf)).metadata
    assert metadata is not None
    assert metadata.title == (
        "TMR planning options: median nerve, ulnar nerve, radial nerve (transhumeral amputation)"
    )
    assert str(metadata.creator).startswith("tmrplan")
    assert str(metadata["/CreationDate"]).startswith("D:20260314")
    assert plan_to_pdf(transhumeral, EXPORTED_ON) == transhumeral_pdf
    assert plan_to_pdf(transhumeral, dt.date(2026, 3, 15)) != transhumeral_pdf


def test_labels_are_literal_text_never_markup(transhumeral: Plan) -> None:
    nerve = transhumeral.nerves[0]
    option = replace(nerve.options[0], donor_nerve=Ref("Hostile", HOSTILE))
    hostile = replace(
        transhumeral,
        nerves=(replace(nerve, nerve=Ref("HostileNerve", HOSTILE), options=(option,)),),
        unknowns=(),
    )
    data = plan_to_pdf(hostile, EXPORTED_ON)
    text = text_of(data)
    # The nerve: in the summary's table and as its heading in the body and the appendix; the
    # option: in the summary's table, its heading in the body, its appendix row and heading.
    assert text.count(HOSTILE) == 7
    assert "https://evil.example" not in link_targets(data)
    assert "Unknowns • none Rule cards and notice" in text


def test_document_class_renders_each_block() -> None:
    doc = PdfDocument("Rule cards", stamp="rules 1.0", footer="for review", created=EXPORTED_ON)
    doc.heading("Cards → checks", 1)
    doc.heading("Ähnlich \N{EN DASH} café", 2)
    doc.paragraph("plain ", "and ", "a link")
    doc.bullet("first")
    doc.bullet("nested", level=2)
    doc.table(["id", "title"], [["TMR-1", "<b>not bold</b>"]], widths=(1, 3))
    text = text_of(doc.to_bytes())
    for expected in (
        "Cards → checks",
        "Ähnlich \N{EN DASH} café",
        "nested",
        "<b>not bold</b>",
        "page 1 of 1",
    ):
        assert expected in text


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


CASE = ["plan", "--nerve", "median nerve", "--nerve", "ulnar nerve", "--level", "transhumeral"]


def test_cli_pdf_without_output_is_refused() -> None:
    code, out, err = run(*CASE, "--format", "pdf")
    assert code == 2, out + err
    assert "--format pdf needs --output FILE.pdf" in err
    assert not out


def test_cli_pdf_with_a_batch_is_refused(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("{}\n", encoding="utf-8")
    code, _, err = run(
        "plan", "--cases", str(cases), "--format", "pdf", "--output", str(tmp_path / "x.pdf")
    )
    assert code == 2
    assert "--format pdf, --format fhir and --output are for a single case" in err


def test_cli_pdf_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "plan.pdf"
    code, out, err = run(*CASE, "--format", "pdf", "--output", str(target))
    assert code == 0, err
    assert not out
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    text = text_of(data)
    assert "median nerve" in text and "ulnar nerve" in text
    assert f"exported {dt.date.today().isoformat()}" in text
    assert not list(tmp_path.glob("*.tmp"))


def test_cli_output_writes_the_text_formats_too(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    code, printed, _ = run(*CASE, "--format", "json")
    assert code == 0
    code, out, err = run(*CASE, "--format", "json", "--output", str(target))
    assert code == 0, err
    assert not out
    assert target.read_text(encoding="utf-8") == printed


def test_cli_output_into_a_missing_folder_exits_2(tmp_path: Path) -> None:
    code, _, err = run(*CASE, "--format", "pdf", "--output", str(tmp_path / "no" / "plan.pdf"))
    assert code == 2
    assert "cannot write" in err and "plan.pdf" in err


def test_a_hand_plan_names_the_digits_and_level_in_every_format(planner: Planner) -> None:
    """Issue 13: the digits and the level in words, in the PDF as in the text, Markdown and JSON."""
    from tmrplan.render.plan import to_json_dict, to_text
    from tmrplan.render.plan_report import to_markdown

    plan = planner.plan(
        Case(("median nerve",), "partial_hand", digits=("index", "middle"), through="metacarpal")
    )
    words = "index finger and middle finger through the metacarpal"
    assert plan.amputation.startswith(words) and plan.amputation.endswith("little finger spared")
    assert words in " ".join(text_of(plan_to_pdf(plan, dt.date(2026, 12, 2))).split())
    assert words in to_markdown(plan) and words in to_text(plan)
    assert to_json_dict(plan)["amputation"] == plan.amputation
    assert to_json_dict(plan)["case"]["digits"] == ["index", "middle"]
