"""tmrplan: a knowledge graph and rule engine for planning targeted muscle reinnervation (TMR).

The names a user of the library needs are importable from here; each is loaded on first use, so
``import tmrplan`` (and every submodule import, which runs this file first) stays cheap.

Example:
    >>> import tmrplan
    >>> plan = tmrplan.load_planner().plan(tmrplan.Case(("sural nerve",), "transtibial"))
    >>> [n.nerve.label for n in plan.nerves]
    ['sural nerve']
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Public name → the module that defines it.
_PUBLIC = {
    "Case": "tmrplan.model",
    "Plan": "tmrplan.model",
    "parse_case": "tmrplan.model",
    "Planner": "tmrplan.planning.planner",
    "load_planner": "tmrplan.planning.planner",
    "KnowledgeBase": "tmrplan.knowledge.kb",
    "load_knowledge_base": "tmrplan.knowledge.kb",
    "validate_knowledge_base": "tmrplan.knowledge.validation",
    "RuleBook": "tmrplan.rules.cards",
    "load_rulebook": "tmrplan.rules.cards",
    "TmrplanError": "tmrplan.errors",
    "UnknownEntityError": "tmrplan.errors",
    "AmbiguousNameError": "tmrplan.errors",
    "InvalidCaseError": "tmrplan.errors",
}
__all__ = [
    "AmbiguousNameError",
    "Case",
    "InvalidCaseError",
    "KnowledgeBase",
    "Plan",
    "Planner",
    "RuleBook",
    "TmrplanError",
    "UnknownEntityError",
    "__version__",
    "load_knowledge_base",
    "load_planner",
    "load_rulebook",
    "parse_case",
    "validate_knowledge_base",
]

if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    __version__: str
    from tmrplan.errors import (
        AmbiguousNameError,
        InvalidCaseError,
        TmrplanError,
        UnknownEntityError,
    )
    from tmrplan.knowledge.kb import KnowledgeBase, load_knowledge_base
    from tmrplan.knowledge.validation import validate_knowledge_base
    from tmrplan.model import Case, Plan, parse_case
    from tmrplan.planning.planner import Planner, load_planner
    from tmrplan.rules.cards import RuleBook, load_rulebook


def _version() -> str:
    # importlib.metadata costs ~0.07 s at start-up, so the version is looked up on first use.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tmrplan")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'tmrplan' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
