"""``tmrplan rules ...``: governance of the rule cards — list, test, review, report, lint, impact.

Exit codes as everywhere: 0 ok · 1 findings (failing card tests, lint errors, ``--check-semver``
violations) · 2 bad input (an unknown card or base) · 3 internal failure.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from tmrplan import paths
from tmrplan.cli.context import EXIT_FINDINGS, Context, emit
from tmrplan.rules.cards import load_rulebook
from tmrplan.rules.ledger import LedgerEntry
from tmrplan.rules.selftest import run_card_tests
from tmrplan.rules.signing import default_key, load_signers, signer_for


@click.group()
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


def _signing(command: Callable[..., None]) -> Callable[..., None]:
    """The options that say who signs: a key the signers file lists, and optionally which of its
    roles and the name the ledger shows."""
    for option in reversed(
        (
            click.option(
                "--key",
                "key_path",
                type=click.Path(path_type=Path, dir_okay=False),
                default=None,
                help="Your private SSH key (default: ~/.ssh/id_ed25519, id_ecdsa or id_rsa); its "
                "public key must be in rules/allowed_signers.",
            ),
            click.option(
                "--role", default=None, help="Which of your listed roles, if you have several."
            ),
            click.option(
                "--by",
                "who",
                default=None,
                help="The name the ledger shows (default: your identity in the signers file); "
                "the signature, not this name, says who you are.",
            ),
        )
    ):
        command = option(command)
    return command


def _signed(
    obj: Context,
    action: Callable[..., LedgerEntry],
    card_id: str,
    text: str,
    signing: tuple[Path | None, str | None, str | None],
) -> LedgerEntry:
    """Do a governance action on a card as the signer that ``--key``, ``--role`` and ``--by``
    name (the key must be listed in the rules folder's signers file)."""
    key_path, role, who = signing
    signers = load_signers(obj.rules or paths.rules_dir())
    signer = signer_for(signers, key_path or default_key(), role=role, name=who or None)
    return action(load_rulebook(obj.rules), card_id, signer, text)


@rules.command("submit")
@click.argument("card_id")
@_signing
@click.option("--note", default="", help="What the reviewers should look at.")
@click.pass_obj
def rules_submit(
    obj: Context, card_id: str, key_path: Path | None, role: str | None, who: str | None, note: str
) -> None:
    """Submit draft CARD_ID for review: status in_review (then someone else may approve it)."""
    from tmrplan.governance.actions import submit_for_review

    entry = _signed(obj, submit_for_review, card_id, note, (key_path, role, who))
    click.echo(
        f"submitted {entry.card_id} v{entry.version} ({entry.content_hash[:12]}) for review, "
        f"signed as {entry.principal}"
    )


@rules.command("approve")
@click.argument("card_id")
@_signing
@click.option("--note", default="", help="Why, or under what conditions.")
@click.pass_obj
def rules_approve(
    obj: Context, card_id: str, key_path: Path | None, role: str | None, who: str | None, note: str
) -> None:
    """Approve CARD_ID at its current content: status active, reviewer you, a signed entry in
    the ledger."""
    from tmrplan.governance.actions import approve

    entry = _signed(obj, approve, card_id, note, (key_path, role, who))
    click.echo(
        f"approved {entry.card_id} v{entry.version} ({entry.content_hash[:12]}), signed as "
        f"{entry.principal}"
    )


@rules.command("comment")
@click.argument("card_id")
@click.argument("text")
@_signing
@click.pass_obj
def rules_comment(
    obj: Context, card_id: str, text: str, key_path: Path | None, role: str | None, who: str | None
) -> None:
    """Record a signed review comment on CARD_ID's current content."""
    from tmrplan.governance.actions import comment

    entry = _signed(obj, comment, card_id, text, (key_path, role, who))
    click.echo(
        f"comment {entry.seq} on {entry.card_id} v{entry.version} recorded, signed as "
        f"{entry.principal}"
    )


@rules.command("retire")
@click.argument("card_id")
@_signing
@click.option("--note", default="", help="Why it is retired.")
@click.pass_obj
def rules_retire(
    obj: Context, card_id: str, key_path: Path | None, role: str | None, who: str | None, note: str
) -> None:
    """Retire CARD_ID: kept for the record, no longer run."""
    from tmrplan.governance.actions import retire

    entry = _signed(obj, retire, card_id, note, (key_path, role, who))
    click.echo(f"retired {entry.card_id} v{entry.version}, signed as {entry.principal}")


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
    from tmrplan.governance import pack as govreport  # plans the whole sweep: only when asked

    pack = govreport.build_pack(obj.planner)
    data: str | bytes
    if fmt == "pdf":
        data = govreport.to_pdf(pack)
    else:
        data = govreport.to_markdown(pack) if fmt == "md" else govreport.to_review_csv(pack)
    emit(data, output)
    if output is not None:
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


@rules.command("lint")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def lint_command(obj: Context, fmt: str) -> None:
    """Check the rule set: conflicts and gaps (errors: exit 1), duplicates and subsumed cards
    (warnings), statically and on every candidate of the exhaustive sweep."""
    planner = obj.unvalidated_planner()
    from tmrplan.planning.sweep import candidate_facts, sweep_cases
    from tmrplan.rules.lint import lint

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


@rules.command("impact")
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
    from tmrplan.governance.impact import impact, to_json_dict, to_markdown, to_text

    report = impact(base, obj.planner, sweep=not reference_only, validate_base=validate_base)
    if fmt == "json":
        text = json.dumps(to_json_dict(report), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "md":
        text = to_markdown(report)
    else:
        text = to_text(report)
    emit(text, output)
    if output is not None:
        click.echo(f"wrote {output}: {len(report.diffs)} changed plan(s)", err=True)
    if check_semver and report.violations:
        sys.exit(EXIT_FINDINGS)
