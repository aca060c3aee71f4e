"""Hash chains: canonical JSON, entry hashes, and one verifier for every chained record.

Two records are chained: the app's audit log (SQLite, ``tmrplan.governance.audit``) and the rules approvals
ledger (``rules/approvals.jsonl``, ``tmrplan.rules.ledger``). Each entry carries the hash of the entry
before it and its own hash, the SHA-256 of the canonical JSON of the entry without its hash field.
Editing, deleting, inserting or reordering an entry therefore breaks a link that anyone can
recompute from the data alone, with nothing but ``json`` and ``hashlib``.

A chain cannot show that entries were cut off its *end*: what is left is a shorter chain, just
as intact. So each chain keeps a **checkpoint** beside it, its count and newest hash
(:class:`ChainHead`), rewritten after every append, and plans and exports carry the heads they
were made under. A chain shorter than a checkpoint of it, or whose entry at the checkpoint's count
has another hash, was cut or rewritten. A checkpoint *behind* its chain is not a fault (a writer
stopped between the two writes); cutting both the chain and its checkpoint is still seen against
any plan or export that carries a later head.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tmrplan.atomic import write_atomically

GENESIS = "0" * 64
"""The ``prev`` of the first entry of every chain."""


def canonical_json(obj: Any) -> str:
    """The one text of a JSON value: sorted keys, no whitespace, non-ASCII kept as is.

    Raises:
        TypeError: for a value JSON cannot represent.
        ValueError: for NaN or infinity (not JSON, and not stable across readers).

    Example:
        >>> canonical_json({"b": [1, True], "a": "Ä"})
        '{"a":"Ä","b":[1,true]}'
    """
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def entry_hash(entry_without_hash: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an entry, hash field excluded, encoded as UTF-8.

    Example:
        >>> entry_hash({"seq": 1, "prev": GENESIS})[:16]
        'bf44c921c01c4cd3'
    """
    return hashlib.sha256(canonical_json(dict(entry_without_hash)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainResult:
    """What a chain check found.

    Attributes:
        ok: every entry is intact and linked to the one before.
        checked: entries found intact (all of them when ``ok``; those before the break otherwise).
        first_broken: where the first broken link is: the entry's ``position_key`` value (e.g. its
            seq) if one was given, else its 1-based index; ``None`` when ``ok``.
        reason: what is wrong with that entry, in words; ``None`` when ``ok``.
    """

    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str | None = None


def verify_chain(
    entries: Iterable[Mapping[str, Any]],
    *,
    prev_key: str = "prev",
    hash_key: str = "hash",
    genesis: str = GENESIS,
    position_key: str | None = None,
) -> ChainResult:
    """Check that each entry's hash matches its content and its ``prev`` the entry before.

    Stops at the first broken link: after it, every later entry is unverifiable anyway.

    Args:
        entries: the chain in order, each a mapping holding ``prev_key`` and ``hash_key``.
        prev_key: field with the previous entry's hash (``"prev"`` in the approvals ledger,
            ``"prev_hash"`` in the audit log).
        hash_key: field with the entry's own hash.
        genesis: the ``prev`` the first entry must carry.
        position_key: field naming an entry in reports (e.g. ``"seq"``); default: 1-based index.

    Returns:
        A ``ChainResult``; an empty chain is intact.

    Example:
        >>> first = {"seq": 1, "note": "a", "prev": GENESIS}
        >>> first["hash"] = entry_hash(first)
        >>> second = {"seq": 2, "note": "b", "prev": first["hash"]}
        >>> second["hash"] = entry_hash(second)
        >>> verify_chain([first, second])
        ChainResult(ok=True, checked=2, first_broken=None, reason=None)
        >>> verify_chain([first, {**second, "note": "B"}], position_key="seq").first_broken
        2
    """
    expected_prev = genesis
    previous_name = ""
    checked = 0
    for index, entry in enumerate(entries, 1):
        name = index
        if position_key is not None and isinstance(entry, Mapping):
            position = entry.get(position_key)
            if isinstance(position, int) and not isinstance(position, bool):
                name = position
        reason = _broken(entry, prev_key, hash_key, expected_prev, previous_name)
        if reason is not None:
            return ChainResult(False, checked, name, reason)
        checked += 1
        expected_prev = entry[hash_key]
        previous_name = f"{position_key or 'entry'} {name}"
    return ChainResult(True, checked)


def _broken(
    entry: object, prev_key: str, hash_key: str, expected_prev: str, previous_name: str
) -> str | None:
    """Why an entry breaks the chain, or ``None`` if it is intact and linked."""
    if not isinstance(entry, Mapping):
        return f"not a JSON object but {type(entry).__name__}"
    for key in (prev_key, hash_key):
        if not isinstance(entry.get(key), str):
            return f"has no {key!r} string"
    if entry[prev_key] != expected_prev:
        before = f"the hash of {previous_name}" if previous_name else "the chain's start (genesis)"
        return f"{prev_key!r} does not match {before}: the chain was edited, cut or reordered here"
    try:
        actual = entry_hash({k: v for k, v in entry.items() if k != hash_key})
    except UnicodeEncodeError:
        return "holds text that is not UTF-8: the entry was altered"
    except (TypeError, ValueError) as error:
        return f"content cannot be hashed ({error})"
    if actual != entry[hash_key]:
        return f"{hash_key!r} does not match the entry's content: the entry was altered"
    return None


@dataclass(frozen=True)
class ChainHead:
    """Where a chain ends: how many entries it has and the newest one's hash (``GENESIS`` for
    none). Plans and exports carry the heads they were made under, and each chain's checkpoint
    file holds one.

    Example:
        >>> ChainHead(0, GENESIS).to_dict()
        {'count': 0, 'head': '0000000000000000000000000000000000000000000000000000000000000000'}
    """

    count: int
    head: str

    def to_dict(self) -> dict[str, Any]:
        """As JSON: ``{"count": …, "head": …}``."""
        return {"count": self.count, "head": self.head}

    def in_words(self) -> str:
        """E.g. ``3 entries, head 1a2b3c4d5e6f``."""
        return f"{self.count} {'entry' if self.count == 1 else 'entries'}, head {self.head[:12]}"


def head_of(hashes: Sequence[str]) -> ChainHead:
    """The head of a chain given its entries' hashes in order.

    Example:
        >>> head_of(["a" * 64, "b" * 64]).count, head_of([]).head == GENESIS
        (2, True)
    """
    return ChainHead(len(hashes), hashes[-1] if hashes else GENESIS)


_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHECKPOINT_MAX_BYTES = 4096
_CHECKPOINT_KEYS = {"count", "head"}


class CheckpointUnreadable(ValueError):
    """A checkpoint file that is not one (each chain's reader names its file in its own error)."""


def read_checkpoint(path: Path) -> ChainHead | None:
    """The checkpoint in ``path``, or ``None`` if there is no such file.

    Raises:
        CheckpointUnreadable: if the file is not a checkpoint (not a small regular file of UTF-8
            JSON ``{"count": n, "head": "<64 hex>"}``), in words without the file's content.
        OSError: if it exists but cannot be read.
    """
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_file():
        raise CheckpointUnreadable("not a regular file")
    with path.open("rb") as handle:
        data = handle.read(_CHECKPOINT_MAX_BYTES + 1)
    if len(data) > _CHECKPOINT_MAX_BYTES:
        raise CheckpointUnreadable(f"longer than {_CHECKPOINT_MAX_BYTES} bytes")
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise CheckpointUnreadable("not UTF-8 text") from error
    except (ValueError, RecursionError) as error:
        raise CheckpointUnreadable("not JSON") from error
    if not isinstance(obj, dict) or set(obj) != _CHECKPOINT_KEYS:
        raise CheckpointUnreadable('not {"count": …, "head": …}')
    count, head = obj["count"], obj["head"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise CheckpointUnreadable("'count' is not a whole number of 0 or more")
    if not isinstance(head, str) or not _HEX64.fullmatch(head):
        raise CheckpointUnreadable("'head' is not 64 lower-case hex digits")
    if (count == 0) != (head == GENESIS):
        raise CheckpointUnreadable("'head' must be the genesis hash exactly when 'count' is 0")
    return ChainHead(count, head)


def write_checkpoint(path: Path, head: ChainHead) -> None:
    """Write a chain's checkpoint atomically (old or new, never half).

    Raises:
        OutputError: if it cannot be written.
    """
    write_atomically(path, canonical_json(head.to_dict()) + "\n")


def cut_or_rewritten(
    hashes: Sequence[str], checkpoint: ChainHead, one: str = "entry", many: str = "entries"
) -> str | None:
    """Why a chain (its entries' hashes, in order) disagrees with a checkpoint of it, in words;
    ``None`` when it agrees (a chain longer than the checkpoint agrees if the entry at the
    checkpoint's count is the one it names).

    Example:
        >>> cut_or_rewritten(["a" * 64], ChainHead(2, "b" * 64))
        'the chain ends at entry 1 but its checkpoint names entry 2 (bbbbbbbbbbbb): entries were cut off its end'
        >>> cut_or_rewritten(["a" * 64, "b" * 64], ChainHead(2, "b" * 64)) is None
        True
    """
    if checkpoint.count > len(hashes):
        ends = f"ends at {one} {len(hashes)}" if hashes else "is empty"
        return (
            f"the chain {ends} but its checkpoint names {one} {checkpoint.count} "
            f"({checkpoint.head[:12]}): {many} were cut off its end"
        )
    if checkpoint.count and hashes[checkpoint.count - 1] != checkpoint.head:
        return (
            f"{one} {checkpoint.count} has hash {hashes[checkpoint.count - 1][:12]}, not the "
            f"{checkpoint.head[:12]} its checkpoint names: the chain was replaced"
        )
    return None
