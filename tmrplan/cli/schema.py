"""``tmrplan schema NAME``: the published JSON Schema of an output, for systems that consume it."""

from __future__ import annotations

from pathlib import Path

import click

from tmrplan import paths
from tmrplan.cli.context import emit, output_option

# The outputs that have a published schema (schemas/<name>.schema.json).
SCHEMAS = ("plan",)


@click.command()
@click.argument("name", type=click.Choice(SCHEMAS))
@output_option()
def schema(name: str, output: Path | None) -> None:
    """Print the JSON Schema (2020-12) that every plan of ``plan --format json|jsonl`` and the
    app's JSON export validate against; each plan names its version as ``schema_version``."""
    emit(paths.schema_file(name).read_text(encoding="utf-8"), output)
