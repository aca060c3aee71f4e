"""One document model for every rendering: a plan, a governance pack, an impact report, a
description are each built once as a :class:`Document` and drawn by a backend.

A document is a title and a sequence of blocks (:class:`Heading`, :class:`Paragraph`,
:class:`Bullets`, :class:`Table`, :class:`Quote`, :class:`PageBreak`, :class:`Figure`); text inside a block is a
tuple of :class:`Span` (plain, bold, italic, code, or a link). The backends are
``tmrplan.render.markdown.to_markdown``, ``tmrplan.render.text.to_text`` and
``tmrplan.render.pdf.to_pdf``; none of them knows what a plan is.

Text is data: a label such as ``<b>`` or ``**x**`` is escaped by the Markdown backend and drawn
as literal text in the PDF. The one exception is a span marked ``template=True``: words tmrplan
itself writes (field names such as ``Approval:``), printed as written so the Markdown stays
readable. Never mark text from the knowledge base, the cards or the case as template.

The shared pieces live here so that every backend and the Streamlit app say the same thing:

- :func:`cite` — a source's label with its DOI and PubMed links (one link form everywhere);
- :func:`flag_line`, :func:`flag_headline` and :func:`flag_spans` — a rule card's flag, the
  last with its basis;
- :func:`notice_blocks` — the PREVIEW line and the intended-use notice a plan carries.

Example:
    >>> from tmrplan.render.markdown import to_markdown
    >>> doc = Document(
    ...     "Demo",
    ...     (
    ...         Heading(1, "Demo"),
    ...         Paragraph(spans(term("Label: "), "a <b> label")),
    ...         Bullets((Item(tuple(cite({"label": "Smith 2020", "doi": "10.1/x(1)"}))),)),
    ...     ),
    ... )
    >>> print(to_markdown(doc))
    # Demo
    <BLANKLINE>
    **Label:** a \\<b\\> label
    <BLANKLINE>
    - Smith 2020 ([DOI 10.1/x(1)](https://doi.org/10.1/x%281%29))
    <BLANKLINE>
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from tmrplan.model import Flag, Plan
from tmrplan.notice import preview_notice


@dataclass(frozen=True)
class Span:
    """A run of text: plain, bold, italic, code, or a link that opens ``link``.

    ``template`` marks words tmrplan writes itself (see the module docstring): the Markdown
    backend prints them unescaped.
    """

    text: str
    link: str | None = None
    bold: bool = False
    italic: bool = False
    code: bool = False
    template: bool = False


Inline = tuple[Span, ...]


def spans(*parts: str | Span) -> Inline:
    """Spans from strings (plain data) and spans, in order.

    Example:
        >>> spans("a", Span("b", bold=True))
        (Span(text='a', link=None, bold=False, italic=False, code=False, template=False), Span(text='b', link=None, bold=True, italic=False, code=False, template=False))
    """
    return tuple(Span(p) if isinstance(p, str) else p for p in parts)


def term(text: str) -> Span:
    """A bold field name tmrplan writes, such as ``Approval:``.

    Example:
        >>> term("Case: ").bold
        True
    """
    return Span(text, bold=True, template=True)


def fixed(text: str) -> Span:
    """Plain words tmrplan writes (a template), printed unescaped in Markdown.

    Example:
        >>> fixed("Option 1: ").template
        True
    """
    return Span(text, template=True)


@dataclass(frozen=True)
class Heading:
    """A heading of level 1 to 3."""

    level: int
    text: str | Inline


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of spans."""

    spans: Inline


@dataclass(frozen=True)
class Item:
    """One bullet, with the list nested under it."""

    spans: Inline
    nested: Bullets | None = None


@dataclass(frozen=True)
class Bullets:
    """A bullet list; ``empty`` is shown as its one item when it has none.

    ``marker`` is the text backend's bullet (``""`` for indented lines with none); Markdown
    always writes ``-`` and the PDF a dot, or a dash when nested.
    """

    items: tuple[Item, ...]
    empty: str | None = None
    marker: str = "-"


@dataclass(frozen=True)
class Table:
    """A table; header cells are tmrplan's words, body cells are data. A cell may hold line
    breaks (the PDF keeps them, Markdown joins them); ``widths`` are proportions for the PDF."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()


@dataclass(frozen=True)
class Quote:
    """Paragraphs set apart: the notices (a Markdown block quote, plain paragraphs elsewhere)."""

    paragraphs: tuple[Inline, ...]


@dataclass(frozen=True)
class PageBreak:
    """The next block starts a new page (a rule ``---`` in Markdown)."""


@dataclass(frozen=True)
class Figure:
    """A picture (PNG bytes) drawn by the PDF; Markdown and text show its ``alt`` words, which
    say what it shows (the text beside it carries the same facts)."""

    png: bytes
    alt: str
    width: float = 110.0  # mm on the PDF page


Block = Heading | Paragraph | Bullets | Table | Quote | PageBreak | Figure


@dataclass(frozen=True)
class Document:
    """A titled sequence of blocks, with the page furniture of the PDF backend.

    Args:
        title: the document's title (PDF metadata; a builder usually also opens with a heading).
        blocks: the content, in order.
        stamp: one line naming what produced the document, atop every PDF page.
        footer: a short intended-use line at the foot of every PDF page.
        created: the creation date; the same document and date give the same PDF bytes.
    """

    title: str
    blocks: tuple[Block, ...]
    stamp: str = ""
    footer: str = ""
    created: dt.date | None = field(default=None)


# ---------------------------------------------------------------------------------------------
# the shared pieces


def with_copy_reference(document: Document, reference: str) -> Document:
    """The document ending with a line that names this copy by a random reference.

    The app's exports carry one per browser session: a download's address is a hash of its
    bytes, and without it the bytes depend only on the case, the versions and the date, so anyone
    able to reach the server could test whether a given case is being viewed and fetch its
    export. The reference names the copy, never the patient.

    Example:
        >>> doc = with_copy_reference(Document("t", ()), "Q1w2E3")
        >>> doc.blocks[-1].spans[0].text
        'Copy reference Q1w2E3 (random, issued to the session that exported this copy).'
    """
    line = Paragraph(
        spans(
            f"Copy reference {reference} (random, issued to the session that exported this copy)."
        )
    )
    return replace(document, blocks=(*document.blocks, line))


def doi_link(doi: str) -> str:
    """The one link form for a DOI: doi.org with the DOI percent-encoded except its slashes.

    Parentheses are encoded too: a DOI such as ``10.1016/S0967-5868(03)00010-9`` would otherwise
    end a Markdown link early, and doi.org resolves the encoded form.

    Example:
        >>> doi_link("10.1016/S0967-5868(03)00010-9")
        'https://doi.org/10.1016/S0967-5868%2803%2900010-9'
    """
    return "https://doi.org/" + quote(doi, safe="/")


def pubmed_link(pmid: str) -> str:
    """The one link form for a PubMed id.

    Example:
        >>> pubmed_link("123")
        'https://pubmed.ncbi.nlm.nih.gov/123/'
    """
    return f"https://pubmed.ncbi.nlm.nih.gov/{quote(pmid, safe='')}/"


def cite(source: Mapping[str, Any], *, details: Iterable[str | None] = ()) -> list[Span]:
    """A source: its label, then ``details`` (kind, evidence type …), then its DOI and PubMed
    id as text that is also a link.

    Example:
        >>> [s.text for s in cite({"label": "Smith 2020", "doi": "10.1/x", "pmid": "9"})]
        ['Smith 2020', ' (', 'DOI 10.1/x', ' · ', 'PMID 9', ')']
        >>> cite({"label": "Smith 2020", "pmid": "9"})[-2].link
        'https://pubmed.ncbi.nlm.nih.gov/9/'
    """
    parts = [Span(str(source["label"]))]
    parts += [Span(f" · {d}") for d in details if d]
    links = []
    if source.get("doi"):
        links.append(Span(f"DOI {source['doi']}", link=doi_link(str(source["doi"]))))
    if source.get("pmid"):
        links.append(Span(f"PMID {source['pmid']}", link=pubmed_link(str(source["pmid"]))))
    for i, link in enumerate(links):
        parts += [fixed(" (" if i == 0 else " · "), link]
    if links:
        parts.append(fixed(")"))
    return parts


def flag_line(flag: Flag) -> str:
    """A flag as one line of text: severity as a word, the card and version, message, notes.

    Example:
        >>> from tmrplan.model import Severity
        >>> flag = Flag("TMR-X", "1.0.0", "X", Severity("caution"), "Check it.", {}, (), ("a",))
        >>> flag_line(flag)
        'CAUTION TMR-X v1.0.0: Check it. [a]'
    """
    return f"{flag.severity.value.upper()}{_flag_body(flag)}"


def _flag_body(flag: Flag) -> str:
    notes = f" [{'; '.join(flag.notes)}]" if flag.notes else ""
    return f" {flag.rule_id} v{flag.rule_version}: {flag.message}{notes}"


def flag_headline(flag: Flag) -> list[Span]:
    """A flag as spans: the severity as a bold word (never a colour alone), then the card, its
    version, the message and any notes; the words of :func:`flag_line`.

    Example:
        >>> from tmrplan.model import Severity
        >>> flag = Flag("TMR-X", "1.0.0", "X", Severity("info"), "Fine.", {"a": 1}, ())
        >>> [s.text for s in flag_headline(flag)]
        ['INFO', ' TMR-X v1.0.0: Fine.']
    """
    return [Span(flag.severity.value.upper(), bold=True), Span(_flag_body(flag))]


def flag_spans(flag: Flag) -> list[Span]:
    """A flag with its basis: :func:`flag_headline` and the facts and sources that fired it.

    Example:
        >>> from tmrplan.model import Severity
        >>> flag = Flag("TMR-X", "1.0.0", "X", Severity("info"), "Fine.", {"a": 1}, ())
        >>> "".join(s.text for s in flag_spans(flag))
        'INFO TMR-X v1.0.0: Fine. (facts: a = 1; sources: none)'
    """
    facts = ", ".join(f"{k} = {v}" for k, v in flag.facts.items()) or "none"
    basis = f" (facts: {facts}; sources: {', '.join(flag.sources) or 'none'})"
    return [*flag_headline(flag), Span(basis)]


def notice_blocks(plan: Plan) -> list[Block]:
    """What every rendering of a plan carries first: the PREVIEW line when a card is
    unapproved, then the intended-use notice.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> from tmrplan.model import Case
        >>> plan = load_planner().plan(Case(("sural nerve",), "transtibial"))
        >>> quote_block = notice_blocks(plan)[0]
        >>> quote_block.paragraphs[0][0].text.startswith("PREVIEW: ")
        True
    """
    paragraphs: list[Inline] = []
    if preview := preview_notice(plan):
        paragraphs.append((Span(preview, bold=True),))
    paragraphs.append((Span(plan.notice),))
    return [Quote(tuple(paragraphs))]
