"""Shared, read-only resources: loaded once per server process, never holding case data."""

from __future__ import annotations

import streamlit as st

from tmrplan.kg import load_knowledge_base
from tmrplan.planner import Planner
from tmrplan.rulebook import load_rulebook


@st.cache_resource(show_spinner="Loading the knowledge base…")
def planner() -> Planner:
    """The process-wide planner (knowledge base, indexes and rule engine)."""
    kb = load_knowledge_base()
    return Planner(kb, load_rulebook())
