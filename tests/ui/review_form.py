"""The rules page's review form driven in-process (AppTest) by a signed-in reviewer: the app's
secrets name an identity provider and the server's key, ``st.user`` is the reviewer the
provider signed in, and the rules folder's signers file lists them against the server key (as
the committee would)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.signers import identity_of, key_of, list_signer

TEST_ISSUER = "https://idp.test.invalid"
SERVER = "tmrplan server"
ROLE = "clinical governance lead"


def configure_sign_in(app: AppTest) -> None:
    """Secrets as an administrator sets them: an identity provider and the server's key."""
    app.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a test cookie secret, long enough",
        "client_id": "tmrplan",
        "client_secret": "test",
        "server_metadata_url": f"{TEST_ISSUER}/.well-known/openid-configuration",
    }
    app.secrets["tmrplan"] = {"server_key": str(key_of(SERVER))}


def sign_in(app: AppTest, rules: Path | None, name: str, role: str = ROLE) -> str:
    """Sign ``name`` in (listed as ``role`` in ``rules``' signers file unless ``rules`` is
    None: an outsider); their principal."""
    configure_sign_in(app)
    subject = identity_of(name)
    app.user = {"is_logged_in": True, "iss": TEST_ISSUER, "sub": subject, "name": name}
    principal = f"{role}/oidc:{TEST_ISSUER}#{subject}"
    if rules is not None:
        list_signer(rules, principal, SERVER)
    return principal


def record_review(
    app: AppTest, rules: Path, card: str, action: str, who: str, text: str = ""
) -> AppTest:
    """``who`` signs in and records ``action`` on ``card`` (approve and retire then wait for
    the confirmation)."""
    sign_in(app, rules, who)
    app.run()
    app.selectbox(key="review_card").set_value(card)
    app.radio(key="review_action").set_value(action)
    app.text_area(key="review_text").set_value(text)
    next(b for b in app.button if b.label == "Record").click().run()
    assert not app.exception
    return app
