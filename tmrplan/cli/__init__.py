"""The command line: a thin wrapper that maps core calls to output and errors to exit codes.

One module per command group; :mod:`tmrplan.cli.context` holds what they share. Heavy
dependencies (pyshacl, matplotlib, fpdf2, the planner) are imported inside the commands that use
them, so ``tmrplan show`` does not pay for them.

Exit codes: 0 ok · 1 findings (e.g. ``check`` found violations) · 2 bad input · 3 internal failure.
"""

from __future__ import annotations

from pathlib import Path

import click

from tmrplan.cli.app import app_command
from tmrplan.cli.audit import audit
from tmrplan.cli.context import Context, ErrorMappingGroup
from tmrplan.cli.knowledge import check, export, search, show
from tmrplan.cli.plan import plan
from tmrplan.cli.rules import rules

__all__ = ["Context", "main"]


@click.group(cls=ErrorMappingGroup)
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


for _command in (check, show, search, plan, rules, export, audit, app_command):
    main.add_command(_command)
