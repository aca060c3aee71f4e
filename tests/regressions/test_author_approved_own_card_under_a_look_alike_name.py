"""An author could approve their own card under a name that only looks different.

What was wrong: names were compared after lower-casing and collapsing spaces only, so the
card's author could approve it as ``"tmrplan maintainers\\u200b (draft)"`` (a zero-width space:
it prints exactly like the author), ``"tmrplan maintainers (draft)."`` (a trailing dot), with a
Cyrillic ``\\u0430`` for the Latin ``a``, or in full-width letters.

How found: issue 17 red-team item 7.

What changed: ``same_person`` compares ``identity()``: NFKC, invisible characters dropped,
Cyrillic and Greek look-alikes read as Latin, case folded, accents and all but letters and digits
dropped. A name or role holding a control or invisible character is refused outright, with the
character named (``check_name``), so nothing recorded can print like someone else's name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.rules_copies import rules_in_review
from tests.signers import sign_as
from tmrplan.errors import RuleFileError
from tmrplan.governance.actions import approve, check_approve
from tmrplan.rules.cards import load_rulebook
from tmrplan.rules.ledger import LEDGER_FILE, Ledger, same_person

AUTHOR = "tmrplan maintainers (draft)"
CARD = "TMR-RISK-NONE"

LOOK_ALIKES = {
    "trailing dot": AUTHOR + ".",
    "Cyrillic a": AUTHOR.replace("a", "\u0430", 1),
    "Greek omicron": AUTHOR.replace("o", "\u03bf"),
    "full-width": "\uff54\uff4d\uff52\uff50\uff4c\uff41\uff4e maintainers (draft)",
    "accent": AUTHOR.replace("e", "\u00e9"),
    "no brackets": "tmrplan maintainers draft",
}
INVISIBLE = {
    "zero-width space": ("tmrplan\u200b maintainers (draft)", "U+200B ZERO WIDTH SPACE"),
    "byte order mark": ("\ufefftmrplan maintainers (draft)", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    "right-to-left mark": ("tmrplan maintainers (draft)\u200f", "U+200F RIGHT-TO-LEFT MARK"),
    "a control": ("tmrplan\x07 maintainers (draft)", "U+0007"),
    "a newline": ("Dr Reviewer\nDr Other", "U+000A"),
    "Hangul filler": ("Dr Reviewer\u3164", "U+3164 HANGUL FILLER"),
}


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return rules_in_review(tmp_path, "risk_none.yaml")


@pytest.mark.parametrize("who", list(LOOK_ALIKES.values()), ids=list(LOOK_ALIKES))
def test_a_look_alike_of_the_author_is_the_author(rules: Path, who: str) -> None:
    assert same_person(who, AUTHOR)
    with pytest.raises(RuleFileError, match="is the card's author"):
        approve(load_rulebook(rules), CARD, sign_as(rules, who, "clinical lead"))
    assert not (rules / LEDGER_FILE).exists()


@pytest.mark.parametrize("who,named", list(INVISIBLE.values()), ids=list(INVISIBLE))
def test_a_name_with_an_invisible_or_control_character_is_refused(
    rules: Path, who: str, named: str
) -> None:
    with pytest.raises(RuleFileError, match=re.escape(named)) as caught:
        approve(load_rulebook(rules), CARD, sign_as(rules, who, "clinical lead"))
    assert repr(who)[:20] in str(caught.value)  # the value, as its repr, so it can be seen
    assert not (rules / LEDGER_FILE).exists()


def test_check_approve_refuses_it_before_any_confirmation(rules: Path) -> None:
    with pytest.raises(RuleFileError, match=r"U\+200B"):
        check_approve(load_rulebook(rules), CARD, sign_as(rules, "Dr\u200bReviewer"))


def test_a_role_likewise(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="role 'lead\\\\u200b'"):
        Ledger(tmp_path / LEDGER_FILE, ()).append(
            signer=sign_as(tmp_path, "Dr Reviewer", "lead\u200b"), action="comment",
            card_id="R-1", version="1.0.0", content_hash="c" * 64, text="x",
        )  # fmt: skip


@pytest.mark.parametrize("other", ["Dr Reviewer", "Dr Revi\u00e9wer II", "Ann Lee"])
def test_different_people_stay_different(other: str) -> None:
    assert not same_person(other, AUTHOR)
