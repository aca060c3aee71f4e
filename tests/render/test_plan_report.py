"""What a busy surgeon sees first (issue 16): the summary on page 1, each nerve's top options with
what they give up, the full lists as an appendix; page furniture never clipped; an intact-limb case
titled in words; and a patient sheet that speaks to the patient without rule ids or ranking keys."""

from __future__ import annotations

import datetime as dt
import io
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from tmrplan.cli import main
from tmrplan.model import Case, Plan
from tmrplan.planning.donor_loss import option_loss
from tmrplan.planning.planner import Planner
from tmrplan.render.markdown import to_markdown as document_markdown
from tmrplan.render.patient_sheet import patient_document
from tmrplan.render.pdf import PdfDocument, plan_to_pdf
from tmrplan.render.plan_report import assigned, plan_document, to_markdown

DAY = dt.date(2026, 3, 14)
FOUR = Case(
    ("median nerve", "ulnar nerve", "radial nerve", "musculocutaneous nerve"),
    "transhumeral",
    side="right",
)


@pytest.fixture(scope="module")
def four_nerves(planner: Planner) -> Plan:
    return planner.plan(FOUR)


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_a_four_nerve_pdf_gives_summary_and_top_options_in_four_pages(
    planner: Planner, four_nerves: Plan
) -> None:
    data = plan_to_pdf(four_nerves, DAY, lost=partial(option_loss, planner.index, FOUR))
    text = pages(data)
    appendix = next(i for i, t in enumerate(text) if "Appendix: every option" in t)
    assert appendix <= 4, f"summary and top options take {appendix} pages"
    first = text[0]
    assert "Summary" in first and "Assigned option per nerve" in first
    for nerve in four_nerves.nerves:
        option = assigned(nerve)
        assert option is not None
        assert nerve.nerve.label in first
        assert option.target_muscle.label in first.replace("\n", " ")
    assert four_nerves.kb_version in first and four_nerves.notice.split(".")[0] in first
    body = " ".join(text[1:appendix])
    assert body.count("What using this donor gives up") >= len(four_nerves.nerves)
    # The full option lists follow, every option of every nerve in its table.
    assert all(f"Option {len(n.options)}" in " ".join(text[appendix:]) for n in four_nerves.nerves)


def test_case_warnings_come_before_the_assignment(planner: Planner) -> None:
    plan = planner.plan(Case(("median nerve",), "transradial", context={"anticoagulants": True}))
    markdown = to_markdown(plan)
    assert markdown.index("Warnings for the whole case") < markdown.index("Assigned option")
    assert markdown.index("Assigned option") < markdown.index("## median nerve")


def test_page_furniture_is_never_clipped() -> None:
    stamp = "PREVIEW (unapproved rule cards) · " + " · ".join(f"part{i:02d}" for i in range(40))
    pdf = PdfDocument("t", stamp=stamp, footer="for testing " * 12, created=DAY)
    pdf.paragraph("body")
    (text,) = pages(pdf.to_bytes())
    words = " ".join(text.split())
    for word in stamp.split(" · "):
        assert word in words, word
    assert words.count("for testing") == 12


def test_an_intact_limb_case_is_titled_in_words(planner: Planner) -> None:
    plan = planner.plan(Case(("median nerve",), "none", region="forearm"))
    document = plan_document(plan)
    assert document.title == "TMR planning options: median nerve (intact limb: forearm)"
    assert "(none)" not in document.title


def test_the_patient_sheet_speaks_to_the_patient(planner: Planner, four_nerves: Plan) -> None:
    sheet = document_markdown(
        patient_document(
            four_nerves,
            planner.about_tmr,
            lost=partial(option_loss, planner.index, FOUR),
            exported_on=DAY,
        )
    ).replace("\\", "")
    for said in (
        "information for you",
        "What TMR is",
        "Before the operation",
        "After the operation",
        "two weeks",
        "several months",
        "Risks",
        "Other treatments",
        four_nerves.kb_version,
        four_nerves.rules_version,
        four_nerves.notice,
    ):
        assert said in sheet, said
    for nerve in four_nerves.nerves:
        option = assigned(nerve)
        assert option is not None and f"the nerve of the {option.target_muscle.label}" in sheet
    # Never the surgeon's reasoning: no rule ids, ranking keys or scores.
    assert "TMR-" not in sheet and "ranking" not in sheet.lower() and "sort_keys" not in sheet
    assert "already lost with the amputation" in sheet or "should not make you weaker" in sheet


def test_the_patient_sheet_names_a_movement_that_no_other_muscle_keeps(planner: Planner) -> None:
    case = Case(("median nerve",), "none", region="forearm")
    plan = planner.plan(case)
    sheet = document_markdown(
        patient_document(plan, planner.about_tmr, lost=partial(option_loss, planner.index, case))
    )
    # An intact forearm keeps every action: the sheet says what the chosen muscle does.
    assert "Other muscles still do" in sheet or "No other muscle does" in sheet


def test_cli_writes_the_patient_sheet_as_markdown_or_pdf(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["plan", "--nerve", "sural", "--level", "transtibial", "--audience", "patient"]
    result = runner.invoke(main, [*args, "--format", "md"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Targeted muscle reinnervation (TMR): information for you")
    assert "TMR-" not in result.output
    target = tmp_path / "sheet.pdf"
    result = runner.invoke(main, [*args, "--format", "pdf", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "information for you" in " ".join(" ".join(pages(target.read_bytes())).split())
    refused = runner.invoke(main, [*args, "--format", "json"])
    assert refused.exit_code == 2 and "--audience patient" in refused.output
