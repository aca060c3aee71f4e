"""Server entry (`streamlit run serve.py`, which `make run` uses): serves app.py and starts loading
the knowledge base and rules as the server starts, so the first visitor doesn't wait for it."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from tmrplan.ui.http_guard import http_guard


@asynccontextmanager
async def preload(_: st.App) -> AsyncIterator[None]:
    # Outside a session Streamlit warns that there is no script context; here that is expected.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR
    )
    # In a thread, not awaited: the server listens at once and the browser loads its scripts
    # while the planner loads; the first page's call finds it cached (or waits for it).
    threading.Thread(target=_preload, name="tmrplan-preload", daemon=True).start()
    yield


def _preload() -> None:
    # The plan page's modules too, so the first visitor's script run finds them imported. The
    # diagram workers start only once a page has been drawn (tmrplan.ui.resources): started
    # here, they took the cores from the browser loading the first page.
    import tmrplan.ui.plan_page  # noqa: F401
    from tmrplan.ui.resources import planner

    planner()


# Security headers on every response; another origin's page refused its WebSocket before
# Streamlit would look up the machine's external IP to judge it (tmrplan.ui.http_guard).
app = st.App("app.py", lifespan=preload, middleware=[Middleware(http_guard)])
