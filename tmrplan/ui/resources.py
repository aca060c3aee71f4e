"""Shared, read-only resources: loaded once per server process, never holding case data."""

from __future__ import annotations

import streamlit as st

from tmrplan.planner import Planner, load_planner


@st.cache_resource(show_spinner="Loading the knowledge base…")
def planner() -> Planner:
    """The process-wide planner (validated knowledge base, indexes and rule engine)."""
    return load_planner()
