"""Plan page script: Streamlit runs this file; the page lives in tmrplan.ui.plan_page."""

from tmrplan.ui import plan_page

plan_page.render()
