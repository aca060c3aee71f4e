"""The Markdown backend: a :class:`~tmrplan.render.document.Document` as Markdown text.

Every span is data and goes through ``escape_markdown``, except the words tmrplan writes
itself (template spans and table headers), so a label never becomes markup.
"""

from __future__ import annotations

from tmrplan.render.document import (
    Block,
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
    spans,
)
from tmrplan.text import escape_markdown


def to_markdown(document: Document) -> str:
    """The document as Markdown: blocks separated by a blank line, ending with a newline.

    Example:
        >>> from tmrplan.render.document import Heading, Paragraph, spans
        >>> to_markdown(Document("t", (Heading(2, "A|B"), Paragraph(spans("x*y")))))
        '## A\\\\|B\\n\\nx\\\\*y\\n'
    """
    lines: list[str] = []
    for block in document.blocks:
        lines += [*_block(block), ""]
    return "\n".join(lines)


def inline(parts: Inline) -> str:
    """Spans as Markdown: escaped text, ``**bold**``, ``_italic_``, code, ``[text](link)``.

    Example:
        >>> inline((Span("DOI 10.1/x", link="https://doi.org/10.1/x"),))
        '[DOI 10.1/x](https://doi.org/10.1/x)'
    """
    return "".join(_span(s) for s in parts)


def _span(span: Span) -> str:
    if span.code:
        return f"`{span.text.replace('`', '')}`"
    core = span.text.strip()
    if not core or not (span.bold or span.italic or span.link):
        return span.text if span.template else escape_markdown(span.text)
    # "**Label: **" does not close in Markdown: the markers go inside the surrounding spaces.
    head, tail = (
        span.text[: len(span.text) - len(span.text.lstrip())],
        span.text[len(span.text.rstrip()) :],
    )
    text = core if span.template else escape_markdown(core)
    if span.link:
        text = f"[{text}]({span.link.replace(')', '%29').replace(' ', '%20')})"
    if span.italic:
        text = f"_{text}_"
    if span.bold:
        text = f"**{text}**"
    return head + text + tail


def _block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        text = spans(block.text) if isinstance(block.text, str) else block.text
        return ["#" * block.level + " " + inline(text)]
    if isinstance(block, Paragraph):
        return [inline(block.spans)]
    if isinstance(block, Bullets):
        return _bullets(block, 0)
    if isinstance(block, Table):
        cells = [_cell(c) for c in block.header]
        out = ["| " + " | ".join(block.header) + " |", "|" + "---|" * len(cells)]
        out += [
            "| " + " | ".join(escape_markdown(_cell(c)) for c in row) + " |" for row in block.rows
        ]
        return out
    if isinstance(block, Quote):
        out = []
        for i, paragraph in enumerate(block.paragraphs):
            out += [">"] if i else []
            out.append("> " + inline(paragraph))
        return out
    if isinstance(block, PageBreak):
        return ["---"]
    if isinstance(block, Figure):
        return ["_" + escape_markdown(block.alt) + "_"]
    raise TypeError(f"not a block: {block!r}")


def _bullets(bullets: Bullets, depth: int) -> list[str]:
    indent = "  " * depth
    if not bullets.items:
        return [f"{indent}- {escape_markdown(bullets.empty)}"] if bullets.empty else []
    out = []
    for item in bullets.items:
        out.append(f"{indent}- {inline(item.spans)}")
        if item.nested:
            out += _bullets(item.nested, depth + 1)
    return out


def _cell(text: str) -> str:
    # A Markdown table row is one line: a cell's lines are joined with a middle dot.
    return " · ".join(text.split("\n"))
