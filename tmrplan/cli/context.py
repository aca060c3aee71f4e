"""What every command shares: the options object, one exit-code table, output helpers.

A leaf of the CLI: command modules import it, it imports none of them.

Exit codes: 0 ok · 1 findings (e.g. ``check`` found violations) · 2 bad input · 3 internal failure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tmrplan.atomic import write_atomically
from tmrplan.errors import (
    AmbiguousNameError,
    AuditLogError,
    EngineError,
    InputFileError,
    InvalidCaseError,
    KnowledgeBaseError,
    OutputError,
    RuleFileError,
    TmrplanError,
    UnknownEntityError,
)
from tmrplan.knowledge.kb import KnowledgeBase, load_knowledge_base

if TYPE_CHECKING:
    from tmrplan.planning.planner import Planner

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

# The one table from error class to exit code; a class not listed is an internal failure.
EXIT_CODES: dict[type[TmrplanError], int] = {
    UnknownEntityError: EXIT_BAD_INPUT,
    AmbiguousNameError: EXIT_BAD_INPUT,
    InvalidCaseError: EXIT_BAD_INPUT,
    KnowledgeBaseError: EXIT_BAD_INPUT,
    RuleFileError: EXIT_BAD_INPUT,
    OutputError: EXIT_BAD_INPUT,
    AuditLogError: EXIT_BAD_INPUT,  # a wrong path or a file that is not an audit log
    InputFileError: EXIT_BAD_INPUT,  # a folder, FIFO or device given as a file, or too large
    EngineError: EXIT_INTERNAL,
}


def exit_code(error: TmrplanError) -> int:
    """The documented exit code of an error (its nearest class in :data:`EXIT_CODES`).

    Example:
        >>> exit_code(UnknownEntityError("nerve", "x", []))
        2
    """
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return EXIT_INTERNAL


def fail(error: TmrplanError) -> None:
    """Print an error the way users read it and exit with its documented code."""
    click.echo(f"error: {error}", err=True)
    sys.exit(exit_code(error))


class ErrorMappingGroup(click.Group):
    """A click group that turns tmrplan errors into exit codes instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TmrplanError as error:
            fail(error)


class Context:
    """Options shared by every command; the knowledge base and planner load on first use only."""

    def __init__(self, ontology: Path | None, rules: Path | None) -> None:
        self.ontology = ontology
        self.rules = rules
        self._kb: KnowledgeBase | None = None
        self._planner: Planner | None = None

    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            self._kb = load_knowledge_base(self.ontology)
        return self._kb

    @property
    def planner(self) -> Planner:
        """The planner over a validated knowledge base, loaded once per call."""
        if self._planner is None:
            self._planner = load_planner(self.ontology, self.rules)
            self._kb = self._planner.kb
        return self._planner

    def unvalidated_planner(self) -> Planner:
        """The planner if loaded already, else one without knowledge-base validation: linting
        the rules needs the anatomy's facts, and ``tmrplan check`` validates on its own
        (``make test`` runs it first), so lint does not pay for SHACL a second time."""
        if self._planner is not None:
            return self._planner
        from tmrplan.planning.planner import Planner
        from tmrplan.rules.cards import load_rulebook

        kb = self.kb
        return Planner(kb, load_rulebook(self.rules, known_sources=kb.source_ids()))


def load_planner(ontology: Path | None, rules: Path | None) -> Planner:
    """Imported on use: commands that never plan do not pay for the planner's imports."""
    from tmrplan.planning.planner import load_planner as load

    return load(ontology, rules)


_F = TypeVar("_F", bound=Callable[..., Any])


def format_option(*choices: str, default: str | None = None) -> Callable[[_F], _F]:
    """The ``--format`` option, the same on every command."""
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default=default or choices[0]
    )


def output_option(
    help: str = "Write to this file (atomically) instead of standard output.",
) -> Callable[[_F], _F]:
    """The ``--output`` option, the same on every command."""
    return click.option(
        "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help=help
    )


def emit(data: str | bytes, output: Path | None, *, newline: bool = False) -> None:
    """Print ``data``, or write it to ``output`` atomically (whole or not at all)."""
    if output is None:
        click.echo(data, nl=newline)
    else:
        write_atomically(output, data)
