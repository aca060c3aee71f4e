"""Canonical JSON, entry hashes and the chain verifier shared by the audit log and the ledger."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pytest

from tmrplan.hashchain import GENESIS, canonical_json, entry_hash, verify_chain


def chain(n: int, *, prev_key: str = "prev") -> list[dict[str, Any]]:
    """``n`` linked entries with seq 1..n."""
    entries: list[dict[str, Any]] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        body = {"seq": seq, "note": f"entry {seq}", prev_key: prev}
        entries.append({**body, "hash": entry_hash(body)})
        prev = entries[-1]["hash"]
    return entries


def test_canonical_json_sorts_keys_drops_whitespace_keeps_unicode() -> None:
    assert canonical_json({"b": {"y": 1, "x": [True, None]}, "a": "Ä ✓"}) == (
        '{"a":"Ä ✓","b":{"x":[true,null],"y":1}}'
    )


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": math.nan})


def test_entry_hash_is_sha256_of_canonical_utf8_and_independent_of_key_order() -> None:
    entry = {"seq": 1, "text": "Ä", "prev": GENESIS}
    expected = hashlib.sha256(
        json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    assert entry_hash(entry) == expected
    assert entry_hash(dict(reversed(entry.items()))) == expected


def test_empty_and_intact_chains_are_ok() -> None:
    assert verify_chain([]).ok
    result = verify_chain(chain(5))
    assert (result.ok, result.checked, result.first_broken, result.reason) == (True, 5, None, None)


def test_altered_entry_is_named_with_its_index() -> None:
    entries = chain(5)
    entries[2]["note"] = "changed"
    result = verify_chain(entries)
    assert (result.ok, result.checked, result.first_broken) == (False, 2, 3)
    assert result.reason is not None and "altered" in result.reason


def test_altered_entry_with_recomputed_hash_breaks_the_next_link() -> None:
    entries = chain(5)
    body = {k: v for k, v in entries[2].items() if k != "hash"}
    body["note"] = "changed"
    entries[2] = {**body, "hash": entry_hash(body)}
    result = verify_chain(entries, position_key="seq")
    assert (result.first_broken, result.checked) == (4, 3)
    assert result.reason is not None and "does not match the hash of seq 3" in result.reason


def test_deleted_entry_breaks_the_link_after_it() -> None:
    entries = chain(5)
    del entries[1]
    assert verify_chain(entries, position_key="seq").first_broken == 3
    assert verify_chain(chain(5)[1:], position_key="seq").first_broken == 2  # first one gone


def test_reordered_entries_break_at_the_first_moved_one() -> None:
    entries = chain(5)
    entries[1], entries[3] = entries[3], entries[1]
    result = verify_chain(entries, position_key="seq")
    assert result.first_broken == 4  # the entry now in second place
    assert result.checked == 1


def test_first_entry_must_link_to_the_genesis() -> None:
    body = {"seq": 1, "prev": "f" * 64}
    result = verify_chain([{**body, "hash": entry_hash(body)}])
    assert not result.ok and result.reason is not None and "genesis" in result.reason


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("not an object", "not a JSON object but str"),
        ({"prev": GENESIS}, "has no 'hash' string"),
        ({"hash": "x"}, "has no 'prev' string"),
        ({"prev": GENESIS, "hash": "x", "n": math.inf}, "cannot be hashed"),
    ],
)
def test_malformed_entries_are_broken_links_not_crashes(entry: Any, why: str) -> None:
    result = verify_chain([entry, *chain(1)])
    assert (result.ok, result.checked, result.first_broken) == (False, 0, 1)
    assert result.reason is not None and why in result.reason


def test_field_names_are_configurable() -> None:
    entries = chain(3, prev_key="prev_hash")
    assert verify_chain(entries, prev_key="prev_hash").ok
    assert not verify_chain(entries).ok
