"""Server entry (`streamlit run serve.py`, which `make run` uses): serves app.py and starts loading
the knowledge base and rules as the server starts, so the first visitor doesn't wait for it."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import streamlit as st


@asynccontextmanager
async def preload(_: st.App) -> AsyncIterator[None]:
    # In a thread, not awaited: the server listens at once and the browser loads its scripts
    # while the planner loads; the first page's call finds it cached (or waits for it).
    from tmrplan.drawing import warm_up
    from tmrplan.ui.resources import planner

    # Outside a session Streamlit warns that there is no script context; here that is expected.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR
    )
    threading.Thread(target=_preload, args=(planner, warm_up), daemon=True).start()
    yield


def _preload(planner: Callable[[], object], warm_up: Callable[[], None]) -> None:
    planner()
    # Then the diagram workers start and load matplotlib, before the first basis is opened
    # (not alongside the planner: on two cores they would slow the first page down).
    warm_up()


app = st.App("app.py", lifespan=preload)
