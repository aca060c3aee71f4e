"""Signing reviewers in, in a real browser, against a local OpenID Connect provider
(``oidc-provider-mock``, started in this process on a loopback port) as the app would against a
hospital's: the app's secrets name the provider and the server's signing key, and the rules
folder's signers file lists each reviewer's ``ROLE/oidc:ISSUER#SUBJECT`` against that key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.signers import identity_of, key_of, list_signer, public_of
from tests.system.browser.harness import TIMEOUT_MS, Server, free_port, start_server, stop_server

SERVER_KEY = "tmrplan browser-test server"
ROLE = "clinical governance lead"
# The provider's own pages load a stylesheet from a CDN (blocked, as every request off the
# machine is); only that one is forgiven, and only on the provider's pages.
PROVIDER_STYLESHEET = re.compile(r"^https://cdn\.jsdelivr\.net/npm/@picocss/")


@dataclass(frozen=True)
class SignInApp:
    server: Server
    issuer: str
    server_public_key: str

    def principal(self, name: str, role: str = ROLE) -> str:
        return principal_of(self.issuer, name, role)


def principal_of(issuer: str, name: str, role: str = ROLE) -> str:
    """A signed-in reviewer's principal in the signers file."""
    return f"{role}/oidc:{issuer}#{identity_of(name)}"


@contextmanager
def app_with_sign_in(
    log: Path, rules: Path, reviewers: dict[str, str], secrets_dir: Path
) -> Iterator[SignInApp]:
    """The app over ``rules`` with sign-in through a local provider that knows ``reviewers``
    (name → role; a role of ``""`` is a reviewer the committee has not listed)."""
    # Imported here, in the test that uses it: its Authlib deprecation warnings then meet the
    # suite's filters (at collection they would be printed in every run's summary).
    import oidc_provider_mock

    users = [oidc_provider_mock.User(sub=identity_of(n), claims={"name": n}) for n in reviewers]
    with oidc_provider_mock.run_server_in_thread(port=0, user_claims=users) as provider:
        issuer = f"http://localhost:{provider.server_port}"
        port = free_port()
        secrets = secrets_dir / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            'cookie_secret = "browser-test cookie secret, long enough"\n'
            'client_id = "tmrplan"\n'
            'client_secret = "browser-test"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
            "[tmrplan]\n"
            f'server_key = "{key_of(SERVER_KEY)}"\n'
        )
        for name, role in reviewers.items():
            if role:
                list_signer(rules, principal_of(issuer, name, role), SERVER_KEY)
        server = start_server(
            log, {"TMRPLAN_RULES": str(rules)}, options=("--secrets.files", str(secrets)), port=port
        )
        try:
            yield SignInApp(server, issuer, public_of(SERVER_KEY))
        finally:
            stop_server(server)


def sign_in(page: Page, app: SignInApp, name: str, outside_requests: list[str]) -> None:
    """Sign ``name`` in on a fresh session (cookies cleared: no one else is still signed in),
    through the provider's own page, and return to the Rules page."""
    page.context.clear_cookies()
    page.goto(app.server.url + "rules")
    button = page.get_by_role("button", name="Sign in to review")
    expect(button).to_be_visible(timeout=TIMEOUT_MS)
    button.click()
    page.wait_for_url(f"{app.issuer}/oauth2/authorize*", timeout=TIMEOUT_MS)
    page.fill('input[name="sub"]', identity_of(name))
    page.click('button[type="submit"]:has-text("Authorize")')
    page.wait_for_url(app.server.url + "*", timeout=TIMEOUT_MS)
    outside_requests[:] = [u for u in outside_requests if not PROVIDER_STYLESHEET.match(u)]
    page.goto(app.server.url + "rules")
    expect(page.get_by_text(re.compile(f"^Signed in as {re.escape(name)}"))).to_be_visible(
        timeout=TIMEOUT_MS
    )
