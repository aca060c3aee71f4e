"""Signed approvals: OpenSSH signatures over ledger entries, and the reviewed signers file.

An approval proves who gave it only if it is signed by a key the committee listed. Every entry of
the approvals ledger carries an OpenSSH signature (``ssh-keygen -Y sign``, the mechanism git uses
for signed commits) over its canonical bytes, in tmrplan's own namespace, so a signature made for
anything else (a commit, a file) never verifies as an approval. ``rules/allowed_signers`` (the
OpenSSH allowed-signers format, reviewed like a card) lists whose keys count, as principals
``ROLE/IDENTITY``:

    surgeon/a.author@trust.example namespaces="tmrplan-approval@v1" ssh-ed25519 AAAA...
    reviewer/oidc:https://idp.trust.example#8d1f namespaces="tmrplan-approval@v1" ssh-ed25519 AAAA...

A person at the command line signs with their own key; the app signs with the server's own key
for a reviewer its identity provider signed in (``oidc:ISSUER#SUBJECT``), and the committee lists
that identity against the server key. Verifying runs ``ssh-keygen -Y verify`` once per distinct
entry and signers file (cached): nothing here implements cryptography.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tmrplan.errors import InputFileError, RuleFileError
from tmrplan.files import read_regular_file
from tmrplan.text import to_short_repr

NAMESPACE = "tmrplan-approval@v1"
"""The signature namespace of ledger entries (``ssh-keygen -n``): the entry format's version."""
SIGNERS_FILE = "allowed_signers"
OIDC_PREFIX = "oidc:"
"""Identities of reviewers signed in through OpenID Connect: ``oidc:ISSUER#SUBJECT``."""
_TIMEOUT_S = 20  # ssh-keygen asks nothing when it has no terminal; this only bounds a stuck one


class _Principal:
    """A principal ``ROLE/IDENTITY``, read as its two parts."""

    principal: str

    @property
    def role(self) -> str:
        return self.principal.partition("/")[0]

    @property
    def identity(self) -> str:
        return self.principal.partition("/")[2]


@dataclass(frozen=True)
class SignerLine(_Principal):
    """One principal of the signers file, with its key (``type base64``) and line number."""

    principal: str
    key: str
    line: int


@dataclass(frozen=True)
class AllowedSigners:
    """The parsed signers file of a rules folder.

    ``text`` is what ``ssh-keygen`` is given: not the file as written but its lines as parsed
    here, rebuilt one principal per line, so that OpenSSH reads exactly the principals and keys
    this module read (and the impact report shows). Read from the raw file, a line this parser
    took for a comment or quoted differently (a form feed before ``#``, an escaped quote) could
    give a key every principal.
    """

    path: Path
    lines: tuple[SignerLine, ...]

    @functools.cached_property
    def text(self) -> str:
        return "".join(f'"{s.principal}" namespaces="{NAMESPACE}" {s.key}\n' for s in self.lines)

    def for_key(self, key: str) -> tuple[SignerLine, ...]:
        """The principals listed for one public key (``type base64``, comment ignored)."""
        wanted = _bare_key(key)
        return tuple(s for s in self.lines if s.key == wanted)

    def for_identity(self, identity: str, key: str) -> tuple[SignerLine, ...]:
        """The principals (one per role) of an identity with one key."""
        return tuple(s for s in self.for_key(key) if s.identity == identity)

    def keys_of(self, principal: str) -> frozenset[str]:
        return frozenset(s.key for s in self.lines if s.principal == principal)

    def is_app_key(self, key: str) -> bool:
        """Whether a key is listed only for identities an identity provider signed in (the app
        server's key, which signs for every app reviewer and so identifies none of them)."""
        listed = self.for_key(key)
        return bool(listed) and all(s.identity.startswith(OIDC_PREFIX) for s in listed)


def load_signers(rules_dir: Path) -> AllowedSigners:
    """Read ``allowed_signers`` of a rules folder (absent: nobody's signature counts).

    Raises:
        RuleFileError: naming the line of a principal that is not ``ROLE/IDENTITY``, holds a
            wildcard, a quote, a control or invisible character, or is too long; of a key of
            a type not accepted (certificates included) or not base64; of an option other than
            ``namespaces`` naming tmrplan's; or a file that is not a readable regular file.

    Example:
        >>> import tempfile
        >>> load_signers(Path(tempfile.mkdtemp())).lines
        ()
    """
    path = rules_dir / SIGNERS_FILE
    if not (path.exists() or path.is_symlink()):
        return AllowedSigners(path, ())
    try:
        text = read_regular_file(path, "signers file").decode("utf-8")
    except InputFileError as error:
        raise RuleFileError(error.reason, path=str(path)) from error
    except UnicodeDecodeError as error:
        raise RuleFileError("not UTF-8 text", path=str(path)) from error
    return AllowedSigners(path, tuple(_parse(text, path)))


# The key types a reviewer's own key may have: no certificates, which a listed certificate
# authority would let anyone it certifies use under any key.
KEY_TYPES = (
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
)
_MAX_PRINCIPAL = 256


def _parse(text: str, path: Path) -> Iterable[SignerLine]:
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue

        def refused(why: str, number: int = number) -> RuleFileError:
            return RuleFileError(why, path=str(path), line=number)

        try:
            tokens = shlex.split(line, comments=False, posix=True)
        except ValueError as error:
            raise refused(f"signers line unreadable: {error}") from error
        key_at = next((i for i, t in enumerate(tokens) if t in KEY_TYPES), None)
        if key_at is None or key_at + 1 >= len(tokens):
            raise refused(
                f"signers line has no public key of a type accepted ({', '.join(KEY_TYPES[:3])}, "
                "...: a reviewer's own key; no certificate or cert-authority)"
            )
        if key_at == 0:
            raise refused("signers line names no principal before its key")
        for option in tokens[1:key_at]:
            name, _, value = option.partition("=")
            if name.casefold() != "namespaces":
                raise refused(
                    f"option {to_short_repr(name)} is not accepted: only "
                    f'namespaces="{NAMESPACE}" (list each reviewer\'s own key, with no '
                    "certificate authority or validity window)"
                )
            if NAMESPACE not in value.split(","):
                raise refused(f"namespaces={value!r} does not include {NAMESPACE}")
        key = f"{tokens[key_at]} {tokens[key_at + 1]}"
        if not fingerprint(key):
            raise refused(f"the public key of type {tokens[key_at]} is not base64")
        for principal in tokens[0].split(","):
            problem = principal_problem(principal)
            if problem is not None:
                raise refused(f"signer {to_short_repr(principal)} {problem}")
            yield SignerLine(principal, key, number)


def principal_problem(principal: str) -> str | None:
    """Why a principal cannot be listed in the signers file, or None."""
    role, slash, identity = principal.partition("/")
    if not slash or not role.strip() or not identity.strip():
        return "is not ROLE/IDENTITY (e.g. reviewer/a.b@trust.example)"
    if len(principal) > _MAX_PRINCIPAL:
        return f"is longer than {_MAX_PRINCIPAL} characters"
    if principal != principal.strip() or any(c in principal for c in "*?!"):
        return "holds a wildcard or leading or trailing space; list each reviewer by name"
    for char in principal:
        if char in '",\\' or (unicodedata.category(char)[0] in "CZ" and char != " "):
            return (
                f"holds U+{ord(char):04X} (a quote, comma, backslash, control, invisible or "
                "unusual space character); write it without"
            )
    return None


def fingerprint(key: str) -> str:
    """The OpenSSH SHA-256 fingerprint of a public key (``type base64``), as ``ssh-keygen -l``
    and ``-Y verify`` print it; ``""`` for text that is not a key.

    Example:
        >>> fingerprint("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHdC/q3/KGlmxzgpjq4TK9mN/+iczawQ62ar32+o//CL")
        'SHA256:KLYD1c17/vraIQfww8OX5BRQ71Dk/r6FagTf5AEkcGk'
    """
    parts = key.split()
    try:
        blob = base64.b64decode(parts[1], validate=True) if len(parts) >= 2 else b""
    except binascii.Error:
        return ""
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}" if blob else ""


def changes_between(base: AllowedSigners, current: AllowedSigners) -> tuple[str, ...]:
    """What a change of the signers file does, in words (for the impact report, where the
    committee reviews it like a card): who may now sign, and who no longer may."""
    old = {(s.principal, s.key) for s in base.lines}
    new = {(s.principal, s.key) for s in current.lines}
    return tuple(
        [f"signers file: {p} may now sign (key {fingerprint(k)})" for p, k in sorted(new - old)]
        + [
            f"signers file: {p} no longer signs with key {fingerprint(k)}; approvals signed "
            "so stop counting"
            for p, k in sorted(old - new)
        ]
    )


def _bare_key(key: str) -> str:
    """``type base64`` of a public key line (its comment dropped)."""
    return " ".join(key.split()[:2])


@dataclass(frozen=True)
class Signer(_Principal):
    """Who signs a ledger entry, with which private key: their principal in the signers file
    and the name the ledger shows."""

    key_path: Path
    public_key: str
    principal: str
    name: str

    def sign(self, data: bytes) -> str:
        """The armored OpenSSH signature of ``data`` in tmrplan's namespace.

        Raises:
            RuleFileError: if ``ssh-keygen`` cannot sign with the key (its own message).
        """
        done = _ssh_keygen(["-Y", "sign", "-f", str(self.key_path), "-n", NAMESPACE], data)
        if done.returncode != 0 or b"BEGIN SSH SIGNATURE" not in done.stdout:
            why = done.stderr.decode("utf-8", "replace").strip() or "no signature written"
            raise RuleFileError(f"cannot sign with {self.key_path}: {why}")
        return done.stdout.decode("ascii")


def public_key_of(key_path: Path) -> str:
    """The public key (``type base64``) of a private key file: its ``.pub`` beside it, or
    derived by ``ssh-keygen -y`` (which needs an unencrypted key).

    Raises:
        RuleFileError: if the key file is missing or unreadable as a key.
    """
    if not key_path.is_file():
        raise RuleFileError(f"no key file {str(key_path)!r} (make one: ssh-keygen -t ed25519)")
    public = key_path.with_name(key_path.name + ".pub")
    if public.is_file():
        try:
            return _bare_key(public.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise RuleFileError(f"cannot read the public key {str(public)!r}: {error}") from error
    done = _ssh_keygen(["-y", "-f", str(key_path)], b"")
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip()
        raise RuleFileError(f"cannot read the public key of {str(key_path)!r}: {why}")
    return _bare_key(done.stdout.decode("ascii"))


def default_key() -> Path:
    """The user's usual SSH key: the first of ``~/.ssh/id_ed25519``, ``id_ecdsa``, ``id_rsa``
    that exists (the first if none does, so that the message names it)."""
    home = Path(os.path.expanduser("~")) / ".ssh"
    candidates = [home / name for name in ("id_ed25519", "id_ecdsa", "id_rsa")]
    return next((p for p in candidates if p.is_file()), candidates[0])


def signer_for(
    signers: AllowedSigners,
    key_path: Path,
    *,
    role: str | None = None,
    name: str | None = None,
) -> Signer:
    """The signer a key stands for in the signers file (a key listed under several principals
    needs the role to choose).

    Raises:
        RuleFileError: if the key is not listed (with the line to send the committee), or
            listed under several principals and nothing chooses one.
    """
    key = public_key_of(key_path)
    listed = [s for s in signers.for_key(key) if role is None or s.role == role]
    if not listed:
        wanted = f"{role or 'ROLE'}/YOUR.NAME"
        also = f" as {role}" if role else ""
        raise RuleFileError(
            f"the key {str(key_path)!r} is not in the signers file{also}, so its approvals would "
            f"not count; ask the committee to add the line: "
            f'"{wanted}" namespaces="{NAMESPACE}" {key}',
            path=str(signers.path),
        )
    if len(listed) > 1:
        choices = ", ".join(s.principal for s in listed)
        raise RuleFileError(
            f"the key {str(key_path)!r} is listed as {choices}; say which role (--role)",
            path=str(signers.path),
        )
    chosen = listed[0]
    return Signer(key_path, key, chosen.principal, (name or chosen.identity).strip())


@dataclass(frozen=True)
class Verdict:
    """Whether a signature verified, and the key's fingerprint or why not."""

    ok: bool
    detail: str


def verify(signers: AllowedSigners, principal: str, signature: str, data: bytes) -> Verdict:
    """Whether ``signature`` is ``principal``'s, by a key the signers file lists for them, over
    exactly ``data``, in tmrplan's namespace."""
    if not signature:
        return Verdict(False, "unsigned")
    if not principal:
        return Verdict(False, "signed, but names no signer")
    if not any(s.principal == principal for s in signers.lines):
        return Verdict(False, f"{principal!r} is not in the signers file")
    return _verify(signers.text, principal, signature, data)


@functools.lru_cache(maxsize=4096)
def _verify(signers_text: str, principal: str, signature: str, data: bytes) -> Verdict:
    if shutil.which("ssh-keygen") is None:  # nothing can be shown signed: nothing counts
        return Verdict(False, "not checked: ssh-keygen (OpenSSH 8.2 or later) is not installed")
    with tempfile.TemporaryDirectory(prefix="tmrplan-verify-") as folder:
        signers_file = Path(folder) / "allowed_signers"
        signature_file = Path(folder) / "entry.sig"
        signers_file.write_text(signers_text, encoding="utf-8")
        signature_file.write_text(signature, encoding="utf-8")
        try:
            done = _ssh_keygen(
                ["-Y", "verify", "-f", str(signers_file), "-I", principal, "-n", NAMESPACE,
                 "-s", str(signature_file)],
                data,
            )  # fmt: skip
        except (RuleFileError, OSError, ValueError) as error:  # the check could not run
            return Verdict(False, f"not checked: {error}")
    out = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode == 0 and out.startswith("Good"):
        return Verdict(True, out.rsplit(" ", 1)[-1])  # "... with ED25519 key SHA256:..."
    why = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
    return Verdict(False, f"signature does not verify ({why[-1] if why else 'no reason given'})")


def _ssh_keygen(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    program = shutil.which("ssh-keygen")
    if program is None:
        raise RuleFileError("ssh-keygen (OpenSSH 8.2 or later) is needed to sign and verify")
    try:
        return subprocess.run(
            [program, *args], input=data, capture_output=True, timeout=_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise RuleFileError(f"ssh-keygen gave no answer in {_TIMEOUT_S} s") from error
