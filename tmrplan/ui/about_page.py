"""About page: intended use and limits, versions, the bibliography."""

from __future__ import annotations

import streamlit as st

from tmrplan import __version__
from tmrplan.describe import describe_source
from tmrplan.planner import NOTICE
from tmrplan.ui.resources import planner
from tmrplan.vocab import TMR


def render() -> None:
    """Draw the about page."""
    service = planner()
    kb = service.kb
    st.title("About tmrplan")
    st.write(NOTICE)
    st.write(
        "Intended users: health care professionals planning targeted muscle reinnervation before "
        "surgery, and teachers of peripheral nerve anatomy. Not for intra-operative use. The rule "
        "cards shipped with this version are drafts that no clinical governance has approved."
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
