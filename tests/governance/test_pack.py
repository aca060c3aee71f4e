"""The governance pack: one sheet per card (Markdown, PDF) and the reviewers' indented CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from tmrplan.cli import main
from tmrplan.governance.pack import GovernancePack, build_pack, to_markdown, to_pdf, to_review_csv
from tmrplan.planning.planner import Planner

# The module's tests share one xdist worker (``--dist loadgroup``), so the governance pack (a
# module fixture, seconds to build) is built once, not once in each worker.
pytestmark = pytest.mark.xdist_group("pack")


@pytest.fixture(scope="module")
def pack(planner: Planner) -> GovernancePack:
    return build_pack(planner, dt.date(2026, 11, 24))


def test_every_card_has_a_sheet_with_what_a_reviewer_decides_on(pack: GovernancePack) -> None:
    text = to_markdown(pack)
    assert text.count("\n## TMR-") == len(pack.sheets) + 1 == 26 + 1  # and the ranking card
    assert "## TMR-RANKING: Order of donor options" in text
    for label in ("**Approval:**", "**Review due:**", "**Rationale.**"):
        assert text.count(label) == 26 + 1, label  # every card, and the ranking card
    assert text.count("**Fired across the sweep:**") == 26
    assert f"over {pack.sweep_cases} sweep cases" in text and pack.sweep_cases > 100
    redundant = next(s for s in pack.sheets if s.card.id == "TMR-DONOR-REDUNDANT")
    assert redundant.fired > 0 and all(r.passed for r in redundant.tests)


def test_the_pdf_puts_one_card_per_page(pack: GovernancePack, tmp_path: Path) -> None:
    path = tmp_path / "pack.pdf"
    path.write_bytes(to_pdf(pack))
    pages = [p.extract_text() for p in PdfReader(path).pages]
    assert len(pages) >= 1 + len(pack.sheets)
    for sheet in pack.sheets:
        assert any(sheet.card.id in page and "Rationale" in page for page in pages), sheet.card.id


def test_the_review_csv_indents_details_under_each_card(pack: GovernancePack) -> None:
    rows = list(csv.reader(io.StringIO(to_review_csv(pack))))
    assert rows[0] == ["item", "detail", "Include", "Exclude", "Notes"]
    cards = [r for r in rows[1:] if not r[0].startswith("  ")]
    assert [r[0] for r in cards] == ["TMR-RANKING"] + [s.card.id for s in pack.sheets]
    kinds = {r[0].strip() for r in rows[1:] if r[0].startswith("  ")}
    assert {"rationale", "condition", "flag", "test", "source", "fired across the sweep"} <= kinds
    assert all(r[2:] == ["", "", ""] for r in rows[1:])


def test_cli_report_needs_an_output_for_pdf() -> None:
    result = CliRunner().invoke(main, ["rules", "report", "--format", "pdf"])
    assert result.exit_code == 2 and "--output" in result.output
