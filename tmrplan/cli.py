"""Command line: a thin wrapper that maps core calls to output and errors to exit codes.

Exit codes: 0 ok · 1 findings (e.g. ``check`` found violations) · 2 bad input · 3 internal failure.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import sys
from pathlib import Path
from typing import Any

import click
from rdflib import Graph

from tmrplan import __version__
from tmrplan.derived import neuroma_sites_graph
from tmrplan.describe import describe
from tmrplan.errors import (
    AmbiguousNameError,
    EngineError,
    InvalidCaseError,
    KnowledgeBaseError,
    OutputError,
    RuleFileError,
    TmrplanError,
    UnknownEntityError,
    to_short_repr,
)
from tmrplan.governance import approve, comment, retire
from tmrplan.kg import KnowledgeBase, load_knowledge_base, local_name
from tmrplan.model import CONTEXT_FIELDS, Case, parse_case
from tmrplan.planner import Planner, check_name_length, load_planner
from tmrplan.report import to_json_dict, to_markdown
from tmrplan.report import to_text as to_plan_text
from tmrplan.rulebook import load_rulebook
from tmrplan.ruletests import run_card_tests
from tmrplan.validation import validate_knowledge_base
from tmrplan.vocab import TMR
from tmrplan.writes import write_atomically

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

_BAD_INPUT = (
    UnknownEntityError,
    AmbiguousNameError,
    InvalidCaseError,
    KnowledgeBaseError,
    RuleFileError,
    OutputError,
)


class Context:
    """Options shared by every command; the knowledge base is loaded on first use only."""

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
            lines.append(
                f"  {title}: {', '.join(v['label'] if isinstance(v, dict) else str(v) for v in value)}"
            )
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


# ---------------------------------------------------------------------------------------------
# planning, rules and export


def _planner(obj: Context) -> Planner:
    if obj._planner is None:
        obj._planner = load_planner(obj.ontology, obj.rules)
        obj._kb = obj._planner.kb
    return obj._planner


@main.command()
@click.option("--nerve", "nerves", multiple=True, help="Neuroma nerve (repeat for several).")
@click.option("--level", type=str, help="Amputation level id, or 'none' for an intact limb.")
@click.option(
    "--region", type=str, default=None, help="Region id of the neuroma (intact limb only)."
)
@click.option("--side", type=click.Choice(["left", "right"]), default=None)
@click.option(
    "--context",
    "context_items",
    multiple=True,
    metavar="KEY=yes|no",
    help=f"Case context: {', '.join(CONTEXT_FIELDS)}.",
)
@click.option("--allow-shared-targets", is_flag=True, help="Let two nerves share one target.")
@click.option(
    "--cases",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Batch: one JSON case per line.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "md", "jsonl", "pdf"]), default="text"
)
@click.option(
    "--all", "show_all", is_flag=True, help="Text format: list every option, not the first 8."
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the plan to this file (atomically) instead of standard output; needed for pdf.",
)
@click.pass_obj
def plan(
    obj: Context,
    nerves: tuple[str, ...],
    level: str | None,
    region: str | None,
    side: str | None,
    context_items: tuple[str, ...],
    allow_shared_targets: bool,
    cases: Path | None,
    fmt: str,
    show_all: bool,
    output: Path | None,
) -> None:
    """Plan TMR options for one case, or for every line of a JSONL batch."""
    # Checked before the knowledge base loads, so a wrong call fails at once.
    if cases is not None and (fmt == "pdf" or output is not None):
        raise click.UsageError(
            "--cases writes one JSON line per case to standard output; "
            "--format pdf and --output are for a single case"
        )
    if fmt == "pdf" and output is None:
        raise click.UsageError(
            "--format pdf needs --output FILE.pdf: a PDF is not written to the terminal"
        )
    planner = _planner(obj)
    if cases is not None:
        _plan_batch(planner, cases)
        return
    if not nerves or not level:
        raise InvalidCaseError("plan needs --nerve and --level (or --cases FILE.jsonl)")
    case = Case(
        tuple(nerves), level, region, side, parse_context(context_items), allow_shared_targets
    )
    result = planner.plan(case)
    data: str | bytes
    if fmt == "pdf":
        # Imported here: fpdf2 and matplotlib add ~0.6 s to start-up; only PDF exports pay it.
        from tmrplan.pdf import plan_to_pdf

        data = plan_to_pdf(result, dt.date.today())
    elif fmt in ("json", "jsonl"):
        indent = None if fmt == "jsonl" else 2
        data = json.dumps(to_json_dict(result), indent=indent, ensure_ascii=False) + "\n"
    elif fmt == "md":
        data = to_markdown(result) + "\n"
    else:
        data = to_plan_text(result, None if show_all else 8)
    if output is None:
        click.echo(data, nl=False)
    else:
        write_atomically(output, data)


def parse_context(items: tuple[str, ...]) -> dict[str, bool]:
    """``KEY=yes|no`` pairs to a context dict.

    Raises:
        InvalidCaseError: for a malformed pair or unknown key (with close matches).
    """
    context: dict[str, bool] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or value.lower() not in {"yes", "no", "true", "false"}:
            raise InvalidCaseError(
                f"context {to_short_repr(item)} must look like KEY=yes or KEY=no"
            )
        check_name_length("context field", key)  # a huge key is not echoed whole
        if key not in CONTEXT_FIELDS:
            close = difflib.get_close_matches(key, list(CONTEXT_FIELDS), 3)
            raise UnknownEntityError("context field", key, close)
        context[key] = value.lower() in {"yes", "true"}
    return context


def _plan_batch(planner: Planner, cases: Path) -> None:
    """One plan per input line; a bad line is reported with its number and the rest still run."""
    failures = 0
    try:
        data = cases.read_bytes()
    except OSError as exc:
        raise InvalidCaseError(f"cannot read {str(cases)!r}: {exc.strerror}") from exc
    # Split on newline only and decode line by line (tests/test_properties_cases.py found both):
    # str.splitlines also breaks at U+2028, U+0085 and other separators that JSON strings may hold
    # raw, which split a good case in two and shifted every later line number; and one line that
    # is not UTF-8 stopped the whole batch with a traceback instead of being reported.
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            failures += 1
            click.echo(f"error: {cases}:{number}: not UTF-8 at byte {exc.start + 1}", err=True)
            continue
        if not line.strip():
            continue
        try:
            case = parse_case(json.loads(line))
            click.echo(json.dumps(to_json_dict(planner.plan(case)), ensure_ascii=False))
        except json.JSONDecodeError as exc:
            failures += 1
            click.echo(f"error: {cases}:{number}: not JSON: {exc.msg}", err=True)
        except RecursionError:
            failures += 1
            click.echo(f"error: {cases}:{number}: not JSON: nested too deeply", err=True)
        except ValueError as exc:  # json.loads: a number longer than int()'s digit limit
            failures += 1
            click.echo(f"error: {cases}:{number}: not JSON: {str(exc).split(':')[0]}", err=True)
        except (UnknownEntityError, AmbiguousNameError, InvalidCaseError) as exc:
            failures += 1
            click.echo(f"error: {cases}:{number}: {exc}", err=True)
    if failures:
        sys.exit(EXIT_BAD_INPUT)


@main.group()
def rules() -> None:
    """Governance: list the rule cards and run their own tests."""


@rules.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def rules_list(obj: Context, fmt: str) -> None:
    """Every card with its version, status, review date and conditions in words."""
    book = load_rulebook(obj.rules, known_sources=obj.kb.source_ids())
    rows = [
        {
            "id": c.id,
            "version": c.version,
            "status": c.status,
            "scope": c.scope,
            "severity": c.severity.value,
            "title": c.title,
            "when": c.conditions_in_words(),
            "review_due": c.review_due.isoformat(),
            "overdue": c.is_overdue(),
            "author": c.author,
            "reviewer": c.reviewer,
            "approval": book.approval_state(c),
            "content_hash": c.content_hash,
            "sources": list(c.sources),
        }
        for c in book.cards
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo(f"rules {book.version}")
    for r in rows:
        overdue = " OVERDUE" if r["overdue"] else ""
        click.echo(
            f"{r['id']} v{r['version']} [{r['status']}; {r['severity']}; review {r['review_due']}{overdue}]"
        )
        click.echo(f"    {r['title']}: when {r['when']}")
        click.echo(f"    {r['approval']}")


_WHO = click.option(
    "--by", "who", required=True, help="Your name, recorded as given (there is no login system)."
)
_ROLE = click.option("--role", required=True, help="Your governance role, e.g. 'clinical lead'.")


@rules.command("approve")
@click.argument("card_id")
@_WHO
@_ROLE
@click.option("--note", default="", help="Why, or under what conditions.")
@click.pass_obj
def rules_approve(obj: Context, card_id: str, who: str, role: str, note: str) -> None:
    """Approve CARD_ID at its current content: status active, reviewer you, entry in the ledger."""
    entry = approve(load_rulebook(obj.rules), card_id, who, role, note)
    click.echo(f"approved {entry.card_id} v{entry.version} ({entry.content_hash[:12]}) by {who}")


@rules.command("comment")
@click.argument("card_id")
@_WHO
@_ROLE
@click.argument("text")
@click.pass_obj
def rules_comment(obj: Context, card_id: str, who: str, role: str, text: str) -> None:
    """Record a review comment on CARD_ID's current content."""
    entry = comment(load_rulebook(obj.rules), card_id, who, role, text)
    click.echo(f"comment {entry.seq} on {entry.card_id} v{entry.version} recorded")


@rules.command("retire")
@click.argument("card_id")
@_WHO
@_ROLE
@click.option("--note", default="", help="Why it is retired.")
@click.pass_obj
def rules_retire(obj: Context, card_id: str, who: str, role: str, note: str) -> None:
    """Retire CARD_ID: kept for the record, no longer run."""
    entry = retire(load_rulebook(obj.rules), card_id, who, role, note)
    click.echo(f"retired {entry.card_id} v{entry.version}")


@rules.command("report")
@click.option("--format", "fmt", type=click.Choice(["md", "pdf", "csv"]), default="md")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write here (atomically); needed for pdf.",
)
@click.pass_obj
def rules_report(obj: Context, fmt: str, output: Path | None) -> None:
    """The governance pack: each card as a one-page sheet (md, pdf), or the reviewers' CSV."""
    if fmt == "pdf" and output is None:
        raise click.UsageError("--format pdf needs --output FILE.pdf")
    from tmrplan import govreport  # plans the whole sweep: only when asked

    pack = govreport.build_pack(_planner(obj))
    data: str | bytes
    if fmt == "pdf":
        data = govreport.to_pdf(pack)
    else:
        data = govreport.to_markdown(pack) if fmt == "md" else govreport.to_review_csv(pack)
    if output is None:
        click.echo(data, nl=False)
    else:
        write_atomically(output, data)
        click.echo(f"wrote {output} ({len(pack.sheets)} cards, {pack.sweep_cases} sweep cases)")


@rules.command("test")
@click.pass_obj
def rules_test(obj: Context) -> None:
    """Run every card's own tests; exit 1 if any fails."""
    book = load_rulebook(obj.rules, known_sources=obj.kb.source_ids())
    results = run_card_tests(book)
    failed = 0
    for card in book.running:
        mine = [r for r in results if r.card is card]
        bad = [r for r in mine if not r.passed]
        failed += len(bad)
        click.echo(
            f"{'PASS' if not bad else 'FAIL'} {card.id} v{card.version} ({len(mine) - len(bad)}/{len(mine)})"
        )
        for r in bad:
            expected = "fire" if r.test.expect_fire else "not fire"
            click.echo(f"    {r.test.name!r}: expected the rule to {expected}")
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        sys.exit(EXIT_FINDINGS)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld"]), default="ttl")
@click.option("--derived", is_flag=True, help="Add the neuroma sites and their candidate donors.")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to this file (atomically) instead of standard output.",
)
@click.pass_obj
def export(obj: Context, fmt: str, derived: bool, output: Path | None) -> None:
    """Export the knowledge base as Turtle or JSON-LD, optionally with derived neuroma sites."""
    graph = Graph()
    for triple in obj.kb.graph:
        graph.add(triple)
    for prefix, namespace in obj.kb.graph.namespaces():
        graph.bind(prefix, namespace)
    if derived:
        graph += neuroma_sites_graph(_planner(obj).index)
    text = graph.serialize(format="turtle" if fmt == "ttl" else "json-ld")
    if output is None:
        click.echo(text)
        return
    write_atomically(output, text)


from tmrplan.cli_audit import audit  # noqa: E402  (here, not on top: other edits stay apart)

main.add_command(audit)

from tmrplan.cli_rules_governance import impact_command, lint_command  # noqa: E402  (as above)

rules.add_command(lint_command)
rules.add_command(impact_command)

from tmrplan.cli_app import app_command  # noqa: E402  (as above)

main.add_command(app_command)
