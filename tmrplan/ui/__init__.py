"""The Streamlit front end: pages that only call the core (no SPARQL, no rule logic here)."""

from pathlib import Path

PAGES = Path(__file__).resolve().parent / "pages"
"""The page scripts app.py wires (found through the package, so an installed wheel finds them)."""
