"""About page script: Streamlit runs this file; the page lives in tmrplan.ui.about_page."""

from tmrplan.ui import about_page

about_page.render()
