"""The approvals ledger: who approved, commented on or retired which card, at which content.

A text file released with the cards (``rules/approvals.jsonl``), one JSON object per line, each
carrying the previous entry's hash: entries are only ever appended, and any edit, deletion or
reordering breaks the chain, which stops loading with the file and line. A card counts as
approved only while its *current* content hash has an approval by someone other than its author,
so editing a card voids its approval without anyone having to remember to.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tmrplan.atomic import write_atomically
from tmrplan.errors import RuleFileError
from tmrplan.hashchain import GENESIS, canonical_json, entry_hash

LEDGER_FILE = "approvals.jsonl"
ACTIONS = ("approve", "comment", "retire")


@dataclass(frozen=True)
class LedgerEntry:
    """One line of the ledger."""

    seq: int
    at: str
    who: str
    role: str
    action: str
    card_id: str
    version: str
    content_hash: str
    text: str
    prev: str
    hash: str

    def body(self) -> dict[str, Any]:
        """The hashed fields (everything but the hash itself)."""
        return {k: v for k, v in self.__dict__.items() if k != "hash"}


@dataclass(frozen=True)
class Ledger:
    """The parsed, chain-checked ledger of a rules directory."""

    path: Path
    entries: tuple[LedgerEntry, ...]

    def approved_hashes(self, card_id: str, author: str) -> frozenset[str]:
        """Content hashes of ``card_id`` approved by someone other than its author."""
        return frozenset(
            e.content_hash
            for e in self.entries
            if e.action == "approve" and e.card_id == card_id and not same_person(e.who, author)
        )

    def about(self, card_id: str) -> tuple[LedgerEntry, ...]:
        """Every entry about one card, oldest first."""
        return tuple(e for e in self.entries if e.card_id == card_id)

    def append(
        self,
        *,
        who: str,
        role: str,
        action: str,
        card_id: str,
        version: str,
        content_hash: str,
        text: str = "",
        now: dt.datetime | None = None,
    ) -> Ledger:
        """Append one entry (the whole file is rewritten atomically: old or new, never half).

        Raises:
            RuleFileError: for an unknown action or an empty name or role.
        """
        if action not in ACTIONS:
            raise RuleFileError(
                f"ledger action {action!r} is not one of {', '.join(ACTIONS)}",
                path=str(self.path),
                rule_id=card_id,
            )
        if not who.strip() or not role.strip():
            raise RuleFileError(
                "a ledger entry needs the name and role of who makes it",
                path=str(self.path),
                rule_id=card_id,
            )
        body: dict[str, Any] = {
            "seq": len(self.entries) + 1,
            "at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
            "who": who.strip(),
            "role": role.strip(),
            "action": action,
            "card_id": card_id,
            "version": version,
            "content_hash": content_hash,
            "text": text.strip(),
            "prev": self.entries[-1].hash if self.entries else GENESIS,
        }
        entry = LedgerEntry(**body, hash=entry_hash(body))
        lines = [canonical_json({**e.body(), "hash": e.hash}) for e in (*self.entries, entry)]
        write_atomically(self.path, "".join(line + "\n" for line in lines))
        return Ledger(self.path, (*self.entries, entry))


def same_person(a: str, b: str) -> bool:
    # Names are self-declared (no login system yet): compare them loosely so that a change of
    # case or spacing does not let an author approve their own card.
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def load_ledger(rules_dir: Path) -> Ledger:
    """Read and check the ledger of a rules directory (an absent file is an empty ledger).

    Raises:
        RuleFileError: naming the line of the first malformed entry or broken link.
    """
    path = rules_dir / LEDGER_FILE
    if not path.is_file():
        return Ledger(path, ())
    entries: list[LedgerEntry] = []
    prev = GENESIS
    # "\n" only: splitlines() would also split at U+2028 and friends, which JSON keeps raw.
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            entry = LedgerEntry(**data)
        except (json.JSONDecodeError, TypeError) as error:
            raise RuleFileError(
                f"not a ledger entry ({error})", path=str(path), line=number
            ) from None
        if entry.prev != prev or entry.hash != entry_hash(entry.body()):
            what = "links to the wrong entry" if entry.prev != prev else "was altered"
            raise RuleFileError(
                f"approvals ledger chain broken: entry {entry.seq} {what}",
                path=str(path),
                line=number,
                rule_id=entry.card_id,
            )
        entries.append(entry)
        prev = entry.hash
    return Ledger(path, tuple(entries))
