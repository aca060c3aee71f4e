"""Hash chains: canonical JSON, entry hashes, and one verifier for every chained record.

Two records are chained: the app's audit log (SQLite, ``tmrplan.governance.audit``) and the rules approvals
ledger (``rules/approvals.jsonl``, ``tmrplan.rules.ledger``). Each entry carries the hash of the entry
before it and its own hash, the SHA-256 of the canonical JSON of the entry without its hash field.
Editing, deleting, inserting or reordering an entry therefore breaks a link that anyone can
recompute from the data alone, with nothing but ``json`` and ``hashlib``.

A chain cannot show that entries were cut off its *end*; that needs the newest hash kept
somewhere else (printed on exports, copied to the ledger).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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
    except (TypeError, ValueError) as error:
        return f"content cannot be hashed ({error})"
    if actual != entry[hash_key]:
        return f"{hash_key!r} does not match the entry's content: the entry was altered"
    return None
