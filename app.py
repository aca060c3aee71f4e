"""Streamlit entry point: wires the pages, holds no logic."""

from __future__ import annotations

import streamlit as st

from tmrplan.ui import plan_page

st.set_page_config(page_title="tmrplan", layout="wide")
plan_page.render()
