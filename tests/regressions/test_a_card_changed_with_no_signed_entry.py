"""A card was retired or set active with no entry in the ledger when signing failed, and the
review tools passed hostile values on unescaped.

What was wrong: approve, retire and submit wrote the card's new status before signing and
appending its ledger entry, so a key that would not sign (encrypted with no terminal, a ``.pub``
of another key, a server key that is not one) or a name of spaces left the card retired or
active and the ledger silent; ``audit verify`` said ok. A name longer than the audit log's
200 characters went into the ledger and counted, but no audit event was recorded.
``audit verify`` printed a hostile entry's name and principal raw (terminal escapes, a forged
next line). The app offered an unlistable identity (a ``sub`` with a comma) as the line to send
the committee, and a ``.pub`` that is not UTF-8 was a traceback.

How found: the second red-team review of issue 18.

What changed: the entry is signed and appended first and the card written after it; names and
roles are at most 200 characters; ``audit verify`` escapes control, format and line-separator
characters; the app says an identity cannot be listed instead of offering a line; an unreadable
``.pub`` is an error naming it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.governance.test_signed_approvals import rewrite_chain
from tests.rules_copies import rules_in_review
from tests.signers import sign_as
from tmrplan.cli import main
from tmrplan.errors import RuleFileError
from tmrplan.governance.actions import approve, retire
from tmrplan.rules.cards import load_rulebook
from tmrplan.rules.ledger import LEDGER_FILE, load_ledger
from tmrplan.rules.signing import Signer

CARD, RETIRABLE = "TMR-RISK-NONE", "TMR-SIZE-MISMATCH"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return rules_in_review(tmp_path, "risk_none.yaml")


def unchanged(rules: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(rules.glob("*.yaml"))}


@pytest.mark.parametrize("fault", ["key that will not sign", "name of spaces", "name too long"])
def test_a_refused_entry_leaves_the_cards_as_they_were(
    rules: Path, tmp_path: Path, fault: str
) -> None:
    reviewer = sign_as(rules, "Dr Reviewer")
    if fault == "key that will not sign":
        broken = tmp_path / "not-a-key"
        broken.write_text("not a private key\n")
        signer = Signer(broken, reviewer.public_key, reviewer.principal, reviewer.name)
        why = "cannot sign"
    elif fault == "name of spaces":
        signer = Signer(reviewer.key_path, reviewer.public_key, reviewer.principal, "   ")
        why = "needs the name|reviewer must be non-empty"  # (approve sets the card's reviewer)
    else:
        signer = Signer(reviewer.key_path, reviewer.public_key, reviewer.principal, "A" * 300)
        why = "at most 200 are recorded"
    before = unchanged(rules)
    for action, card in ((approve, CARD), (retire, RETIRABLE)):
        with pytest.raises(RuleFileError, match=why):
            action(load_rulebook(rules), card, signer)
    assert unchanged(rules) == before
    assert not (rules / LEDGER_FILE).exists()


def test_audit_verify_shows_a_hostile_entry_inert(rules: Path, tmp_path: Path) -> None:
    approve(load_rulebook(rules), CARD, sign_as(rules, "Dr Reviewer"))
    [entry] = [dict(e.body(), hash=e.hash) for e in load_ledger(rules).entries]
    entry["who"] = "Dr X\x1b]0;PWNED\x07\x1b[2J\n  (all entries below count)\u202e"
    rewrite_chain(rules, [entry])
    db = tmp_path / "audit.sqlite3"
    result = CliRunner().invoke(main, ["--rules", str(rules), "audit", "verify", "--db", str(db)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\u202e" not in result.output
    assert "Dr X\\x1b]0;PWNED\\x07\\x1b[2J\\n  (all entries below count)\\u202e" in result.output


def test_a_public_key_file_that_is_not_text_is_an_error_naming_it(
    rules: Path, tmp_path: Path
) -> None:
    key = tmp_path / "id_ed25519"
    key.write_text("private\n")
    key.with_name("id_ed25519.pub").write_bytes(b"\xff\xfe not text")
    result = CliRunner().invoke(
        main, ["--rules", str(rules), "rules", "approve", CARD, "--key", str(key)]
    )
    assert result.exit_code == 2, result.output
    assert "cannot read the public key" in result.output and "id_ed25519.pub" in result.output
    assert "Traceback" not in result.output
