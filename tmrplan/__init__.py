"""tmrplan: a knowledge graph and rule engine for planning targeted muscle reinnervation (TMR)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tmrplan")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
