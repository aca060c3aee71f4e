"""Explore page script: Streamlit runs this file; the page lives in tmrplan.ui.explore_page."""

from tmrplan.ui import explore_page

explore_page.render()
