"""``tmrplan rules lint`` and ``tmrplan rules impact``: governance checks of the rule set.

Commands of the ``rules`` group in :mod:`tmrplan.cli`, taking the same :class:`Context` object
(``--ontology``/``--rules``). This module does not import :mod:`tmrplan.cli` at load time (the CLI
imports it, at its end, to add these commands), only inside the commands.

Exit codes as everywhere: 0 ok · 1 findings (lint errors; ``--check-semver`` violations) ·
2 bad input (an unknown base) · 3 internal failure.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tmrplan.impact import impact, to_json_dict, to_markdown, to_text
from tmrplan.rulelint import lint
from tmrplan.sweep import candidate_facts, sweep_cases
from tmrplan.writes import write_atomically

if TYPE_CHECKING:
    from tmrplan.cli import Context
    from tmrplan.planner import Planner

EXIT_FINDINGS = 1


def _planner(obj: Context) -> Planner:
    """The context's planner (loaded and validated once, as for ``plan``)."""
    from tmrplan.cli import _planner as load

    return load(obj)


def _unvalidated_planner(obj: Context) -> Planner:
    """The context's planner if loaded already, else one without knowledge-base validation:
    linting the rules needs the anatomy's facts, and ``tmrplan check`` validates on its own
    (``make test`` runs it first), so lint does not pay for SHACL a second time."""
    if obj._planner is not None:
        return obj._planner
    from tmrplan.planner import Planner
    from tmrplan.rulebook import load_rulebook

    kb = obj.kb
    return Planner(kb, load_rulebook(obj.rules, known_sources=kb.source_ids()))


@click.command("lint")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def lint_command(obj: Context, fmt: str) -> None:
    """Check the rule set: conflicts and gaps (errors: exit 1), duplicates and subsumed cards
    (warnings), statically and on every candidate of the exhaustive sweep."""
    planner = _unvalidated_planner(obj)
    cases = sweep_cases(planner.kb, planner.index)
    facts = candidate_facts(planner.index, cases)
    findings = lint(planner.rulebook, facts, engine=planner.engine)
    errors = sum(f.severity == "error" for f in findings)
    summary = {
        "rules_version": planner.rulebook.version,
        "running_cards": len(planner.rulebook.running),
        "sweep_cases": len(cases),
        "candidates": sum(f.count for f in facts),
        "distinct_fact_sets": len(facts),
        "errors": errors,
        "warnings": len(findings) - errors,
    }
    if fmt == "json":
        rows = [
            {
                "kind": f.kind,
                "severity": f.severity,
                "card_ids": list(f.card_ids),
                "message": f.message,
            }
            for f in findings
        ]
        click.echo(json.dumps({**summary, "findings": rows}, indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            click.echo(str(finding))
        click.echo(
            f"{errors} error(s), {summary['warnings']} warning(s) in {summary['running_cards']} "
            f"running cards (rules {summary['rules_version']}); checked on "
            f"{summary['candidates']} candidates of {summary['sweep_cases']} sweep cases "
            f"({summary['distinct_fact_sets']} distinct fact sets)"
        )
    if errors:
        sys.exit(EXIT_FINDINGS)


@click.command("impact")
@click.option(
    "--base",
    "base",
    required=True,
    metavar="REV_OR_DIR",
    help="A git revision (HEAD, main~1, a tag) or a directory holding ontology/ and rules/.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the report to this file (atomically) instead of standard output.",
)
@click.option(
    "--reference-only", is_flag=True, help="Compare the reference cases only, not the sweep."
)
@click.option(
    "--validate-base", is_flag=True, help="Validate the base knowledge base too (slower)."
)
@click.option(
    "--check-semver",
    is_flag=True,
    help="Exit 1 if a reference plan changes because of a card whose MAJOR version did not.",
)
@click.pass_obj
def impact_command(
    obj: Context,
    base: str,
    fmt: str,
    output: Path | None,
    reference_only: bool,
    validate_base: bool,
    check_semver: bool,
) -> None:
    """Which plans change between --base and the current rules and ontology, and why: every
    reference case and every neuroma nerve at every level, under both."""
    report = impact(base, _planner(obj), sweep=not reference_only, validate_base=validate_base)
    if fmt == "json":
        text = json.dumps(to_json_dict(report), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "md":
        text = to_markdown(report)
    else:
        text = to_text(report)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomically(output, text)
        click.echo(f"wrote {output}: {len(report.diffs)} changed plan(s)", err=True)
    if check_semver and report.violations:
        sys.exit(EXIT_FINDINGS)
