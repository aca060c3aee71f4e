"""Who is reviewing in the app: a reviewer signed in through OpenID Connect (``st.login``, the
hospital's own identity provider, configured in ``.streamlit/secrets.toml``), whose roles come
from the reviewed signers file, never from the browser; their entries are signed by the server's
own key (``[tmrplan] server_key``), which the committee lists against each reviewer's identity
``oidc:ISSUER#SUBJECT``.

Without an identity provider, a server key, or a listing of the signed-in reviewer, review is
off and the page says which of the three is missing (and, for the last, the line to send the
committee)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from tmrplan.errors import TmrplanError
from tmrplan.rules.signing import (
    NAMESPACE,
    OIDC_PREFIX,
    Signer,
    load_signers,
    principal_problem,
    public_key_of,
)
from tmrplan.ui.widgets import md


@dataclass(frozen=True)
class Reviewer:
    """A signed-in reviewer: the name their identity provider gives and one signer per role the
    signers file lists their identity with."""

    name: str
    signers: tuple[Signer, ...]

    def as_role(self, role: str) -> Signer | None:
        return next((s for s in self.signers if s.role == role), None)


def sign_in_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` names an identity provider (an ``[auth]`` section)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # Streamlit's 'no secrets file' is one
        return False


def _server_key() -> Path | None:
    try:
        section = st.secrets.get("tmrplan", {})
    except FileNotFoundError:  # Streamlit's 'no secrets file' is one
        return None
    value = section.get("server_key") if hasattr(section, "get") else None
    return Path(str(value)).expanduser() if value else None


def current_reviewer(rules_dir: Path) -> Reviewer | str:
    """The signed-in reviewer with the roles the signers file gives them, or why review is off
    (as safe Markdown)."""
    if not sign_in_configured():
        return (
            "Review is off: no identity provider is configured. An administrator adds the "
            "hospital's OpenID Connect provider to `.streamlit/secrets.toml` (`[auth]`) and the "
            "server's signing key (`[tmrplan] server_key`); the README's governance section "
            "says how. The cards stay readable."
        )
    if not st.user.is_logged_in:
        return "Sign in to review: the ledger records who you are as your identity provider says."
    key_path = _server_key()
    if key_path is None:
        return (
            "Review is off: the server has no signing key (`[tmrplan] server_key` in "
            "`.streamlit/secrets.toml`), so nothing it wrote could be shown to be yours."
        )
    try:
        public_key = public_key_of(key_path)
        signers = load_signers(rules_dir)
    except TmrplanError as error:
        # Without the server's paths: the page is shown to every signed-in reviewer.
        why = str(error).replace(str(key_path), "the server key").replace(str(rules_dir), "rules")
        return md(f"Review is off: {why}")
    name = str(st.user.get("name") or st.user.get("email") or st.user.get("sub") or "")
    identity = f"{OIDC_PREFIX}{st.user.get('iss', '')}#{st.user.get('sub', '')}"
    listed = signers.for_identity(identity, public_key)
    problem = principal_problem(f"reviewer/{identity}")
    if not listed and problem is not None:
        return (
            f"You are signed in as {md(name)}, but your identity from the identity provider "
            f"cannot be listed in the signers file (it {problem}), so you cannot review here; "
            "ask the administrator."
        )
    if not listed:
        line = f'"reviewer/{identity}" namespaces="{NAMESPACE}" {public_key}'
        return (
            f"You are signed in as {md(name)}, but you are not in the signers file, so your "
            "reviews would not count. To review, ask the committee to add this line to "
            "`rules/allowed_signers` (with the role they give you in place of `reviewer`):\n\n"
            f"```\n{line}\n```"
        )
    return Reviewer(name, tuple(Signer(key_path, public_key, s.principal, name) for s in listed))


def sign_in_panel(reviewer: Reviewer | str) -> None:
    """Sign in or out, and who is signed in (nothing when no identity provider is set up)."""
    if not sign_in_configured():
        return
    if not st.user.is_logged_in:
        st.button("Sign in to review", key="sign_in", on_click=st.login)
        return
    who = reviewer.name if isinstance(reviewer, Reviewer) else st.user.get("name", "")
    left, right = st.columns((3, 1))
    roles = ", ".join(s.role for s in reviewer.signers) if isinstance(reviewer, Reviewer) else ""
    left.write(md(f"Signed in as {who}" + (f" · listed as {roles}" if roles else "")))
    right.button("Sign out", key="sign_out", on_click=st.logout)
