"""The approvals ledger: who submitted for review, approved, commented on or retired which card,
at which content.

A text file released with the cards (``rules/approvals.jsonl``), one JSON object per line, each
carrying the previous entry's hash: entries are only ever appended, and any edit, deletion or
reordering breaks the chain, which stops loading with the file and line. A card counts as
approved only while its *current* content hash has an approval by someone other than its author,
so editing a card voids its approval without anyone having to remember to.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tmrplan.atomic import write_atomically
from tmrplan.errors import RuleFileError
from tmrplan.hashchain import GENESIS, ChainResult, canonical_json, entry_hash, verify_chain

LEDGER_FILE = "approvals.jsonl"
ACTIONS = ("approve", "comment", "retire", "submit")


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
        RuleFileError: naming the line of the first unreadable entry or broken link, or a file
            that cannot be read.

    Example:
        >>> import tempfile
        >>> load_ledger(Path(tempfile.mkdtemp())).entries
        ()
    """
    path = rules_dir / LEDGER_FILE
    if not path.is_file():
        return Ledger(path, ())
    check = check_ledger_file(path)
    if not check.result.ok:
        raise RuleFileError(
            f"approvals ledger chain broken: {check.result.reason}",
            path=str(path),
            line=check.result.first_broken,
            rule_id=check.broken_card_id,
        )
    return Ledger(path, check.entries)


@dataclass(frozen=True)
class LedgerCheck:
    """What reading a ledger file found: the chain's verdict and the entries intact before any
    break. ``result.first_broken`` is a 1-based line number of the file."""

    result: ChainResult
    entries: tuple[LedgerEntry, ...]
    broken_card_id: str | None = None


# The fields of an entry and their JSON types: an entry with others, or fewer, is not one.
_FIELD_TYPES: dict[str, type] = {f.name: str for f in fields(LedgerEntry)} | {"seq": int}


def check_ledger_file(path: Path) -> LedgerCheck:
    """Read a ledger file and check every line: UTF-8 JSON, an entry's fields with their types,
    hashed and linked to the line before (:func:`tmrplan.hashchain.verify_chain`).

    The one reader of the ledger: the loader refuses exactly what ``tmrplan audit verify``
    reports broken. Lines are split on ``\\n`` only (a comment may hold U+2028, which
    ``str.splitlines`` would split on); lines of ASCII whitespace only are skipped.

    Raises:
        RuleFileError: if the file cannot be read.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> ledger = Ledger(folder / LEDGER_FILE, ()).append(
        ...     who="B", role="surgeon", action="approve", card_id="R-1", version="1.0.0",
        ...     content_hash="c" * 64)
        >>> check_ledger_file(folder / LEDGER_FILE).result.ok
        True
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RuleFileError(f"cannot read: {error.strerror}", path=str(path)) from error
    objects: list[Any] = []
    numbers: list[int] = []
    unreadable: tuple[int, str] | None = None
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            objects.append(json.loads(raw.decode("utf-8")))
        except UnicodeDecodeError:
            unreadable = (number, "not UTF-8 text")
            break
        except (json.JSONDecodeError, RecursionError) as error:
            why = error.msg if isinstance(error, json.JSONDecodeError) else "nested too deeply"
            unreadable = (number, f"not JSON ({why})")
            break
        except ValueError as error:  # a number longer than int()'s digit limit
            unreadable = (number, f"not JSON ({str(error).split(':')[0]})")
            break
        numbers.append(number)
    chain = verify_chain(objects)
    intact = objects[: chain.checked]
    entries: list[LedgerEntry] = []
    for index, obj in enumerate(intact):
        problem = _shape_problem(obj)
        if problem is not None:
            return LedgerCheck(
                ChainResult(False, index, numbers[index], problem),
                tuple(entries),
                _card_id(obj),
            )
        entries.append(LedgerEntry(**obj))
    if not chain.ok and chain.first_broken is not None:
        broken = objects[chain.first_broken - 1]
        line = numbers[chain.first_broken - 1]
        result = ChainResult(False, chain.checked, line, chain.reason)
        return LedgerCheck(result, tuple(entries), _card_id(broken))
    if unreadable is not None:
        return LedgerCheck(ChainResult(False, chain.checked, *unreadable), tuple(entries))
    return LedgerCheck(chain, tuple(entries))


def _shape_problem(obj: dict[str, Any]) -> str | None:
    """Why an intact chain link is still not a ledger entry, or None."""
    missing = sorted(set(_FIELD_TYPES) - set(obj))
    extra = sorted(set(obj) - set(_FIELD_TYPES))
    if missing or extra:
        parts = [f"missing {', '.join(map(repr, missing))}" if missing else "",
                 f"unknown {', '.join(map(repr, extra))}" if extra else ""]  # fmt: skip
        return f"not a ledger entry: fields {'; '.join(p for p in parts if p)}"
    for key, kind in _FIELD_TYPES.items():
        value = obj[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            return (
                f"not a ledger entry: {key!r} is not {'a whole number' if kind is int else 'text'}"
            )
    return None


def _card_id(obj: object) -> str | None:
    card_id = obj.get("card_id") if isinstance(obj, dict) else None
    return card_id if isinstance(card_id, str) else None
