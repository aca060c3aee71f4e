"""Governance actions on rule cards: submit for review, approve, comment, retire, each written
to the ledger.

Submitting a draft sets its status to ``in_review`` (the step before an approval); approving sets
the status to ``active`` and the ``reviewer`` to the approver, then records the hash of that new
content; retiring sets ``retired``. Only those lines of the YAML change, so the author's wording,
comments and layout stay as written. Approve and retire take the content hash the reviewer read
(``read_hash``): if the card changed since, nothing is written. Every action is signed by a
:class:`~tmrplan.rules.signing.Signer` the signers file lists (checked again under the lock, so a
signer removed from the file meanwhile writes nothing), and the two-person rule is by signer
identity (:meth:`~tmrplan.rules.ledger.Ledger.by_author`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tmrplan.atomic import write_atomically
from tmrplan.errors import OutputError, RuleFileError
from tmrplan.rules.cards import RuleBook, RuleCard, parse_card
from tmrplan.rules.ledger import LedgerEntry, check_name, load_ledger
from tmrplan.rules.ranking import RankingCard, parse_ranking
from tmrplan.rules.signing import Signer, load_signers

APPROVABLE = ("in_review", "active")
LOCK_FILE = ".governance.lock"


@contextmanager
def one_action_at_a_time(rules_dir: Path) -> Iterator[None]:
    """Hold the rules folder's governance lock (across threads and processes: the app's sessions
    and the command line). Each action reads the ledger and a card and writes them back; two at
    once would each append to the same ledger and one entry would be lost."""
    try:
        handle = open(rules_dir / LOCK_FILE, "a")  # noqa: SIM115  (closed below)
    except OSError as exc:
        raise OutputError(
            f"cannot write to the rules folder {str(rules_dir)!r}: {exc.strerror}"
        ) from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # per open file: threads of one process wait too
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_approve(book: RuleBook, card_id: str, signer: Signer) -> RuleCard | RankingCard:
    """The card ``signer`` may approve, checked without writing anything (a screen asks for
    confirmation only of an approval that would be accepted).

    Raises:
        UnknownEntityError: for an unknown card id (with close ids).
        RuleFileError: if the approver's name holds a control or invisible character, the
            approver is the author (by identity, key or name), or the card is not in review or
            active.
    """
    card = book.get(card_id)
    _check_name(signer.name, card)
    ledger = load_ledger(book.directory)
    if ledger.by_author(card.id, card.author, signer.identity, signer.public_key, signer.name):
        raise _refused(
            f"{signer.name!r} ({signer.principal}) is the card's author; an approval must come "
            "from someone else",
            card,
        )
    if card.status not in APPROVABLE:
        raise _refused(
            f"status {card.status!r} cannot be approved; set it to in_review first "
            f"(approvable: {', '.join(APPROVABLE)})",
            card,
        )
    return card


def approve(
    book: RuleBook,
    card_id: str,
    signer: Signer,
    note: str = "",
    now: dt.datetime | None = None,
    *,
    read_hash: str | None = None,
) -> LedgerEntry:
    """Approve a card at its current wording (status becomes active, reviewer the approver).

    Args:
        read_hash: the content hash the approver read; if given and the card's differs, the
            card changed since and nothing is written.

    Raises:
        UnknownEntityError: for an unknown card id (with close ids).
        RuleFileError: if the approver is the author, the card is not in review or active, or
            it is not the content read.
    """
    with one_action_at_a_time(book.directory):
        card = check_approve(book, card_id, signer)
        _check_signer(book, signer, card)
        _check_read(card, read_hash)
        updated = _rewrite(card, status="active", reviewer=signer.name)
        return _record(book, updated, signer, "approve", note, now)


def submit_for_review(
    book: RuleBook,
    card_id: str,
    signer: Signer,
    note: str = "",
    now: dt.datetime | None = None,
) -> LedgerEntry:
    """Put a draft card in review (status ``in_review``): the step before anyone may approve it.
    Its author may submit it; the ledger records who did, at the new content.

    Raises:
        UnknownEntityError: for an unknown card id (with close ids).
        RuleFileError: if the card is not a draft.
    """
    card = book.get(card_id)
    _check_name(signer.name, card)
    if card.status != "draft":
        raise _refused(
            f"status {card.status!r} cannot be submitted for review; only a draft can", card
        )
    with one_action_at_a_time(book.directory):
        _check_signer(book, signer, card)
        updated = _rewrite(card, status="in_review")
        return _record(book, updated, signer, "submit", note, now)


def _check_read(card: RuleCard | RankingCard, read_hash: str | None) -> None:
    if read_hash is not None and read_hash != card.content_hash:
        raise _refused(
            f"the card changed since it was read (read at content hash {read_hash[:12]}, now "
            f"{card.content_hash[:12]}); read it again before recording",
            card,
        )


def comment(
    book: RuleBook, card_id: str, signer: Signer, text: str, now: dt.datetime | None = None
) -> LedgerEntry:
    """Record a reviewer's comment on a card's current content (the card is not changed)."""
    card = book.get(card_id)
    _check_name(signer.name, card)
    if not text.strip():
        raise _refused("a comment needs text", card, at_line=False)
    with one_action_at_a_time(book.directory):
        _check_signer(book, signer, card)
        return _record(book, card, signer, "comment", text, now)


def check_retire(book: RuleBook, card_id: str) -> RuleCard | RankingCard:
    """The card that may be retired, checked without writing anything.

    Raises:
        UnknownEntityError: for an unknown card id (with close ids).
        RuleFileError: if it is retired already, or is the ranking card (plans need an order).
    """
    card = book.get(card_id)
    if card.status == "retired":
        raise _refused("the card is retired already", card, at_line=False)
    if isinstance(card, RankingCard):
        raise _refused(
            "the ranking card cannot be retired: plans need an order; revise it instead",
            card,
            at_line=False,
        )
    return card


def retire(
    book: RuleBook,
    card_id: str,
    signer: Signer,
    note: str = "",
    now: dt.datetime | None = None,
    *,
    read_hash: str | None = None,
) -> LedgerEntry:
    """Retire a card: it stays in the record but no longer runs.

    Args:
        read_hash: the content hash the reviewer read; if given and the card's differs, the
            card changed since and nothing is written.

    Raises:
        UnknownEntityError: for an unknown card id (with close ids).
        RuleFileError: see :func:`check_retire`, or the card is not the content read.
    """
    with one_action_at_a_time(book.directory):
        card = check_retire(book, card_id)
        _check_name(signer.name, card)
        _check_signer(book, signer, card)
        _check_read(card, read_hash)
        updated = _rewrite(card, status="retired")
        return _record(book, updated, signer, "retire", note, now)


@dataclass(frozen=True)
class Rewrite:
    """A card's new content and the text that holds it, to write after its ledger entry."""

    card: RuleCard | RankingCard
    text: str


def _record(
    book: RuleBook,
    change: RuleCard | RankingCard | Rewrite,
    signer: Signer,
    action: str,
    text: str,
    now: dt.datetime | None,
) -> LedgerEntry:
    """Sign and append the entry, then write the card's new text, if any. In this order: an
    entry that cannot be signed or appended (a key that will not sign, a name of spaces) leaves
    the card as it was, where a card written first would have been retired or made active with
    no entry; a card that then cannot be written leaves an entry for content nobody has (it
    approves nothing, and a retirement only withdraws approvals)."""
    card = change.card if isinstance(change, Rewrite) else change
    ledger = load_ledger(book.directory).append(
        signer=signer,
        action=action,
        card_id=card.id,
        version=card.version,
        content_hash=card.content_hash,
        text=text,
        now=now,
    )
    if isinstance(change, Rewrite):
        write_atomically(card.path, change.text)
    return ledger.entries[-1]


def _rewrite(card: RuleCard | RankingCard, **fields: str) -> Rewrite:
    """A card with top-level scalar fields set, in place in its text (re-parsed), not yet
    written: :func:`_record` writes it once the ledger holds the signed entry."""
    text = card.path.read_text(encoding="utf-8")
    for key, value in fields.items():
        matches = list(re.finditer(rf"^{key}:.*$", text, re.MULTILINE))
        if len(matches) != 1:
            raise _refused(
                f"cannot find exactly one top-level '{key}:' line to update", card, at_line=False
            )
        # JSON strings are valid YAML scalars: the name is stored exactly, whatever it contains.
        line = f"{key}: {json.dumps(value, ensure_ascii=False)}"
        text = text[: matches[0].start()] + line + text[matches[0].end() :]
    if isinstance(card, RankingCard):
        updated: RuleCard | RankingCard = parse_ranking(text, Path(card.path))
    else:
        updated = parse_card(text, Path(card.path))
    return Rewrite(updated, text)


def _check_signer(book: RuleBook, signer: Signer, card: RuleCard | RankingCard) -> None:
    """Refuse a signer the signers file does not list with their key (read under the lock: the
    committee may have removed them since the screen was drawn)."""
    signers = load_signers(book.directory)
    if signer.principal not in {s.principal for s in signers.for_key(signer.public_key)}:
        raise _refused(
            f"{signer.principal!r} with this key is not in the signers file "
            f"({signers.path}); its entries would not count, so nothing was written",
            card,
            at_line=False,
        )


def _check_name(who: str, card: RuleCard | RankingCard, what: str = "name") -> None:
    """Refuse a name that could print like someone else's (the ledger refuses it too; checked
    here so that a screen never asks to confirm an action that would be refused)."""
    problem = check_name(who, what)
    if problem is not None:
        raise _refused(problem, card, at_line=False)


def _refused(message: str, card: RuleCard | RankingCard, *, at_line: bool = True) -> RuleFileError:
    """Why an action on ``card`` is refused, naming its file (and its line, where the refusal is
    about what the card says)."""
    return RuleFileError(
        message, path=str(card.path), line=card.line if at_line else None, rule_id=card.id
    )
