"""What the server adds to every exchange with a browser: security headers on each response, and
a refusal, before Streamlit sees it, of a page of another origin opening the app's WebSocket.

An ASGI middleware (``st.App(middleware=...)``, in ``serve.py``). Streamlit checks a WebSocket's
origin itself, but to do so for a foreign origin it first asks an outside service for the
machine's external IP (``streamlit.net_util.get_external_ip``): a request to the internet from a
server the README says works offline, sent whenever a foreign page tries to connect. Here such a
connection is refused at once, with the same outcome Streamlit's check would reach for an origin
it does not know.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Scripts and styles from the app itself only. 'unsafe-inline' stays because Streamlit's own page
# carries an inline script and styles its components inline, and the plan page's one line of
# scroll script is inline too; what the policy still forbids is any script, style, font, image or
# connection from elsewhere, plugins, and framing by another site.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class HttpGuard:
    """The middleware: headers on HTTP responses, foreign-origin WebSockets refused."""

    def __init__(self, app: ASGIApp, allowed_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.allowed_hosts = frozenset(
            host for host in (urlsplit(o).hostname for o in allowed_origins) if host
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self.origin_allowed(scope):
            await receive()  # the connect event
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def origin_allowed(self, scope: Scope) -> bool:
        """Whether a WebSocket's Origin may connect: none given (not a browser), the page's own
        host, loopback (as Streamlit allows) or an origin the configuration names."""
        headers = {name.lower(): value for name, value in scope.get("headers", ())}
        origin = headers.get(b"origin")
        if origin is None:
            return True
        parts = urlsplit(origin.decode("latin-1"))
        if parts.netloc and parts.netloc.encode("latin-1") == headers.get(b"host"):
            return True
        return parts.hostname in LOOPBACK_HOSTS or parts.hostname in self.allowed_hosts


def http_guard(app: ASGIApp) -> HttpGuard:
    """The guard for a Streamlit server, with the origins its configuration allows
    (``server.corsAllowedOrigins``)."""
    from streamlit import config

    allowed = config.get_option("server.corsAllowedOrigins") or ()
    return HttpGuard(app, tuple(str(origin) for origin in allowed))
