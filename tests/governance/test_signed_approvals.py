"""Approvals that prove who approved (issue 18): a forged or edited entry, a recomputed chain, an
approval by someone not in the signers file, or by the card's author under another name, never
counts; ``audit verify`` names each such entry. Every key here is a real ed25519 key and every
signature a real ``ssh-keygen -Y`` one."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.rules_copies import rules_in_review
from tests.signers import key_of, list_signer, public_of, sign_as
from tmrplan.cli import main
from tmrplan.errors import RuleFileError
from tmrplan.governance.actions import approve, submit_for_review
from tmrplan.hashchain import GENESIS, canonical_json, entry_hash, head_of, write_checkpoint
from tmrplan.rules.cards import load_rulebook
from tmrplan.rules.ledger import CHECKPOINT_FILE, LEDGER_FILE, load_ledger
from tmrplan.rules.signing import NAMESPACE, SIGNERS_FILE, Signer

CARD = "TMR-RISK-NONE"
OTHER = "TMR-RISK-LOW"
AUTHOR = "tmrplan maintainers (draft)"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A private copy of the shipped rules, two cards put in review."""
    return rules_in_review(tmp_path, "risk_none.yaml", "risk_low.yaml")


def entries_of(rules: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (rules / LEDGER_FILE).read_text().splitlines()]


def rewrite_chain(rules: Path, entries: list[dict[str, Any]]) -> None:
    """What a forger with write access does: write entries and recompute every hash, link and
    the checkpoint, so that the chain verifies."""
    prev, lines, hashes = GENESIS, [], []
    for number, entry in enumerate(entries, 1):
        body = {k: v for k, v in entry.items() if k != "hash"} | {"seq": number, "prev": prev}
        prev = entry_hash(body)
        lines.append(canonical_json({**body, "hash": prev}))
        hashes.append(prev)
    (rules / LEDGER_FILE).write_text("".join(line + "\n" for line in lines))
    write_checkpoint(rules / CHECKPOINT_FILE, head_of(hashes))


def verify_cli(rules: Path, tmp_path: Path) -> tuple[int, str]:
    db = tmp_path / "audit.sqlite3"
    result = CliRunner().invoke(main, ["--rules", str(rules), "audit", "verify", "--db", str(db)])
    return result.exit_code, result.output


def approved_once(rules: Path) -> dict[str, Any]:
    approve(load_rulebook(rules), CARD, sign_as(rules, "Dr Reviewer"))
    assert CARD in load_rulebook(rules).approved
    [entry] = entries_of(rules)
    return entry


def approve_around_the_actions(rules: Path, signer: Signer, card_id: str) -> None:
    """A signed approval written straight into the ledger, past the actions' checks (as anyone
    who can write the file could)."""
    card = load_rulebook(rules).get(card_id)
    load_ledger(rules).append(
        signer=signer,
        action="approve",
        card_id=card.id,
        version=card.version,
        content_hash=card.content_hash,
    )


def test_a_signed_approval_by_a_listed_reviewer_counts(rules: Path, tmp_path: Path) -> None:
    entry = approved_once(rules)
    assert entry["principal"] == "clinical lead/dr.reviewer"
    assert entry["key"] == public_of("Dr Reviewer")
    assert entry["signature"].startswith("-----BEGIN SSH SIGNATURE-----")
    code, out = verify_cli(rules, tmp_path)
    assert code == 0, out
    assert "ok, 1 entry intact" in out and "does not count" not in out


Edit = Callable[[dict[str, Any], Path], dict[str, Any]]


def _another_card(entry: dict[str, Any], rules: Path) -> dict[str, Any]:
    card = load_rulebook(rules).get(OTHER)
    return entry | {"card_id": OTHER, "content_hash": card.content_hash}


def _forged_by_outsider(entry: dict[str, Any], rules: Path) -> dict[str, Any]:
    # Signed for real, by a key nobody listed, naming the listed reviewer's principal.
    outsider = Signer(key_of("Mx Outsider"), public_of("Mx Outsider"), entry["principal"], "x")
    body = {k: v for k, v in entry.items() if k not in ("hash", "signature")}
    body["key"] = outsider.public_key
    return body | {"signature": outsider.sign(canonical_json(body).encode())}


def _other_namespace(entry: dict[str, Any], rules: Path) -> dict[str, Any]:
    # The reviewer's own key, the entry's own bytes, but signed for git (a commit signature).
    body = {k: v for k, v in entry.items() if k not in ("hash", "signature")}
    signed = subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-f", str(key_of("Dr Reviewer")), "-n", "git"],
        input=canonical_json(body).encode(),
        capture_output=True,
        check=True,
    )
    return entry | {"signature": signed.stdout.decode()}


EDITS: dict[str, tuple[Edit, str]] = {
    "moved to another card": (_another_card, "does not verify"),
    "name changed": (lambda e, r: e | {"who": "Prof Someone Else"}, "does not verify"),
    "role claimed": (lambda e, r: e | {"role": "chair"}, "does not verify"),
    "signature dropped": (
        lambda e, r: {k: v for k, v in e.items() if k not in ("principal", "key", "signature")},
        "unsigned",
    ),
    "signed by an unlisted key": (_forged_by_outsider, "does not verify"),
    "signed for another namespace": (_other_namespace, "does not verify"),
    "principal swapped": (lambda e, r: e | {"principal": "chair/the.chair"}, "not in the signers"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edited_or_forged_entry_in_a_recomputed_chain_never_counts(
    rules: Path, tmp_path: Path, edit: str
) -> None:
    change, why = EDITS[edit]
    entry = approved_once(rules)
    card_id = change(entry, rules)["card_id"]
    rewrite_chain(rules, [change(entry, rules)])
    ledger = load_ledger(rules)  # the chain itself verifies: only the signature tells
    assert len(ledger.entries) == 1
    book = load_rulebook(rules)
    assert card_id not in book.approved and not book.approved
    [(shown, reason)] = ledger.not_counted()
    assert shown.card_id == card_id and why in reason
    code, out = verify_cli(rules, tmp_path)
    assert code == 1, out
    assert "ok, 1 entry intact" in out  # the chain: intact, as the forger made it
    assert "1 entry does not count" in out and f"seq 1: approve of {card_id}" in out
    assert why in out


def test_a_signature_replayed_onto_another_card_never_counts(rules: Path) -> None:
    mine = approved_once(rules)
    replay = _another_card(mine, rules) | {"signature": mine["signature"]}
    rewrite_chain(rules, [mine, replay])
    book = load_rulebook(rules)
    assert CARD in book.approved and OTHER not in book.approved
    assert [e.card_id for e, _ in load_ledger(rules).not_counted()] == [OTHER]


def test_someone_not_in_the_signers_file_cannot_approve(rules: Path, tmp_path: Path) -> None:
    outsider = sign_as(rules, "Mx Outsider", listed=False)
    with pytest.raises(RuleFileError, match="not in the signers file"):
        approve(load_rulebook(rules), CARD, outsider)
    assert not (rules / LEDGER_FILE).exists()
    # The command line says what to send the committee, with the key's public half.
    result = CliRunner().invoke(
        main, ["--rules", str(rules), "rules", "approve", CARD, "--key", str(outsider.key_path)]
    )
    assert result.exit_code == 2, result.output
    assert f'namespaces="{NAMESPACE}" {outsider.public_key}' in result.output
    # Written around the actions (straight into the ledger): kept, shown, never counted.
    approve_around_the_actions(rules, outsider, CARD)
    assert CARD not in load_rulebook(rules).approved
    code, out = verify_cli(rules, tmp_path)
    assert code == 1 and "'clinical lead/mx.outsider' is not in the signers file" in out


def test_a_reviewer_removed_from_the_signers_file_stops_counting(rules: Path) -> None:
    approved_once(rules)
    (rules / SIGNERS_FILE).write_text("# the committee removed Dr Reviewer\n")
    assert CARD not in load_rulebook(rules).approved


def test_the_two_person_rule_is_by_key_not_by_name(rules: Path) -> None:
    author = sign_as(rules, "A. Author", "surgeon")
    submit_for_review(load_rulebook(rules), "TMR-SIZE-MISMATCH", author)
    # The same key listed again under another identity, showing another name: still the author.
    list_signer(rules, "reviewer/someone.else", "A. Author")
    disguised = Signer(author.key_path, author.public_key, "reviewer/someone.else", "Dr Else")
    with pytest.raises(RuleFileError, match="is the card's author"):
        approve(load_rulebook(rules), "TMR-SIZE-MISMATCH", disguised)
    # Written around the actions: not counted either.
    card = load_rulebook(rules).get("TMR-SIZE-MISMATCH")
    approve_around_the_actions(rules, disguised, card.id)
    assert card.id not in load_rulebook(rules).approved
    # Nor by naming someone else's key in the entry while signing with their own.
    masked = Signer(author.key_path, public_of("Dr Reviewer"), "reviewer/someone.else", "Dr Else")
    approve_around_the_actions(rules, masked, card.id)
    assert card.id not in load_rulebook(rules).approved
    assert "names a key the signers file does not list" in load_ledger(rules).not_counted()[-1][1]
    list_signer(rules, "reviewer/someone.else", "Dr Reviewer")  # even one listed for them
    approve_around_the_actions(rules, masked, card.id)
    assert card.id not in load_rulebook(rules).approved
    assert "not by the key the entry names" in load_ledger(rules).not_counted()[-1][1]
    # Someone else's key approves it.
    approve(load_rulebook(rules), card.id, sign_as(rules, "Dr Reviewer"))
    assert card.id in load_rulebook(rules).approved


def test_an_app_reviewer_is_identified_by_subject_not_by_the_server_key(rules: Path) -> None:
    server = "tmrplan server"
    alice = "reviewer/oidc:https://idp.test.invalid#alice"
    bob = "reviewer/oidc:https://idp.test.invalid#bob"
    for principal in (alice, bob):
        list_signer(rules, principal, server)
    as_alice = Signer(key_of(server), public_of(server), alice, "Alice")
    as_bob = Signer(key_of(server), public_of(server), bob, "Bob")
    submit_for_review(load_rulebook(rules), "TMR-SIZE-MISMATCH", as_alice)
    with pytest.raises(RuleFileError, match="is the card's author"):
        approve(load_rulebook(rules), "TMR-SIZE-MISMATCH", as_alice)
    approve(load_rulebook(rules), "TMR-SIZE-MISMATCH", as_bob)  # one server key, two people
    assert "TMR-SIZE-MISMATCH" in load_rulebook(rules).approved


def test_unsigned_entries_from_before_signing_are_listed_never_trusted(
    rules: Path, tmp_path: Path
) -> None:
    # The eleven fields every entry had before issue 18, hashed as they were.
    card = load_rulebook(rules).get(CARD)
    old = {"at": "2026-11-01T10:00:00+00:00", "who": "Dr Reviewer", "role": "clinical lead",
           "action": "approve", "card_id": CARD, "version": card.version,
           "content_hash": card.content_hash, "text": ""}  # fmt: skip
    rewrite_chain(rules, [old])
    ledger = load_ledger(rules)
    assert [(e.who, e.principal) for e in ledger.entries] == [("Dr Reviewer", "")]
    assert CARD not in load_rulebook(rules).approved
    code, out = verify_cli(rules, tmp_path)
    assert code == 1 and f"seq 1: approve of {CARD} v{card.version} by Dr Reviewer" in out
    assert "(no signer): unsigned" in out
    # New signed entries append to the old chain without rehashing it.
    before = (rules / LEDGER_FILE).read_text()
    approve(load_rulebook(rules), CARD, sign_as(rules, "Dr Reviewer"))
    assert (rules / LEDGER_FILE).read_text().startswith(before)
    assert CARD in load_rulebook(rules).approved


def test_a_broken_signers_file_stops_loading_naming_file_and_line(rules: Path) -> None:
    (rules / SIGNERS_FILE).write_text(
        f'# committee\nreviewer/*.example namespaces="{NAMESPACE}" {public_of("x")}\n'
    )
    with pytest.raises(RuleFileError, match="wildcard") as caught:
        load_rulebook(rules)
    assert caught.value.path == str(rules / SIGNERS_FILE) and caught.value.line == 2


def test_the_cli_signs_with_the_user_s_usual_key_by_default(
    rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    reviewer = sign_as(rules, "Dr Reviewer")
    for suffix in ("", ".pub"):
        shutil.copy(f"{reviewer.key_path}{suffix}", home / ".ssh" / f"id_ed25519{suffix}")
    monkeypatch.setenv("HOME", str(home))
    result = CliRunner().invoke(main, ["--rules", str(rules), "rules", "approve", CARD])
    assert result.exit_code == 0, result.output
    assert "signed as clinical lead/dr.reviewer" in result.output
    [entry] = load_ledger(rules).entries
    assert entry.key == reviewer.public_key and load_ledger(rules).verdict(entry).ok
    # A key listed under two roles needs --role to choose.
    list_signer(rules, "chair/dr.reviewer", "Dr Reviewer")
    both = CliRunner().invoke(main, ["--rules", str(rules), "rules", "comment", CARD, "ok"])
    assert both.exit_code == 2 and "say which role (--role)" in both.output
    chosen = ["--rules", str(rules), "rules", "comment", CARD, "ok", "--role", "chair"]
    assert CliRunner().invoke(main, chosen).exit_code == 0
    assert load_ledger(rules).entries[-1].principal == "chair/dr.reviewer"


def test_without_ssh_keygen_nothing_counts_and_loading_still_works(
    rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tmrplan.rules import signing

    approved_once(rules)
    signing._verify.cache_clear()
    monkeypatch.setenv("PATH", "/nonexistent")  # a machine without OpenSSH
    try:
        book = load_rulebook(rules)
        assert not book.approved
        [(_, why)] = load_ledger(rules).not_counted()
        assert "ssh-keygen (OpenSSH 8.2 or later) is not installed" in why
    finally:
        signing._verify.cache_clear()
