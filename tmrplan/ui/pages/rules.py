"""Rules page script: Streamlit runs this file; the page lives in tmrplan.ui.rules_page."""

from tmrplan.ui import rules_page

rules_page.render()
