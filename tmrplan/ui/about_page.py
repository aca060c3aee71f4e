"""About page: intended use and limits, versions, the bibliography."""

from __future__ import annotations

import streamlit as st

from tmrplan import __version__
from tmrplan.knowledge.describe import describe_source
from tmrplan.knowledge.vocab import TMR
from tmrplan.notice import INTENDED_USE, NOTICE
from tmrplan.ui.resources import planner


def render() -> None:
    """Draw the about page."""
    service = planner()
    kb = service.kb
    st.title("About tmrplan")
    st.info(NOTICE)
    # The same Markdown as docs/intended_use.md (compared by a test), minus its own title.
    st.markdown(INTENDED_USE.split("\n", 1)[1].strip())
    book = service.rulebook
    st.write(
        f"Rule cards approved by clinical governance: {len(book.approved)} of {len(book.running)} "
        "running" + (" — plans are PREVIEW." if book.unapproved else ".")
    )
    st.write(
        f"tmrplan {__version__} · knowledge base {kb.version} · rules {service.rulebook.version}"
    )
    sources = kb.entities(TMR.Source)
    st.subheader(f"Bibliography ({len(sources)} sources)")
    rows = []
    for source in sources:
        entry = describe_source(kb, source)
        rows.append(
            {
                key: entry.get(key, "")
                for key in ("label", "kind", "year", "journal", "doi", "pmid", "url")
            }
        )
    st.dataframe(rows, hide_index=True, key="bibliography")
