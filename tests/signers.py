"""Signing in tests: one real ed25519 key per person (made by ``ssh-keygen`` once per process),
listed in a rules folder's ``allowed_signers`` as the committee would list them."""

from __future__ import annotations

import atexit
import hashlib
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from tmrplan.rules.signing import NAMESPACE, SIGNERS_FILE, Signer

_KEYS = Path(tempfile.mkdtemp(prefix="tmrplan-test-keys-"))
atexit.register(shutil.rmtree, _KEYS, ignore_errors=True)


def identity_of(name: str) -> str:
    """A signer identity for a display name: ``Dr Reviewer`` is ``dr.reviewer``."""
    slug = re.sub(r"[^a-z0-9@]+", ".", name.casefold()).strip(".")
    return slug or "x" + name.encode("utf-8").hex()[:16]


@cache
def key_of(who: str) -> Path:
    """The private key of one person (or server), made once per process."""
    path = _KEYS / f"{hashlib.sha256(who.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}.key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", str(path)], check=True
    )
    return path


def public_of(who: str) -> str:
    return " ".join(key_of(who).with_name(key_of(who).name + ".pub").read_text().split()[:2])


def list_signer(rules: Path, principal: str, key_owner: str) -> None:
    """Add a principal with ``key_owner``'s key to the rules folder's signers file (once)."""
    line = f'"{principal}" namespaces="{NAMESPACE}" {public_of(key_owner)}\n'
    path = rules / SIGNERS_FILE
    text = path.read_text() if path.exists() else ""
    if line not in text:
        path.write_text(text + line)


def sign_as(rules: Path, name: str, role: str = "clinical lead", *, listed: bool = True) -> Signer:
    """``name`` signing with their own key as ``role``, listed in ``rules``' signers file unless
    ``listed`` is false (an outsider)."""
    principal = f"{role}/{identity_of(name)}"
    if listed:
        list_signer(rules, principal, name)
    return Signer(key_of(name), public_of(name), principal, name)
