"""``tmrplan audit log|verify``: read the app's audit log and check both hash chains.

Exit codes as everywhere (:mod:`tmrplan.cli.context`): 0 ok · 1 a chain is broken · 2 bad input (no audit log at the
path, not an audit log, unreadable ledger file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tmrplan import paths
from tmrplan.cli.context import EXIT_FINDINGS, ErrorMappingGroup
from tmrplan.errors import AuditLogError
from tmrplan.governance.audit import AuditEvent, AuditLog
from tmrplan.rules.ledger import LEDGER_FILE, check_ledger_file


@click.group(cls=ErrorMappingGroup)
def audit() -> None:
    """Governance: the app's audit log and the approvals ledger, both hash-chained."""


_db_option = click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Audit database (default: TMRPLAN_AUDIT_DB, else the user's data dir).",
)


def _open(db: Path | None) -> AuditLog:
    path = db or paths.audit_db()
    if not path.is_file():
        # Opening would create an empty log; reading one that is not there is a wrong path.
        raise AuditLogError(f"no audit log at {str(path)!r} (set TMRPLAN_AUDIT_DB or pass --db)")
    return AuditLog(path)


@audit.command("log")
@_db_option
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Newest events to show (0: all).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def audit_log(db: Path | None, limit: int, fmt: str) -> None:
    """The newest events of the audit log, oldest first."""
    with _open(db) as log:
        events = log.events(limit or None)
    if fmt == "json":
        click.echo(json.dumps([e.to_dict() for e in events], indent=2, ensure_ascii=False))
        return
    for event in events:
        click.echo(to_text(event))


def to_text(event: AuditEvent) -> str:
    """One event on one line: seq, time, actor, kind, detail, short hash.

    Example:
        >>> print(to_text(AuditEvent(3, "2026-01-02T03:04:05+00:00", "app", "export",
        ...                          {"format": "pdf"}, "0" * 64, "ab" * 32)))
             3  2026-01-02T03:04:05+00:00  app  export  format=pdf  [abababab]
    """
    if isinstance(event.detail, dict):
        detail = " ".join(f"{k}={_value(v)}" for k, v in event.detail.items())
    else:
        detail = repr(event.detail)
    return f"{event.seq:>6}  {event.at}  {event.actor}  {event.kind}  {detail}  [{event.hash[:8]}]"


def _value(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@audit.command("verify")
@_db_option
@click.pass_obj
def audit_verify(obj: object, db: Path | None) -> None:
    """Check the audit log's chain and, if present, the approvals ledger's; name the first
    broken link of each."""
    broken = False
    with _open(db) as log:
        result = log.verify()
    where = f"audit log {str(log.path)!r}"
    if result.ok:
        click.echo(f"{where}: ok, {_count(result.checked, 'event', 'events')} intact")
    else:
        broken = True
        click.echo(
            f"{where}: BROKEN at seq {result.first_broken_seq}: {result.reason} "
            f"({_count(result.checked, 'event', 'events')} intact before it)"
        )
    # The global --rules option of tmrplan.cli.main, when run under it.
    rules: Path = getattr(obj, "rules", None) or paths.rules_dir()
    ledger = rules / LEDGER_FILE
    where = f"approvals ledger {str(ledger)!r}"
    if not ledger.is_file():
        click.echo(f"{where}: none")
    else:
        chain = check_ledger_file(ledger).result
        if chain.ok:
            click.echo(f"{where}: ok, {_count(chain.checked, 'entry', 'entries')} intact")
        else:
            broken = True
            click.echo(
                f"{where}: BROKEN at line {chain.first_broken}: {chain.reason} "
                f"({_count(chain.checked, 'entry', 'entries')} intact before it)"
            )
    if broken:
        sys.exit(EXIT_FINDINGS)
