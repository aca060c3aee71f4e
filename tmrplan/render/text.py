"""The plain-text backend: a :class:`~tmrplan.render.document.Document` for terminals and pipes.

One line per heading, paragraph and bullet, no wrapping and no markup; links print as their
text (a DOI or PMID reads as itself). A heading after other lines gets a blank line before it;
other blank lines are empty paragraphs, so a builder lays out a compact terminal view exactly.
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
    Table,
)


def to_text(document: Document) -> str:
    """The document as plain lines, ending with a newline.

    Example:
        >>> from tmrplan.render.document import Bullets, Item, Paragraph, spans
        >>> doc = Document("t", (Paragraph(spans("Unknowns:")), Bullets((Item(spans("side")),))))
        >>> print(to_text(doc), end="")
        Unknowns:
          - side
    """
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading) and lines and lines[-1]:
            lines.append("")  # a section starts after a blank line, as a reader scans for it
        lines += _block(block)
    return "\n".join(lines) + "\n"


def plain(parts: Inline) -> str:
    """Spans as their bare text.

    Example:
        >>> from tmrplan.render.document import Span
        >>> plain((Span("a "), Span("b", bold=True)))
        'a b'
    """
    return "".join(s.text for s in parts)


def _block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return [block.text if isinstance(block.text, str) else plain(block.text)]
    if isinstance(block, Paragraph):
        return [plain(block.spans)]
    if isinstance(block, Bullets):
        return _bullets(block, 1)
    if isinstance(block, Table):
        return ["  ".join(_cell(c) for c in row) for row in (block.header, *block.rows)]
    if isinstance(block, Quote):
        return [plain(p) for p in block.paragraphs]
    if isinstance(block, PageBreak):
        return [""]
    if isinstance(block, Figure):
        return [f"[{block.alt}]"]
    raise TypeError(f"not a block: {block!r}")


def _bullets(bullets: Bullets, depth: int) -> list[str]:
    prefix = "  " * depth + (f"{bullets.marker} " if bullets.marker else "")
    if not bullets.items:
        return [prefix + bullets.empty] if bullets.empty else []
    out = []
    for item in bullets.items:
        out.append(prefix + plain(item.spans))
        if item.nested:
            out += _bullets(item.nested, depth + 1)
    return out


def _cell(text: str) -> str:
    return " ".join(text.split("\n"))
