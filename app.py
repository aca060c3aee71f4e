"""Streamlit entry point: wires the pages, holds no logic."""

from __future__ import annotations

import streamlit as st

from tmrplan.ui import PAGES

st.set_page_config(page_title="tmrplan", layout="wide")
st.navigation(
    [
        st.Page(PAGES / "plan.py", title="Plan", url_path="plan", default=True),
        st.Page(PAGES / "explore.py", title="Explore", url_path="explore"),
        st.Page(PAGES / "rules.py", title="Rules", url_path="rules"),
        st.Page(PAGES / "about.py", title="About", url_path="about"),
    ],
    position="top",  # no sidebar: the whole width of a tablet goes to the case and its options
).run()
