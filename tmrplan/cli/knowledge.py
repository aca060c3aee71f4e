"""``tmrplan check | show | search | export``: the knowledge base itself."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from tmrplan.cli.context import EXIT_FINDINGS, Context, emit, output_option
from tmrplan.knowledge.describe import describe
from tmrplan.knowledge.kb import KnowledgeBase, local_name
from tmrplan.knowledge.lookup import MAX_QUERY
from tmrplan.knowledge.names import is_abbreviation
from tmrplan.knowledge.vocab import TMR
from tmrplan.text import to_short_repr

# More hits than the knowledge base has names is no search at all.
MAX_LIMIT = 10_000


@click.command()
@click.pass_obj
def check(obj: Context) -> None:
    """Load and validate the ontology (SHACL shapes and violation queries).

    Files that passed these very checks before (the validation stamp names the hash of both)
    are not validated again: the answer would be the same.
    """
    kb = obj.kb
    from tmrplan.knowledge.validation import validate_once  # pyshacl: only when it runs
    from tmrplan.rules.cards import load_rulebook

    violations = validate_once(kb)
    for violation in violations:
        click.echo(str(violation))
    counts = ", ".join(f"{n} {what}" for what, n in summary_counts(kb).items())
    if violations:
        click.echo(f"{len(violations)} violation(s) in {kb.directory} ({counts})")
        sys.exit(EXIT_FINDINGS)
    click.echo(f"ok: knowledge base {kb.version}: {counts}; {len(kb.graph)} triples")
    # The rules are reported, not failed on: an overdue or unapproved card still runs, and
    # every plan it takes part in says so.
    book = load_rulebook(obj.rules, known_sources=kb.source_ids())
    for card in book.cards:
        if card.runs and card.is_overdue():
            click.echo(f"review overdue: {card.id} v{card.version} (due {card.review_due})")
    approved = len(book.approved)
    click.echo(
        f"rules {book.version}: {approved} of {len(book.running)} running card(s) approved"
        + ("; plans are PREVIEW until every running card is approved" if book.unapproved else "")
    )


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


@click.command()
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def show(obj: Context, name: str, fmt: str) -> None:
    """Show any entity by label, synonym or abbreviation (e.g. "FCU", "peroneal")."""
    kb = obj.kb
    match = kb.resolve(name)
    data = describe(kb, match.entity)
    # Which name matched, so that "AIN" is seen to be the anterior interosseous nerve (issue 14).
    data |= {"typed": name, "matched_name": match.matched, "matched_by": match.how}
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if name.strip().casefold() != data["label"].casefold():
        click.echo(f"{name.strip()} → {data['label']} ({_how(match.how, match.matched)})")
    click.echo(to_text({k: v for k, v in data.items() if not k.startswith(("typed", "matched"))}))


def _how(how: str, matched: str) -> str:
    """``abbreviation``, ``synonym 'volar interosseous nerve'``, ``partial: 'recurrent …'``."""
    if how in ("abbreviation", "synonym") and is_abbreviation(matched):
        return how
    return f"{how} {matched!r}" if how != "label" else "id"


def to_text(data: dict[str, Any]) -> str:
    """Render a description as indented plain text (the layout is ``render.description``'s)."""
    from tmrplan.render.description import description_to_text

    return description_to_text(data)


class _Limit(click.IntRange):
    """1 to :data:`MAX_LIMIT`; a value too long to be one is named shortened, not echoed."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and len(value.strip()) > len(str(MAX_LIMIT)):
            self.fail(f"{to_short_repr(value)} is not a number from 1 to {MAX_LIMIT}", param, ctx)
        return super().convert(value, param, ctx)


def _search_text(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A search text no longer than any name could be: a longer one is refused, shortened."""
    if len(value.strip()) > MAX_QUERY:
        raise click.BadParameter(
            f"{to_short_repr(value)} is longer than any name: at most {MAX_QUERY} characters",
            ctx=ctx,
            param=param,
        )
    return value


@click.command()
@click.argument("text", callback=_search_text)
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=_Limit(1, MAX_LIMIT),
    help=f"Most results to print (1 to {MAX_LIMIT}).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def search(obj: Context, text: str, limit: int, fmt: str) -> None:
    """Fuzzy, synonym-aware search over every name in the knowledge base (a text of at most
    200 characters: no name is longer)."""
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
        click.echo(f"no match for {to_short_repr(text)}")
    for hit in hits:
        kind = local_name(kb.type_of(hit.entity) or hit.entity)
        via = "" if hit.matched == hit.label.casefold() else f"  (matched {hit.matched!r})"
        click.echo(f"{hit.label}  [{kind}]{via}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld"]), default="ttl")
@click.option("--derived", is_flag=True, help="Add the neuroma sites and their candidate donors.")
@output_option()
@click.pass_obj
def export(obj: Context, fmt: str, derived: bool, output: Path | None) -> None:
    """Export the knowledge base as Turtle or JSON-LD, optionally with derived neuroma sites.

    \b
    The graph written is the one the shapes are checked against: the knowledge files plus
    what load materialises (tmr:performs from tmr:primeMoverFor and tmr:accessoryFor,
    tmr:actsOn from the actions' joints). JSON-LD carries an @context of the ontology's
    prefixes; both formats are byte-identical from run to run. To validate an export
    without tmrplan, run pySHACL with its defaults and the shipped shapes:
        pyshacl -s ontology/shapes.ttl kb.ttl
    """
    from rdflib import Graph

    from tmrplan.knowledge.export import to_jsonld, to_turtle

    graph = Graph()
    for triple in obj.kb.graph:
        graph.add(triple)
    for prefix, namespace in obj.kb.graph.namespaces():
        graph.bind(prefix, namespace)
    if derived:
        from tmrplan.planning.neuroma_sites import neuroma_sites_graph

        graph += neuroma_sites_graph(obj.planner.index)
    text = to_turtle(graph) if fmt == "ttl" else to_jsonld(graph)
    emit(text, output, newline=output is None)
