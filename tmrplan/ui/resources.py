"""Shared, read-only resources: loaded once per server process, never holding case data."""

from __future__ import annotations

import gc
import threading

import streamlit as st

from tmrplan.governance.audit import AuditLog, DetailValue
from tmrplan.planning.planner import Planner, load_planner
from tmrplan.render import drawing
from tmrplan.render.plan import exact_matches


@st.cache_resource(show_spinner="Loading the knowledge base…")
def planner() -> Planner:
    """The process-wide planner (validated knowledge base, indexes and rule engine)."""
    loaded = load_planner()
    # The planner's ~170,000 objects live as long as the server: frozen, they are left out of
    # every full garbage collection, which otherwise walks them all with the GIL held (85 ms a
    # time here; see docs/performance.md, "The running server under load").
    gc.freeze()
    return loaded


@st.cache_resource
def cross_references() -> dict[str, tuple[str, ...]]:
    """The knowledge base's verified cross-references (UBERON) by local name, read once: every
    JSON export names them beside the ids."""
    return exact_matches(planner().kb)


@st.cache_resource
def diagram_workers() -> threading.Thread:
    """Start the diagram workers and load matplotlib in them (about 1 s of both cores), once per
    server, in the background. A page calls this after it is drawn, so that a cold server's
    first page is not slowed down by it and the first diagram is not either."""
    warming = threading.Thread(target=drawing.warm_up, name="tmrplan-warm-up", daemon=True)
    warming.start()
    return warming


@st.cache_resource
def audit_log() -> AuditLog:
    """The process-wide audit log (SQLite; it serialises writers itself). It holds events about
    the app's use, never case data: its own whitelist refuses any other detail."""
    return AuditLog()


def record(kind: str, actor: str = "app", **detail: DetailValue) -> None:
    """Record one of the app's own events in the audit log."""
    audit_log().record(kind, detail, actor=actor)
