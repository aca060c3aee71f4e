"""``tmrplan audit log|verify``: read the app's audit log and check both hash chains.

Both commands only read: neither creates, migrates nor gives a schema to a file.

Exit codes as everywhere (:mod:`tmrplan.cli.context`): 0 ok · 1 a chain is broken (an entry
altered, deleted or reordered, entries cut off the end by its checkpoint, an empty audit file) ·
2 bad input (no audit log at the path for ``log``, not an audit log, an unreadable file, a limit
that is not a whole number).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

import click

from tmrplan import paths
from tmrplan.cli.context import EXIT_FINDINGS, ErrorMappingGroup
from tmrplan.governance.audit import AuditEvent, read_events, verify_file
from tmrplan.hashchain import ChainHead
from tmrplan.rules.ledger import CHECKPOINT_FILE, LEDGER_FILE, Ledger, check_ledger_file
from tmrplan.text import to_short_repr


@click.group(cls=ErrorMappingGroup)
def audit() -> None:
    """Governance: the app's audit log and the approvals ledger, both hash-chained."""


_db_option = click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Audit database (default: TMRPLAN_AUDIT_DB, else the user's data dir).",
)


class _Limit(click.ParamType[int]):
    """A whole number of 0 or more, any size (more than the log holds means all of it); a bad
    value is named cut short, never echoed whole."""

    name = "integer"
    _MAX_DIGITS = 30

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return int(value)
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()):
            self.fail(f"{to_short_repr(str(value))} is not a whole number of 0 or more", param, ctx)
        if len(text.lstrip("0")) > self._MAX_DIGITS:
            return sys.maxsize  # more events than any log holds: all of them
        return int(text)


@audit.command("log")
@_db_option
@click.option(
    "--limit",
    type=_Limit(),
    default=20,
    show_default=True,
    help="Newest events to show (0: all).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def audit_log(db: Path | None, limit: int, fmt: str) -> None:
    """The newest events of the audit log, oldest first."""
    events = read_events(db or paths.audit_db(), limit or None)
    if fmt == "json":
        text = json.dumps(
            [e.to_dict() for e in events], indent=2, ensure_ascii=False, default=to_short_repr
        )
        click.echo(_printable(text))
        return
    for event in events:
        click.echo(_printable(to_text(event)))


def _printable(text: str) -> str:
    # A tampered row may hold bytes that are not UTF-8 (read as lone surrogates): shown escaped.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def to_text(event: AuditEvent) -> str:
    """One event on one line: seq, time, actor, kind, detail, short hash.

    Example:
        >>> print(to_text(AuditEvent(3, "2026-01-02T03:04+00:00", "app", "export",
        ...                          {"format": "pdf"}, "0" * 64, "ab" * 32)))
             3  2026-01-02T03:04+00:00  app  export  format=pdf  [abababab]
    """
    if isinstance(event.detail, dict):
        detail = " ".join(f"{k}={_value(v)}" for k, v in event.detail.items())
    else:
        detail = to_short_repr(event.detail, 80)  # not a JSON object: tampering, shown short
    digest = event.hash[:8] if isinstance(event.hash, str) else to_short_repr(event.hash, 20)
    return f"{event.seq:>6}  {event.at}  {event.actor}  {event.kind}  {detail}  [{digest}]"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 200 else f"{text[:199]}…"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _checkpoint_words(checkpoint: ChainHead | None, one: str) -> str:
    if checkpoint is None:
        return "no checkpoint"
    return f"checkpoint at {one} {checkpoint.count} ({checkpoint.head[:12]})"


@audit.command("verify")
@_db_option
@click.pass_obj
def audit_verify(obj: object, db: Path | None) -> None:
    """Check each chain that exists, read-only: the audit log's and the approvals ledger's,
    each against its checkpoint; name the first broken link of each."""
    broken = False
    path = db or paths.audit_db()
    where = f"audit log {str(path)!r}"
    result = verify_file(path)
    if result is None:
        click.echo(f"{where}: none")
    elif result.ok:
        click.echo(
            f"{where}: ok, {_count(result.checked, 'event', 'events')} intact; "
            f"{_checkpoint_words(result.checkpoint, 'event')}"
        )
    else:
        broken = True
        at = f" at seq {result.first_broken_seq}" if result.first_broken_seq is not None else ""
        click.echo(
            f"{where}: BROKEN{at}: {result.reason} "
            f"({_count(result.checked, 'event', 'events')} intact before it)"
        )
    # The global --rules option of tmrplan.cli.main, when run under it.
    rules: Path = getattr(obj, "rules", None) or paths.rules_dir()
    ledger = rules / LEDGER_FILE
    where = f"approvals ledger {str(ledger)!r}"
    if not ledger.is_file() and not (rules / CHECKPOINT_FILE).exists():
        click.echo(f"{where}: none")
    else:
        check = check_ledger_file(ledger)
        chain = check.result
        if chain.ok:
            click.echo(
                f"{where}: ok, {_count(chain.checked, 'entry', 'entries')} intact; "
                f"{_checkpoint_words(check.checkpoint, 'entry')}"
            )
        else:
            broken = True
            click.echo(
                f"{where}: BROKEN at line {chain.first_broken}: {chain.reason} "
                f"({_count(chain.checked, 'entry', 'entries')} intact before it)"
            )
        broken = _not_counted(Ledger(ledger, check.entries)) or broken
    if broken:
        sys.exit(EXIT_FINDINGS)


def _not_counted(ledger: Ledger) -> bool:
    """Name every intact entry whose signature is missing or does not verify against the
    signers file (it is kept, shown, and never counted); whether there was one."""
    refused = ledger.not_counted()
    if refused:
        click.echo(
            f"  {_count(len(refused), 'entry does', 'entries do')} not count (signature checked "
            f"against {str(ledger.signers.path)!r}):"
        )
    for entry, why in refused:
        fields = (entry.action, entry.card_id, entry.version, entry.who, entry.principal, why)
        action, card_id, version, who, principal, why = map(_inert, fields)
        click.echo(
            _printable(
                f"  seq {entry.seq}: {action} of {card_id} v{version} by {who} "
                f"({principal or 'no signer'}): {why}"
            )
        )
    return bool(refused)


def _inert(value: str) -> str:
    """A value of a ledger entry (anyone who can write the file chose it) as text that cannot act
    on a terminal or forge a line: control, format and line-separator characters escaped.

    Example:
        >>> _inert("Dr X\\x1b[2J\\u202eok")
        'Dr X\\\\x1b[2J\\\\u202eok'
    """
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")
        else char
        for char in value
    )
