"""Where the shipped data lives: the only module that knows file locations."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_SOURCE_TREE = _PACKAGE.parent


def _data_dir(name: str) -> Path:
    # An installed wheel carries the data inside the package; a source checkout keeps it at the top.
    packaged = _PACKAGE / "data" / name
    return packaged if packaged.is_dir() else _SOURCE_TREE / name


def ontology_dir() -> Path:
    """The ontology directory: ``TMRPLAN_ONTOLOGY`` if set (a hospital's reviewed copy, or a test
    fixture for the app), else the shipped one."""
    return Path(os.environ.get("TMRPLAN_ONTOLOGY") or _data_dir("ontology"))


def rules_dir() -> Path:
    """The rule cards directory: ``TMRPLAN_RULES`` if set, else the shipped one."""
    return Path(os.environ.get("TMRPLAN_RULES") or _data_dir("rules"))


def schema_file(name: str) -> Path:
    """A published JSON Schema (``schemas/<name>.schema.json``; in a wheel, inside the package)."""
    return _data_dir("schemas") / f"{name}.schema.json"


def server_script() -> Path:
    """The Streamlit server script (an ``st.App`` serving ``app.py`` beside it); a wheel carries
    both, with their ``.streamlit/config.toml``, in ``tmrplan/data/app``."""
    packaged = _PACKAGE / "data" / "app" / "serve.py"
    return packaged if packaged.is_file() else _SOURCE_TREE / "serve.py"


def shapes_file(ontology: Path) -> Path:
    """The SHACL shapes of an ontology directory (validated against, not loaded as knowledge)."""
    return ontology / "shapes.ttl"


def knowledge_files(ontology: Path) -> list[Path]:
    """Every Turtle file of an ontology directory except the shapes, in a stable order."""
    shapes = shapes_file(ontology)
    return sorted(p for p in ontology.rglob("*.ttl") if p != shapes)


def violation_queries(ontology: Path) -> list[Path]:
    """The consistency checks: SPARQL files that must return no rows."""
    return sorted((ontology / "queries").glob("*_violation.rq"))


def _cache_base() -> Path:
    base = (
        os.environ.get("TMRPLAN_CACHE")
        or os.environ.get("XDG_CACHE_HOME")
        or str(Path.home() / ".cache")
    )
    return Path(base) / "tmrplan"


def validation_stamps() -> Path:
    """Where passing validations are remembered (``TMRPLAN_CACHE`` or the user's cache dir)."""
    return _cache_base() / "validated"


def knowledge_cache() -> Path:
    """Where indexed knowledge bases are kept between processes, beside the validation stamps."""
    return _cache_base() / "knowledge"


def audit_db() -> Path:
    """The app's audit log (SQLite): ``TMRPLAN_AUDIT_DB`` if set, else
    ``$XDG_DATA_HOME/tmrplan/audit.sqlite3`` (``~/.local/share`` when unset); its folder is
    created so that the first event can be written."""
    configured = os.environ.get("TMRPLAN_AUDIT_DB")
    if configured:
        path = Path(configured)
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "tmrplan" / "audit.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
