"""Command line: a thin wrapper that maps core calls to output and errors to exit codes.

Exit codes: 0 ok · 1 findings (e.g. ``check`` found violations) · 2 bad input · 3 internal failure.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from tmrplan import __version__
from tmrplan.describe import describe
from tmrplan.errors import (
    AmbiguousNameError,
    EngineError,
    InvalidCaseError,
    KnowledgeBaseError,
    RuleFileError,
    TmrplanError,
    UnknownEntityError,
)
from tmrplan.kg import KnowledgeBase, load_knowledge_base, local_name
from tmrplan.validation import validate_knowledge_base
from tmrplan.vocab import TMR

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

_BAD_INPUT = (UnknownEntityError, AmbiguousNameError, InvalidCaseError, KnowledgeBaseError, RuleFileError)


class Context:
    """Options shared by every command; the knowledge base is loaded on first use only."""

    def __init__(self, ontology: Path | None, rules: Path | None) -> None:
        self.ontology = ontology
        self.rules = rules
        self._kb: KnowledgeBase | None = None

    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            self._kb = load_knowledge_base(self.ontology)
        return self._kb


def fail(error: TmrplanError) -> None:
    """Print an error the way users read it and exit with its documented code."""
    code = EXIT_BAD_INPUT if isinstance(error, _BAD_INPUT) else EXIT_INTERNAL
    if isinstance(error, EngineError):
        code = EXIT_INTERNAL
    click.echo(f"error: {error}", err=True)
    sys.exit(code)


class ErrorMappingGroup(click.Group):
    """A click group that turns tmrplan errors into exit codes instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TmrplanError as error:
            fail(error)


@click.group(cls=ErrorMappingGroup)
@click.version_option(__version__, prog_name="tmrplan")
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


@main.command()
@click.pass_obj
def check(obj: Context) -> None:
    """Load and validate the ontology (SHACL shapes and violation queries)."""
    kb = obj.kb
    violations = validate_knowledge_base(kb)
    for violation in violations:
        click.echo(str(violation))
    counts = ", ".join(f"{n} {what}" for what, n in summary_counts(kb).items())
    if violations:
        click.echo(f"{len(violations)} violation(s) in {kb.directory} ({counts})")
        sys.exit(EXIT_FINDINGS)
    click.echo(f"ok: knowledge base {kb.version}: {counts}; {len(kb.graph)} triples")


def summary_counts(kb: KnowledgeBase) -> dict[str, int]:
    """How many entities of the main kinds a knowledge base holds."""
    kinds = {
        "muscles": TMR.Muscle,
        "motor branches": TMR.MotorBranch,
        "nerves": TMR.Nerve,
        "transfer patterns": TMR.TransferPattern,
        "sources": TMR.Source,
    }
    return {name: len(kb.entities(cls)) for name, cls in kinds.items()}


@main.command()
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def show(obj: Context, name: str, fmt: str) -> None:
    """Show any entity by label, synonym or abbreviation (e.g. "FCU", "peroneal")."""
    kb = obj.kb
    data = describe(kb, kb.get(name))
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(to_text(data))


def to_text(data: dict[str, Any]) -> str:
    """Render a description as indented plain text."""
    lines = [f"{data['label']}  [{data['type']}; {data['id']}]"]
    if data.get("alt_labels"):
        lines.append(f"  also: {', '.join(data['alt_labels'])}")
    if data.get("comment"):
        lines.append(f"  note: {data['comment']}")
    for key, value in data.items():
        if key in {"id", "label", "type", "alt_labels", "comment", "sources", "evidence_basis"}:
            continue
        if not value:
            continue
        title = key.replace("_", " ")
        if key == "innervated_by":
            lines.append(f"  {title}:")
            lines += [f"    - {' → '.join(n['path'])}" for n in value]
        elif key == "actions":
            lines.append(f"  {title}:")
            lines += [f"    - {a['label']} ({a['role']})" for a in value]
        elif key == "path":
            lines.append(f"  {title}: {' → '.join(value)}")
        elif key == "relations":
            for rel, refs in value.items():
                lines.append(f"  {rel}: {', '.join(r['label'] for r in refs)}")
        elif isinstance(value, list):
            lines.append(f"  {title}: {', '.join(v['label'] if isinstance(v, dict) else str(v) for v in value)}")
        else:
            lines.append(f"  {title}: {value}")
    lines.append(f"  evidence: {data['evidence_basis']}")
    for source in data["sources"]:
        ids = " ".join(f"{k.upper()} {source[k]}" for k in ("doi", "pmid") if k in source)
        lines.append(f"    · {source['label']} ({source['kind']}){' ' + ids if ids else ''}")
    return "\n".join(lines)


@main.command()
@click.argument("text")
@click.option("--limit", default=20, show_default=True, help="Most results to print.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def search(obj: Context, text: str, limit: int, fmt: str) -> None:
    """Fuzzy, synonym-aware search over every name in the knowledge base."""
    kb = obj.kb
    hits = kb.search(text, limit=limit)
    if fmt == "json":
        rows = [
            {
                "id": local_name(h.entity),
                "label": h.label,
                "type": local_name(kb.type_of(h.entity) or h.entity),
                "matched": h.matched,
            }
            for h in hits
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not hits:
        click.echo(f"no match for {text!r}")
    for hit in hits:
        kind = local_name(kb.type_of(hit.entity) or hit.entity)
        via = "" if hit.matched == hit.label.casefold() else f"  (matched {hit.matched!r})"
        click.echo(f"{hit.label}  [{kind}]{via}")
