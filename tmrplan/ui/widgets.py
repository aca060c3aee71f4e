"""Small building blocks the pages share: data-safe text, figures with their downloads, sources."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import streamlit as st

from tmrplan.render.document import cite
from tmrplan.render.markdown import inline
from tmrplan.text import escape_markdown

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Every label, message and citation is data: it goes through md() before any Markdown element,
# so "<script>" or "**" in a label shows as those characters.
md = escape_markdown


def show_figure(figure: Figure, stem: str, key: str, alt: str) -> None:
    """The figure as a PNG on screen, with SVG and PNG downloads of the same picture."""
    from tmrplan.render.figures import to_png, to_svg  # matplotlib costs 0.6 s: only when drawing

    show_picture(to_png(figure), lambda: to_svg(figure), stem, key, alt)


def show_picture(png: bytes, svg: Callable[[], bytes], stem: str, key: str, alt: str) -> None:
    """A drawn picture on screen, with SVG (made only if downloaded) and PNG downloads."""
    st.image(png, alt=alt)
    left, right = st.columns(2, width=360)
    left.download_button(
        "Download SVG",
        svg,
        f"{stem}.svg",
        mime="image/svg+xml",
        key=f"{key}_svg",
        on_click="ignore",
    )
    right.download_button(
        "Download PNG", png, f"{stem}.png", mime="image/png", key=f"{key}_png", on_click="ignore"
    )


def source_line(source: dict[str, Any]) -> str:
    """A citation as safe Markdown: label, kind, evidence type, and DOI/PubMed links (the shared
    ``cite``, so the app links a DOI exactly as the PDF and the Markdown export do)."""
    return inline(tuple(cite(source, details=[source.get("kind"), source.get("evidence_type")])))


def bullet_list(lines: Iterable[str]) -> None:
    """Already-escaped lines as one Markdown bullet list ("none" when empty)."""
    st.markdown("\n".join(f"- {line}" for line in lines) or "none")
