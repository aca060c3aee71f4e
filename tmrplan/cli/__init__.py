"""The command line: a thin wrapper that maps core calls to output and errors to exit codes.

One module per command group; :mod:`tmrplan.cli.context` holds what they share. Heavy
dependencies (pyshacl, matplotlib, fpdf2, the planner) are imported inside the commands that use
them, so ``tmrplan show`` does not pay for them.

Exit codes: 0 ok · 1 findings (e.g. ``check`` found violations) · 2 bad input · 3 internal failure.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from tmrplan.cli.context import Context, ErrorMappingGroup
from tmrplan.text import suggest

__all__ = ["Context", "main"]

# Command name → "module:attribute". A call imports only its own command's module: `tmrplan plan`
# does not pay for the audit log, the governance actions or the rule commands (click's documented
# pattern for lazily loaded subcommands). `--help` lists them all, and so imports them all.
COMMANDS = {
    "check": "tmrplan.cli.knowledge:check",
    "show": "tmrplan.cli.knowledge:show",
    "search": "tmrplan.cli.knowledge:search",
    "plan": "tmrplan.cli.plan:plan",
    "rules": "tmrplan.cli.rules:rules",
    "export": "tmrplan.cli.knowledge:export",
    "audit": "tmrplan.cli.audit:audit",
    "schema": "tmrplan.cli.schema:schema",
    "app": "tmrplan.cli.app:app_command",
}


class LazyGroup(ErrorMappingGroup):
    """The top-level group: its commands are imported when named, not at start-up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # click says "No such command"; a user who typed `plna` is told what they meant.
        if args and args[0] not in COMMANDS and not args[0].startswith("-"):
            close = suggest(args[0], COMMANDS)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            ctx.fail(f"no such command {args[0]!r}{hint} (commands: {', '.join(COMMANDS)})")
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup)
@click.version_option(package_name="tmrplan", prog_name="tmrplan")  # looked up when asked
@click.option(
    "--ontology",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Ontology directory (default: the shipped knowledge base).",
)
@click.option(
    "--rules",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Rule cards directory (default: the shipped rules).",
)
@click.pass_context
def main(ctx: click.Context, ontology: Path | None, rules: Path | None) -> None:
    """tmrplan: plan targeted muscle reinnervation from anatomy, literature and reviewed rules."""
    ctx.obj = Context(ontology, rules)
