"""The approvals ledger has one reader: the loader refuses exactly what ``audit verify`` reports
broken, at the same line, for good, tampered and malformed files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.signers import sign_as
from tmrplan.cli import main
from tmrplan.errors import RuleFileError
from tmrplan.governance.audit import AuditLog
from tmrplan.hashchain import canonical_json, entry_hash
from tmrplan.rules.ledger import LEDGER_FILE, Ledger, load_ledger


def good_lines(folder: Path) -> list[str]:
    ledger = Ledger(folder / LEDGER_FILE, ())
    for n in (1, 2, 3):
        ledger = ledger.append(
            signer=sign_as(folder, "B. Reviewer", "surgeon"), action="comment", card_id=f"R-{n}",
            version="1.0.0", content_hash="c" * 64, text=f"note {n}\u2028second line",
        )  # fmt: skip
    return (folder / LEDGER_FILE).read_text(encoding="utf-8").split("\n")[:-1]


def rehashed(line: str, **changes: object) -> str:
    """The entry with fields changed and its hash recomputed: a chain that is intact but whose
    entry the loader used to refuse with a different verdict from ``audit verify``."""
    body = {k: v for k, v in json.loads(line).items() if k != "hash"}
    body.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del body[key]
    return canonical_json({**body, "hash": entry_hash(body)})


def relink(lines: list[str]) -> list[str]:
    """Re-chain every line after the first so only the first's shape is at fault."""
    out = [lines[0]]
    for line in lines[1:]:
        out.append(rehashed(line, prev=json.loads(out[-1])["hash"]))
    return out


Edit = Callable[[list[str]], list[str]]
CASES: dict[str, tuple[Edit, int | None]] = {
    "intact": (lambda ls: ls, None),
    "altered": (lambda ls: [ls[0], ls[1].replace("R-2", "R-9"), ls[2]], 2),
    "reordered": (lambda ls: [ls[0], ls[2], ls[1]], 2),
    "deleted": (lambda ls: [ls[0], ls[2]], 2),
    "torn line": (lambda ls: [ls[0], ls[1][:-5], ls[2]], 2),
    "not UTF-8": (lambda ls: [ls[0], ls[1].replace("note", "n\udcffte"), ls[2]], 2),
    "NaN": (lambda ls: [ls[0], ls[1].replace('"seq":2', '"seq":NaN'), ls[2]], 2),
    "a field more": (lambda ls: relink([rehashed(ls[0], extra="x"), *ls[1:]]), 1),
    "a field less": (lambda ls: relink([rehashed(ls[0], who=None), *ls[1:]]), 1),
    "seq as text": (lambda ls: relink([rehashed(ls[0], seq="1"), *ls[1:]]), 1),
    "not an object": (lambda ls: ["[1, 2]", *ls[1:]], 1),
    "unicode blank line": (lambda ls: [ls[0], "\u00a0", *ls[1:]], 2),
}


@pytest.mark.parametrize("damage", list(CASES))
def test_loader_and_audit_verify_agree(tmp_path: Path, damage: str) -> None:
    edit, broken_line = CASES[damage]
    rules = tmp_path / "rules"
    rules.mkdir()
    lines = edit(good_lines(rules))
    raw = "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape")
    (rules / LEDGER_FILE).write_bytes(raw)
    db = tmp_path / "audit.sqlite3"
    AuditLog(db).close()

    result = CliRunner().invoke(main, ["--rules", str(rules), "audit", "verify", "--db", str(db)])
    try:
        load_ledger(rules)
    except RuleFileError as error:
        refused: int | None = error.line
        assert "chain broken" in str(error)
    else:
        refused = None

    assert refused == broken_line
    if broken_line is None:
        assert result.exit_code == 0, result.output
        assert "ok, 3 entries intact" in result.output
    else:
        assert result.exit_code == 1, result.output
        assert f"BROKEN at line {broken_line}: " in result.output
