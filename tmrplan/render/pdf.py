"""The PDF backend: a :class:`~tmrplan.render.document.Document` drawn by a small document class
over fpdf2, with the stamp atop and the intended-use footer at the foot of every page.

Only this module imports ``fpdf``. Labels are data: every string is drawn as literal text, never
parsed as Markdown or HTML, so a label such as ``<b>`` or ``**x**`` prints exactly as written.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from tmrplan import __version__
from tmrplan.model import Plan
from tmrplan.render.document import (
    Bullets,
    Document,
    Figure,
    Heading,
    Inline,
    PageBreak,
    Paragraph,
    Quote,
    Span,
    Table,
)
from tmrplan.render.plan import PLAN_FOOTER
from tmrplan.render.plan_report import LossOf, PictureOf, plan_document

# DejaVu Sans covers arrows, dashes and accented letters; fpdf2's core fonts are Latin-1 only.
# matplotlib ships it, so nothing is fetched at run time.
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_FAMILY = "DejaVu"
_TOTAL_PAGES = "{nb}"
_BASE_SIZE = 9.5
_LINE = _BASE_SIZE * 0.48  # line height in mm for body text
_MARGIN = 15.0
_HEADING_SIZES = {1: 16.0, 2: 13.0, 3: 10.5}
_LINK_COLOUR = (0, 70, 160)
_GREY = 90

__all__ = ["PLAN_FOOTER", "PdfDocument", "plan_to_pdf", "to_pdf"]

Text = str | Span


class _Canvas(FPDF):
    """fpdf2 calls ``header``/``footer`` on every page; this subclass only supplies those two."""

    def __init__(self, stamp: str, footer_line: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.stamp = stamp
        self.footer_line = footer_line
        # fpdf2 replaces the total-pages alias in *any* text drawn while it is set, so a label
        # containing "{nb}" would be rewritten. It is switched on only while the footer is drawn
        # and left on after the last footer, when fpdf2 substitutes it at output.
        self.str_alias_nb_pages = ""

    # A page can break inside an indented bullet, while the left margin is the indent, so the
    # header and footer place themselves from the page edges, not from the current margins.
    def header(self) -> None:
        self.str_alias_nb_pages = ""
        self.set_text_color(_GREY)
        self.set_xy(_MARGIN, _MARGIN - 4)
        self._fitted(self.stamp, self.w - 2 * _MARGIN)
        self.set_text_color(0)
        self.set_y(max(self.get_y() + 1.5, _MARGIN + 4))

    def footer(self) -> None:
        self.str_alias_nb_pages = _TOTAL_PAGES
        self.set_text_color(_GREY)
        self.set_xy(_MARGIN, -14)
        self._fitted(self.footer_line, self.w - 2 * _MARGIN - 24)
        self.set_font(_FAMILY, "", 7.5)
        self.set_xy(self.w - _MARGIN - 24, -14)
        self.cell(24, 3.5, f"page {self.page_no()} of {_TOTAL_PAGES}", align="R")
        self.set_text_color(0)

    def _fitted(self, words: str, width: float) -> None:
        """A line of page furniture that is never clipped: the font shrinks to fit, down to
        6 pt, and what still does not fit wraps onto a second line."""
        size = 7.5
        self.set_font(_FAMILY, "", size)
        while size > 6 and self.get_string_width(words) > width - 2 * self.c_margin:
            size -= 0.5
            self.set_font(_FAMILY, "", size)
        self.multi_cell(width, size * 0.42, words, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)


class PdfDocument:
    """An A4 document of headings, paragraphs, bullets and tables, in DejaVu Sans.

    Every page has a header with ``stamp`` and a footer with ``footer`` and the page number.

    Args:
        title: the document title (shown in viewers' title bars and stored as metadata).
        stamp: one line identifying what produced the document, printed atop every page.
        footer: a short intended-use line, printed at the foot of every page.
        created: the document's creation date; the same content and date give the same bytes.

    Example:
        >>> doc = PdfDocument("Demo", stamp="demo", footer="for testing", created=dt.date(2026, 1, 2))
        >>> doc.heading("Nerves → muscles", 1)
        >>> doc.paragraph("Plain ", Span("bold", bold=True), " and ", Span("a link", link="https://doi.org/10.1/x"))
        >>> doc.table(["#", "option"], [["1", "<script> stays text"]])
        >>> doc.to_bytes()[:5]
        b'%PDF-'
    """

    def __init__(self, title: str, *, stamp: str, footer: str, created: dt.date) -> None:
        pdf = _Canvas(stamp, footer)
        pdf.add_font(_FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
        pdf.add_font(_FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        pdf.set_title(title)
        pdf.set_creator(f"tmrplan {__version__}")
        pdf.set_lang("en")
        # A fixed date, not "now": the same input gives byte-identical files.
        pdf.set_creation_date(dt.datetime(created.year, created.month, created.day, tzinfo=dt.UTC))
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        pdf.set_auto_page_break(True, margin=18)
        pdf.add_page()
        pdf.set_font(_FAMILY, "", _BASE_SIZE)
        self._pdf = pdf

    def new_page(self) -> None:
        """Start the next block on a fresh page (e.g. one page per rule card)."""
        self._pdf.add_page()

    def heading(self, text: str, level: int = 1) -> None:
        """A heading of level 1 to 3, also entered in the PDF outline (bookmarks)."""
        if level not in _HEADING_SIZES:
            raise ValueError(f"heading level must be 1, 2 or 3, not {level!r}")
        pdf = self._pdf
        size = _HEADING_SIZES[level]
        # Keep a heading with at least a few lines of what follows it.
        if pdf.will_page_break(size * 0.5 + 20):
            pdf.add_page()
        pdf.ln(4 if level < 3 else 2)
        pdf.start_section(text, level - 1, strict=False)
        pdf.set_font(_FAMILY, "B", size)
        pdf.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(_FAMILY, "", _BASE_SIZE)
        pdf.ln(1.5)

    def paragraph(self, *parts: Text) -> None:
        """A paragraph of plain text, bold spans and links."""
        self._write(parts, indent=0)
        self._pdf.ln(1.5)

    def bullet(self, *parts: Text, level: int = 1) -> None:
        """A bulleted item; ``level`` 2 indents it under the one before."""
        pdf = self._pdf
        indent = 5.0 * level
        pdf.set_x(pdf.l_margin + indent - 4)
        pdf.write(_LINE, "•" if level == 1 else "\N{EN DASH}")
        self._write(parts, indent=indent)
        pdf.ln(0.8)

    def table(
        self, header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[float] = ()
    ) -> None:
        """A table with a bold header row repeated on each page; ``widths`` are proportions."""
        pdf = self._pdf
        pdf.set_font(_FAMILY, "", 8)
        with pdf.table(
            col_widths=tuple(widths) or None,
            text_align="LEFT",
            line_height=3.8,
            padding=1,
            markdown=False,  # cell text is data, never markup
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
            cell_fill_mode=TableCellFillMode.NONE,
            repeat_headings=1,
        ) as table:
            table.row(list(header))
            for row in rows:
                table.row(list(row))
        pdf.set_font(_FAMILY, "", _BASE_SIZE)
        pdf.ln(2)

    def figure(self, png: bytes, alt: str, width: float) -> None:
        """A picture at ``width`` mm (at most the text width), kept whole on one page."""
        pdf = self._pdf
        width = min(width, pdf.w - pdf.l_margin - pdf.r_margin)
        # A PNG's size is in its header (IHDR: width and height, 4 bytes each, from byte 16).
        pixels_wide, pixels_high = int.from_bytes(png[16:20]), int.from_bytes(png[20:24])
        if pdf.will_page_break(width * pixels_high / max(pixels_wide, 1) + 2):
            pdf.add_page()
        pdf.image(io.BytesIO(png), w=width, alt_text=alt)
        pdf.ln(2)

    def to_bytes(self) -> bytes:
        """The finished PDF; the document takes no more content after this."""
        return bytes(self._pdf.output())

    def _write(self, parts: Iterable[Text], indent: float) -> None:
        pdf = self._pdf
        left = pdf.l_margin
        # write() wraps lines back to the left margin, so the margin is the indent while writing.
        pdf.set_left_margin(left + indent)
        if indent:
            pdf.set_x(left + indent)
        try:
            for part in parts:
                span = Span(part) if isinstance(part, str) else part
                pdf.set_font(_FAMILY, "B" if span.bold else "", _BASE_SIZE)
                # Each write() starts its own line breaking, so a span whose first word does not
                # fit would be split mid-word (a DOI, say); start a new line for it instead.
                # A no-break space keeps a link's words ("DOI", "PMID" and the identifier) together.
                words = span.text.replace(" ", "\u00a0") if span.link else span.text
                first_word = words.split(" ", 1)[0]
                width = pdf.get_string_width(first_word) + 2 * pdf.c_margin  # write() pads
                if pdf.x > pdf.l_margin and pdf.x + width > pdf.w - pdf.r_margin:
                    pdf.ln(_LINE)
                if span.link:
                    pdf.set_text_color(*_LINK_COLOUR)
                    pdf.write(_LINE, words, link=span.link)
                    pdf.set_text_color(0)
                else:
                    pdf.write(_LINE, words)
            pdf.set_font(_FAMILY, "", _BASE_SIZE)
            pdf.ln(_LINE)
        finally:
            pdf.set_left_margin(left)


# ---------------------------------------------------------------------------------------------
# documents


def to_pdf(document: Document) -> bytes:
    """A document as PDF bytes; the same document (with its ``created`` date) gives the same bytes.

    Example:
        >>> from tmrplan.render.document import Heading, Paragraph, spans
        >>> doc = Document("t", (Heading(1, "T"), Paragraph(spans("x"))), created=dt.date(2026, 1, 2))
        >>> to_pdf(doc)[:5]
        b'%PDF-'
    """
    pdf = PdfDocument(
        document.title,
        stamp=document.stamp,
        footer=document.footer,
        created=document.created or dt.date.today(),
    )
    for block in document.blocks:
        if isinstance(block, Heading):
            words = block.text if isinstance(block.text, str) else _plain(block.text)
            pdf.heading(words, block.level)
        elif isinstance(block, Paragraph):
            pdf.paragraph(*block.spans)
        elif isinstance(block, Bullets):
            _bullets(pdf, block, 1)
        elif isinstance(block, Table):
            pdf.table(block.header, block.rows, block.widths)
        elif isinstance(block, Quote):
            for paragraph in block.paragraphs:
                pdf.paragraph(*paragraph)
        elif isinstance(block, PageBreak):
            pdf.new_page()
        elif isinstance(block, Figure):
            pdf.figure(block.png, block.alt, block.width)
    return pdf.to_bytes()


def _bullets(pdf: PdfDocument, bullets: Bullets, level: int) -> None:
    if not bullets.items and bullets.empty:
        pdf.bullet(bullets.empty, level=level)
    for item in bullets.items:
        pdf.bullet(*item.spans, level=level)
        if item.nested:
            _bullets(pdf, item.nested, level + 1)


def _plain(parts: Inline) -> str:
    return "".join(s.text for s in parts)


def plan_to_pdf(
    plan: Plan,
    exported_on: dt.date,
    *,
    lost: LossOf | None = None,
    picture: PictureOf | None = None,
) -> bytes:
    """A plan as a PDF: the surgeon's report (``render.plan_report``), with clickable citations.

    Args:
        plan: the plan to render.
        exported_on: the export date, printed on every page and stored as the creation date.
        lost: what using an option's donor gives up, shown for each nerve's top options.
        picture: that loss as a diagram (PNG), drawn for each nerve's assigned option.

    Returns:
        The PDF file's bytes; the same plan and date always give the same bytes.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> plan_to_pdf(plan, dt.date(2026, 1, 2)).startswith(b"%PDF-")
        True
    """
    return to_pdf(plan_document(plan, exported_on, lost=lost, picture=picture))
