"""The document model and its three backends; one citation link for a DOI everywhere."""

from __future__ import annotations

import datetime as dt
import io
import re

from pypdf import PdfReader

from tmrplan.model import Case
from tmrplan.planning.planner import Planner
from tmrplan.render.document import (
    Bullets,
    Document,
    Heading,
    Item,
    PageBreak,
    Paragraph,
    Quote,
    Span,
    Table,
    cite,
    doi_link,
    fixed,
    spans,
    term,
)
from tmrplan.render.markdown import to_markdown
from tmrplan.render.pdf import plan_to_pdf, to_pdf
from tmrplan.render.plan_report import to_markdown as plan_markdown
from tmrplan.render.text import to_text
from tmrplan.ui.widgets import source_line

HOSTILE = "<b>x</b> **y** [z](https://evil.example) {nb}"
# A DOI with parentheses, as in the shipped bibliography: the case where links drifted.
SOURCE = {"label": "Mobbs et al. 2003", "doi": "10.1016/S0967-5868(03)00010-9", "pmid": "12"}
DATE = dt.date(2026, 3, 14)


def sample() -> Document:
    return Document(
        "Sample",
        (
            Heading(1, "Sample"),
            Quote((spans("notice one"), spans("notice two"))),
            Paragraph((term("Field: "), Span(HOSTILE))),
            Bullets(
                (Item(spans("outer"), Bullets((Item(tuple(cite(SOURCE))),))),),
            ),
            Bullets((), empty="none"),
            Table(("#", "what"), (("1", "a\nb"),)),
            PageBreak(),
            Heading(2, (fixed("Option 1: "), Span("a|b"))),
        ),
        stamp="stamp line",
        footer="footer line",
        created=DATE,
    )


def pdf_links(data: bytes) -> set[str]:
    return {
        str(a.get_object()["/A"]["/URI"])
        for page in PdfReader(io.BytesIO(data)).pages
        for a in page.get("/Annots", [])
        if "/A" in a.get_object()
    }


def pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


def test_markdown_escapes_data_and_keeps_template_words() -> None:
    text = to_markdown(sample())
    assert text.startswith("# Sample\n\n> notice one\n>\n> notice two\n\n")
    assert "**Field:** \\<b\\>x\\</b\\> \\*\\*y\\*\\*" in text
    assert "](https://evil.example)" not in text
    assert "- outer\n  - Mobbs et al. 2003 ([DOI " in text
    assert "- none\n" in text
    assert "| # | what |\n|---|---|\n| 1 | a · b |" in text
    assert "\n---\n" in text
    assert "## Option 1: a\\|b\n" in text


def test_text_is_plain_lines() -> None:
    lines = to_text(sample()).splitlines()
    assert lines[:4] == ["Sample", "notice one", "notice two", f"Field: {HOSTILE}"]
    assert "  - outer" in lines
    assert "    - Mobbs et al. 2003 (DOI 10.1016/S0967-5868(03)00010-9 · PMID 12)" in lines
    assert "Option 1: a|b" in lines


def test_pdf_draws_every_block_as_literal_text_on_numbered_pages() -> None:
    data = to_pdf(sample())
    text = pdf_text(data)
    assert HOSTILE in text and "stamp line" in text and "footer line" in text
    assert "page 2 of 2" in text  # the page break
    assert "https://evil.example" not in pdf_links(data)
    assert to_pdf(sample()) == data  # the same document and date, the same bytes


def test_cite_gives_the_doi_and_pubmed_links() -> None:
    links = [s.link for s in cite(SOURCE) if s.link]
    assert links == [
        "https://doi.org/10.1016/S0967-5868%2803%2900010-9",
        "https://pubmed.ncbi.nlm.nih.gov/12/",
    ]


def test_pdf_markdown_and_app_link_a_doi_the_same_way() -> None:
    expected = doi_link(SOURCE["doi"])
    document = Document("c", (Bullets((Item(tuple(cite(SOURCE))),)),), created=DATE)
    assert expected in pdf_links(to_pdf(document))
    markdown_links = re.findall(r"\]\((https://doi\.org/[^)]*)\)", to_markdown(document))
    app_links = re.findall(r"\]\((https://doi\.org/[^)]*)\)", source_line(SOURCE))
    assert markdown_links == app_links == [expected]


def test_a_plans_pdf_and_markdown_export_carry_the_same_doi_links(planner: Planner) -> None:
    plan = planner.plan(Case(("median nerve", "ulnar nerve"), "transhumeral"))
    markdown_links = set(re.findall(r"\]\((https://doi\.org/[^)]*)\)", plan_markdown(plan)))
    pdf_doi_links = {link for link in pdf_links(plan_to_pdf(plan, DATE)) if "doi.org" in link}
    assert doi_link("10.1016/S0967-5868(03)00010-9") in markdown_links
    assert markdown_links == pdf_doi_links


def test_every_rendering_says_what_a_typed_name_matched(planner: Planner) -> None:
    """Issue 14: text, Markdown and PDF carry one line when the typed name is not the label."""
    from tmrplan.render.plan import match_line
    from tmrplan.render.plan import to_text as plan_text

    plan = planner.plan(Case(("AIN", "median nerve"), "transradial"))
    ain, median = plan.nerves
    line = "typed 'AIN' — matched the abbreviation 'AIN'"
    assert match_line(ain) == line and match_line(median) is None
    assert line in plan_text(plan) and line in plan_markdown(plan)
    assert plan_text(plan).count("typed '") == 1
    pdf = PdfReader(io.BytesIO(plan_to_pdf(plan, DATE)))
    pdf_text = " ".join((page.extract_text() or "") for page in pdf.pages)
    assert "typed 'AIN'" in re.sub(r"\s+", " ", pdf_text).replace("\u2019", "'")
