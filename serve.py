"""Server entry (`streamlit run serve.py`, which `make run` uses): serves app.py and starts loading
the knowledge base and rules as the server starts, so the first visitor doesn't wait for it."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st


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
    from tmrplan.render.drawing import warm_up
    from tmrplan.ui.resources import planner

    planner()
    # Then the diagram workers start and load matplotlib, before the first basis is opened
    # (not alongside the planner: on two cores they would slow the first page down).
    warm_up()


app = st.App("app.py", lifespan=preload)
