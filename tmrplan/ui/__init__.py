"""The Streamlit front end: pages that only call the core (no SPARQL, no rule logic here)."""
