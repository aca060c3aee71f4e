"""The approvals ledger: who submitted for review, approved, commented on or retired which card,
at which content.

A text file released with the cards (``rules/approvals.jsonl``), one JSON object per line, each
carrying the previous entry's hash: entries are only ever appended, and any edit, deletion or
reordering breaks the chain, which stops loading with the file and line. A card counts as
approved only while its *current* content hash has an approval by someone other than its author,
given after the card's last retirement, so editing a card voids its approval without anyone having
to remember to, and a retired card edited back to ``active`` by hand is not approved again.

Beside it, ``approvals.checkpoint`` holds the ledger's count and newest hash, rewritten after
every append: entries cut off the end (a chain that is shorter, but just as intact) disagree
with it (:mod:`tmrplan.hashchain`), and the loader refuses them like any other broken link.

Every entry is signed (:mod:`tmrplan.rules.signing`): its ``principal`` (``ROLE/IDENTITY`` in
``rules/allowed_signers``), public ``key`` and OpenSSH ``signature`` over the entry's canonical
bytes (every field but the signature and hash, ``seq`` and ``prev`` included, so a signature is
bound to its place in the chain). The chain shows an entry was not changed *after* the next one
was written; the signature shows who wrote it: an entry edited and the chain recomputed, one
signed by a key the signers file does not list for its principal, or one not signed at all (the
entries written before signing) is read, shown, and listed by ``tmrplan audit verify``, but never
counts as an approval (:meth:`Ledger.not_counted`). The two-person rule is by signer identity:
an approval by an identity or key that submitted the card is the author's, whatever name it
shows. Names are also compared as a reader sees them (:func:`same_person`), and a name holding a
control or invisible character is refused (:func:`check_name`).
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from tmrplan.atomic import write_atomically
from tmrplan.errors import InputFileError, RuleFileError
from tmrplan.files import read_regular_file
from tmrplan.hashchain import (
    GENESIS,
    ChainHead,
    ChainResult,
    CheckpointUnreadable,
    canonical_json,
    cut_or_rewritten,
    entry_hash,
    head_of,
    read_checkpoint,
    verify_chain,
    write_checkpoint,
)
from tmrplan.rules.signing import (
    AllowedSigners,
    Signer,
    Verdict,
    fingerprint,
    load_signers,
    verify,
)
from tmrplan.text import to_short_repr

LEDGER_FILE = "approvals.jsonl"
CHECKPOINT_FILE = "approvals.checkpoint"
ACTIONS = ("approve", "comment", "retire", "submit")
# The audit log records the same name and role (an actor of at most 200 characters): a longer one
# would be in the ledger with no audit event.
MAX_NAME = 200


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
    # Who signed it (absent from the entries written before signing: their hashes stay theirs).
    principal: str = ""
    key: str = ""
    signature: str = ""

    def body(self) -> dict[str, Any]:
        """The hashed fields (everything but the hash itself; unsigned entries have no
        signature fields)."""
        return {
            k: v
            for k, v in self.__dict__.items()
            if k != "hash" and not (k in _SIGNATURE_FIELDS and v == "")
        }

    def signed_bytes(self) -> bytes:
        """What the signature is over: the canonical JSON of every field but signature and hash."""
        return _signed_bytes({k: v for k, v in self.body().items() if k != "signature"})

    @property
    def identity(self) -> str:
        """The signer's identity (their principal without its role)."""
        return self.principal.partition("/")[2]


_SIGNATURE_FIELDS = ("principal", "key", "signature")


def _signed_bytes(body: dict[str, Any]) -> bytes:
    return canonical_json(body).encode("utf-8")


@dataclass(frozen=True)
class Ledger:
    """The parsed, chain-checked ledger of a rules directory."""

    path: Path
    entries: tuple[LedgerEntry, ...]
    # The signers file the signatures are checked against (default: the one beside the ledger).
    given_signers: AllowedSigners | None = field(default=None, compare=False)

    @cached_property
    def signers(self) -> AllowedSigners:
        return self.given_signers or load_signers(self.path.parent)

    def verdict(self, entry: LedgerEntry) -> Verdict:
        """Whether an entry's signature is its principal's, by a key listed for them, over the
        entry as it stands, with the role its principal has and by the key it names."""
        checked = verify(self.signers, entry.principal, entry.signature, entry.signed_bytes())
        if not checked.ok:
            return checked
        if entry.role != entry.principal.partition("/")[0]:
            return Verdict(False, f"role {entry.role!r} is not the signer's ({entry.principal})")
        if entry.key not in self.signers.keys_of(entry.principal):
            return Verdict(
                False, f"names a key the signers file does not list for {entry.principal}"
            )
        if checked.detail != fingerprint(entry.key):
            # The two-person rule reads the key an entry names: it must be the one that signed.
            return Verdict(False, f"signed by {checked.detail}, not by the key the entry names")
        return checked

    def not_counted(self) -> tuple[tuple[LedgerEntry, str], ...]:
        """Every entry whose signature is missing or does not verify, with why: it is shown,
        never counted."""
        verdicts = ((e, self.verdict(e)) for e in self.entries)
        return tuple((e, v.detail) for e, v in verdicts if not v.ok)

    def in_words(self, entry: LedgerEntry) -> str:
        """One entry as a committee reads it: when, what, who, at which content, and whether
        its signature counts.

        Example:
            >>> entry = LedgerEntry(1, "2026-11-01T10:00:00+00:00", "Dr R", "lead", "approve",
            ...     "R-1", "1.0.0", "c" * 64, "", GENESIS, "h" * 64)  # fmt: skip
            >>> import tempfile
            >>> Ledger(Path(tempfile.mkdtemp()) / LEDGER_FILE, ()).in_words(entry)
            '2026-11-01T10:00:00+00:00 approve by Dr R (lead), v1.0.0 cccccccccccc · DOES NOT COUNT (unsigned)'
        """
        note = f": {entry.text}" if entry.text else ""
        verdict = self.verdict(entry)
        signed = (
            f"signed as {entry.principal}" if verdict.ok else f"DOES NOT COUNT ({verdict.detail})"
        )
        return (
            f"{entry.at} {entry.action} by {entry.who} ({entry.role}), v{entry.version} "
            f"{entry.content_hash[:12]}{note} · {signed}"
        )

    def submitters(self, card_id: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """Who submitted a card for review, as its authors are known whatever names their later
        entries show: the signer identities and names (each as :func:`identity` reads it) and
        the personal keys. The app's server key signs for every signed-in reviewer, so it
        identifies nobody: only its identities count."""
        submits = [e for e in self.about(card_id) if e.action == "submit" and e.principal]
        return (
            frozenset(identity(e.identity) for e in submits),
            frozenset(identity(e.who) for e in submits),
            frozenset(e.key for e in submits if not self.signers.is_app_key(e.key)),
        )

    def by_author(self, card_id: str, author: str, signer: str, key: str, who: str) -> bool:
        """Whether a signer (identity ``signer``, ``key``, showing ``who``) is the card's
        author: the identity, name or personal key of a submission of it, or the author's name,
        each compared as a reader sees it (:func:`same_person`)."""
        identities, names, keys = self.submitters(card_id)
        return (
            (bool(signer) and identity(signer) in identities)
            or identity(who) in names
            or (key in keys and not self.signers.is_app_key(key))
            or same_person(who, author)
            or (bool(signer) and same_person(signer, author))
        )

    def approved_hashes(self, card_id: str, author: str) -> frozenset[str]:
        """Content hashes of ``card_id`` approved, by a verified signer other than its author,
        since its last retirement: a retirement withdraws every approval before it (signed or
        not: it only ever takes an approval away), so a retired card edited back to ``active``
        by hand needs a new approval to count again."""
        about = self.about(card_id)
        retired = [i for i, e in enumerate(about) if e.action == "retire"]
        since = about[retired[-1] + 1 :] if retired else about
        return frozenset(
            e.content_hash
            for e in since
            if e.action == "approve"
            and not self.by_author(card_id, author, e.identity, e.key, e.who)
            and self.verdict(e).ok
        )

    @property
    def head(self) -> ChainHead:
        """The ledger's count and newest hash, as its checkpoint and plans carry them."""
        return head_of([e.hash for e in self.entries])

    def about(self, card_id: str) -> tuple[LedgerEntry, ...]:
        """Every entry about one card, oldest first."""
        return tuple(e for e in self.entries if e.card_id == card_id)

    def append(
        self,
        *,
        signer: Signer,
        action: str,
        card_id: str,
        version: str,
        content_hash: str,
        text: str = "",
        now: dt.datetime | None = None,
    ) -> Ledger:
        """Append one entry signed by ``signer`` (the whole file is rewritten atomically: old or
        new, never half). The name shown is the signer's, the role their principal's.

        Raises:
            RuleFileError: for an unknown action, an empty or unprintable name, or a key that
                cannot sign.
        """
        who, role = signer.name, signer.role
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
        for what, value in (("name", who), ("role", role)):
            problem = check_name(value, what)
            if problem is not None:
                raise RuleFileError(problem, path=str(self.path), rule_id=card_id)
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
            "principal": signer.principal,
            "key": signer.public_key,
        }
        body["signature"] = signer.sign(_signed_bytes(body))
        entry = LedgerEntry(**body, hash=entry_hash(body))
        lines = [canonical_json({**e.body(), "hash": e.hash}) for e in (*self.entries, entry)]
        write_atomically(self.path, "".join(line + "\n" for line in lines))
        updated = Ledger(self.path, (*self.entries, entry), self.given_signers)
        # After the ledger: a writer stopped between the two leaves the checkpoint one behind
        # (not a fault), never ahead of entries that were not written.
        write_checkpoint(self.path.with_name(CHECKPOINT_FILE), updated.head)
        return updated


# Characters nobody sees: format characters (Cf: zero-width space and joiners, BOM, bidi
# controls, tags), and letters and marks that print as nothing (Hangul fillers, the braille
# blank, the combining grapheme joiner, variation selectors).
_INVISIBLE = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0}
_INVISIBLE_RANGES = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x180B, 0x180F))
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}


def _invisible(char: str) -> bool:
    point = ord(char)
    return (
        unicodedata.category(char) in _REFUSED_CATEGORIES
        or point in _INVISIBLE
        or any(low <= point <= high for low, high in _INVISIBLE_RANGES)
    )


def check_name(value: str, what: str = "name") -> str | None:
    """Why a displayed name (or role) cannot go in the ledger, or ``None``: it holds a
    control or invisible character, so it could print exactly like someone else's.

    Example:
        >>> check_name("Dr Reviewer") is None
        True
        >>> print(check_name("Dr\u200bReviewer"))
        name 'Dr\u200bReviewer' holds U+200B ZERO WIDTH SPACE (a control or invisible character at position 3); type it without
    """
    if len(value) > MAX_NAME:
        return f"{what} is {len(value)} characters long; at most {MAX_NAME} are recorded"
    for position, char in enumerate(value, 1):
        if _invisible(char):  # space (Zs) is not refused: NFKC and identity() fold the others
            name = unicodedata.name(char, "unnamed")
            return (
                f"{what} {to_short_repr(value)} holds U+{ord(char):04X} {name} (a control or "
                f"invisible character at position {position}); type it without"
            )
    return None


# Latin look-alikes in Cyrillic and Greek (the letters that print the same in common fonts),
# mapped to the Latin letter they pass for. Not Unicode's whole confusables table: within one
# script (l, I and 1; rn and m) names still differ.
_LOOK_ALIKES = str.maketrans(
    # Cyrillic, passing for ABESIJKMHOPCTXYaeijopcyxsdqwhl
    "\u0410\u0412\u0415\u0405\u0406\u0408\u041a\u041c"
    "\u041d\u041e\u0420\u0421\u0422\u0425\u0423\u0430"
    "\u0435\u0456\u0458\u043e\u0440\u0441\u0443\u0445"
    "\u0455\u0501\u051b\u051d\u04bb\u04cf"
    # Greek, passing for ABEZHIKMNOPTYXaikvoptux
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c"
    "\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03b1\u03b9"
    "\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7",
    "ABESIJKMHOPCTXYaeijopcyxsdqwhlABEZHIKMNOPTYXaikvoptux",
)


def identity(name: str) -> str:
    """The form of a displayed name that two people's names are compared in: NFKC, with
    invisible characters dropped, Cyrillic and Greek look-alikes read as the Latin letters they
    pass for, case folded, accents and every character but letters and digits dropped (spacing,
    dots, hyphens, apostrophes).

    Loose on purpose: two different people whose names meet here are only asked to write them
    apart (e.g. in full); one person under two spellings could approve their own card.

    Example:
        >>> identity("Dr. Ann-Marie O'Brien.") == identity("dr ann marie obrien")
        True
        >>> identity("Dr\u200b Reviewer") == identity("Dr Reviewer")  # a zero-width space
        True
        >>> identity("Dr R\u0435viewer") == identity("Dr Reviewer")  # Cyrillic e
        True
    """
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if not _invisible(c)).translate(_LOOK_ALIKES).casefold()
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def same_person(a: str, b: str) -> bool:
    # Display names are typed, not proved (the signer identity is): compare them as a reader sees
    # them too, so that case, spacing, punctuation, a zero-width character or a look-alike letter
    # does not let an author approve their own card.
    return identity(a) == identity(b)


def load_ledger(rules_dir: Path) -> Ledger:
    """Read and check the ledger of a rules directory (an absent file is an empty ledger), with
    the signers file its signatures are checked against.

    Raises:
        RuleFileError: naming the line of the first unreadable entry or broken link, or of the
            signers file's first bad line, or a file that cannot be read.

    Example:
        >>> import tempfile
        >>> load_ledger(Path(tempfile.mkdtemp())).entries
        ()
    """
    path = rules_dir / LEDGER_FILE
    signers = load_signers(rules_dir)  # a broken signers file stops loading, like a broken card
    if not path.is_file() and not _exists(path.with_name(CHECKPOINT_FILE)):
        return Ledger(path, (), signers)
    check = check_ledger_file(path)
    if not check.result.ok:
        raise RuleFileError(
            f"approvals ledger chain broken: {check.result.reason}",
            path=str(path),
            line=check.result.first_broken,
            rule_id=check.broken_card_id,
        )
    return Ledger(path, check.entries, signers)


@dataclass(frozen=True)
class LedgerCheck:
    """What reading a ledger file found: the chain's verdict and the entries intact before any
    break. ``result.first_broken`` is a 1-based line number of the file."""

    result: ChainResult
    entries: tuple[LedgerEntry, ...]
    broken_card_id: str | None = None
    # The ledger's checkpoint (``approvals.checkpoint``), if there is one and it could be read.
    checkpoint: ChainHead | None = None


# The fields of an entry and their JSON types: an entry with others, or fewer, is not one (the
# three signature fields come together, or not at all in an entry written before signing).
_FIELD_TYPES: dict[str, type] = {f.name: str for f in fields(LedgerEntry)} | {"seq": int}


def check_ledger_file(path: Path) -> LedgerCheck:
    """Read a ledger file and check every line: UTF-8 JSON, an entry's fields with their types,
    hashed and linked to the line before (:func:`tmrplan.hashchain.verify_chain`).

    The one reader of the ledger: the loader refuses exactly what ``tmrplan audit verify``
    reports broken. Lines are split on ``\\n`` only (a comment may hold U+2028, which
    ``str.splitlines`` would split on); lines of ASCII whitespace only are skipped. An intact
    chain is then compared with its checkpoint: one shorter than the checkpoint says, or with
    another entry where it names one, is broken (entries cut off the end, or the file replaced).
    A missing ledger file beside a checkpoint is read as an empty one: all of it was cut.

    Raises:
        RuleFileError: if the file cannot be read.

    Example:
        >>> import tempfile
        >>> check_ledger_file(Path(tempfile.mkdtemp()) / LEDGER_FILE).result.ok  # no file: empty
        True
    """
    try:
        data = read_regular_file(path, "approvals ledger") if _exists(path) else b""
    except InputFileError as error:  # a FIFO or /dev/zero in its place: refused, not waited on
        raise RuleFileError(error.reason, path=str(path)) from error
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
    return _against_checkpoint(path, chain, tuple(entries), numbers)


def _against_checkpoint(
    path: Path, chain: ChainResult, entries: tuple[LedgerEntry, ...], numbers: list[int]
) -> LedgerCheck:
    """An intact ledger compared with its checkpoint file."""
    where = path.with_name(CHECKPOINT_FILE)
    try:
        checkpoint = read_checkpoint(where)
    except CheckpointUnreadable as error:
        raise RuleFileError(f"not a ledger checkpoint: {error}", path=str(where)) from error
    except OSError as error:
        raise RuleFileError(f"cannot read: {error.strerror}", path=str(where)) from error
    if checkpoint is None:
        return LedgerCheck(chain, entries)
    problem = cut_or_rewritten([e.hash for e in entries], checkpoint)
    if problem is None:
        return LedgerCheck(chain, entries, checkpoint=checkpoint)
    # The line of the first entry missing, or of the entry that differs.
    line = (numbers[-1] + 1 if numbers else 1) if checkpoint.count > len(entries) else (
        numbers[checkpoint.count - 1])  # fmt: skip
    cut = min(checkpoint.count, len(entries))
    return LedgerCheck(
        ChainResult(False, cut if checkpoint.count > len(entries) else cut - 1, line, problem),
        entries,
        entries[checkpoint.count - 1].card_id if checkpoint.count <= len(entries) else None,
        checkpoint,
    )


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _shape_problem(obj: dict[str, Any]) -> str | None:
    """Why an intact chain link is still not a ledger entry, or None."""
    expected = set(_FIELD_TYPES) - (set() if "signature" in obj else set(_SIGNATURE_FIELDS))
    missing = sorted(expected - set(obj))
    extra = sorted(set(obj) - set(_FIELD_TYPES))
    if missing or extra:
        parts = [f"missing {', '.join(map(repr, missing))}" if missing else "",
                 f"unknown {', '.join(map(repr, extra))}" if extra else ""]  # fmt: skip
        return f"not a ledger entry: fields {'; '.join(p for p in parts if p)}"
    if any(obj.get(k) == "" for k in _SIGNATURE_FIELDS):
        return "not a ledger entry: an empty signature field (an unsigned entry has none)"
    for key, kind in _FIELD_TYPES.items():
        if key not in obj:
            continue
        value = obj[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            return (
                f"not a ledger entry: {key!r} is not {'a whole number' if kind is int else 'text'}"
            )
    return None


def _card_id(obj: object) -> str | None:
    card_id = obj.get("card_id") if isinstance(obj, dict) else None
    return card_id if isinstance(card_id, str) else None
