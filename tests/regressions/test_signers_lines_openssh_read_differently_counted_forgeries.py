"""A signers-file line that tmrplan and OpenSSH read differently let an outsider's forged approval
count; the author could approve their own card as an app identity or under a case variant.

What was wrong: ``ssh-keygen -Y verify`` was given the signers file as written, while tmrplan
read it with its own parser. A line starting with a form feed and ``#`` was a comment to
tmrplan but principals ``*`` (every principal) to OpenSSH; an escaped quote hid a wildcard; a
``cert-authority`` line let one certificate authority's keys pass as distinct personal keys.
Any identity starting ``oidc:`` skipped the personal-key part of the two-person rule, whatever
key it was listed with, and identities were compared exactly (``A.Author`` and ``a.author``
were two people). A principal holding NUL, or 200,000 characters long, crashed loading; a ledger
that was a FIFO hung it.

How found: a red-team review of issue 18 (scripts run against the signed ledger).

What changed: OpenSSH is given the signers as tmrplan parsed them (one quoted principal per
line); a line with an option other than ``namespaces``, a certificate key type, a principal with
a quote, backslash, control or invisible character, or longer than 256 characters stops loading
naming file and line. Only a key listed for app identities alone is exempt from the personal-key
comparison; identities and names of submitters are compared as a reader sees them; the ledger
and the signers file are read as bounded regular files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.rules_copies import rules_in_review
from tests.signers import key_of, list_signer, public_of, sign_as
from tmrplan.errors import RuleFileError
from tmrplan.governance.actions import approve, submit_for_review
from tmrplan.rules.cards import load_rulebook
from tmrplan.rules.ledger import LEDGER_FILE, load_ledger
from tmrplan.rules.signing import NAMESPACE, SIGNERS_FILE, Signer, changes_between, load_signers

CARD = "TMR-RISK-NONE"
REVIEWER = "clinical lead/dr.reviewer"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return rules_in_review(tmp_path, "risk_none.yaml")


def forge_as_reviewer(rules: Path) -> None:
    """Mallory signs, with her own key, an approval naming the listed reviewer."""
    mallory = Signer(key_of("Mallory"), public_of("Mallory"), REVIEWER, "Dr Reviewer")
    card = load_rulebook(rules).get(CARD)
    load_ledger(rules).append(
        signer=mallory, action="approve", card_id=CARD, version=card.version,
        content_hash=card.content_hash,
    )  # fmt: skip


@pytest.mark.parametrize(
    "lead", ["\x0c", "\x0b", "\x1c", "\u0085", "\u00a0", "\u2028", "\u3000"], ids=repr
)
def test_a_line_tmrplan_reads_as_a_comment_gives_openssh_nothing(rules: Path, lead: str) -> None:
    sign_as(rules, "Dr Reviewer")
    before = load_signers(rules)
    with (rules / SIGNERS_FILE).open("a") as signers:
        signers.write(f"{lead}#,* {public_of('Mallory')}\n")  # '*': every principal, to OpenSSH
    after = load_signers(rules)
    assert after.lines == before.lines and not changes_between(before, after)
    forge_as_reviewer(rules)
    assert CARD not in load_rulebook(rules).approved
    assert "does not verify" in load_ledger(rules).not_counted()[0][1]


@pytest.mark.parametrize(
    "line, why",
    [
        ('\\"reviewer/m ,*," {key} " {key}', "is not accepted"),
        (
            'reviewer/m cert-authority,namespaces="{ns}" {key}',
            "'cert-authority,namespaces' is not accepted",
        ),
        ('reviewer/m valid-before="20990101" {key}', "'valid-before' is not accepted"),
        ('reviewer/m namespaces="git" {key}', "does not include tmrplan-approval@v1"),
        ("reviewer/m ssh-ed25519-cert-v01@openssh.com AAAA", "no public key of a type accepted"),
        ('"reviewer/m\\\\x" {key}', "holds U+005C"),
        ("reviewer/x\x00y {key}", "holds U+0000"),
        ("reviewer/" + "x" * 300 + " {key}", "longer than 256 characters"),
        ("reviewer/m ssh-ed25519 not-base64!", "is not base64"),
    ],
    ids=[
        "escaped quote",
        "cert-authority",
        "validity",
        "other namespace",
        "certificate",
        "backslash",
        "NUL",
        "too long",
        "bad key",
    ],
)
def test_a_line_openssh_could_read_differently_stops_loading(
    rules: Path, line: str, why: str
) -> None:
    sign_as(rules, "Dr Reviewer")
    text = line.format(key=public_of("Mallory"), ns=NAMESPACE)
    bad_line = len((rules / SIGNERS_FILE).read_text().split("\n"))  # the one appended next
    with (rules / SIGNERS_FILE).open("a") as signers:
        signers.write(f"{text}\n")
    with pytest.raises(RuleFileError, match=re.escape(why)) as caught:
        load_rulebook(rules)
    assert (caught.value.path, caught.value.line) == (str(rules / SIGNERS_FILE), bad_line)


def test_a_personal_key_listed_as_an_app_identity_still_identifies_its_author(
    rules: Path,
) -> None:
    author = sign_as(rules, "A. Author", "surgeon")
    submit_for_review(load_rulebook(rules), "TMR-SIZE-MISMATCH", author)
    app_like = "reviewer/oidc:https://idp.trust.example#a91c"
    list_signer(rules, app_like, "A. Author")
    disguised = Signer(author.key_path, author.public_key, app_like, "Dr Someone")
    with pytest.raises(RuleFileError, match="is the card's author"):
        approve(load_rulebook(rules), "TMR-SIZE-MISMATCH", disguised)


@pytest.mark.parametrize("variant", ["A.Author@Trust.Example", "\u0430.author@trust.example"])
def test_an_identity_spelt_another_way_is_the_same_signer(rules: Path, variant: str) -> None:
    author = sign_as(rules, "A. Author", "surgeon")
    submitted = Signer(author.key_path, author.public_key, "surgeon/a.author@trust.example", "A")
    list_signer(rules, submitted.principal, "A. Author")
    submit_for_review(load_rulebook(rules), "TMR-SIZE-MISMATCH", submitted)
    second = sign_as(rules, "Second Key Of A")  # another key, listed under the variant
    other = Signer(second.key_path, second.public_key, f"reviewer/{variant}", "Dr Else")
    list_signer(rules, other.principal, "Second Key Of A")
    with pytest.raises(RuleFileError, match="is the card's author"):
        approve(load_rulebook(rules), "TMR-SIZE-MISMATCH", other)


def test_a_ledger_that_is_a_fifo_is_refused_not_waited_on(rules: Path) -> None:
    (rules / "approvals.checkpoint").write_text("")
    os.mkfifo(rules / LEDGER_FILE)
    with pytest.raises(RuleFileError, match="FIFO"):
        load_rulebook(rules)
