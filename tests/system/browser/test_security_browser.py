"""The browser enforces the server's security policy (tmrplan.ui.http_guard), and the page
fixture's detector of refusals (conftest.py) sees a refusal when there is one.

The page fixture fails any browser test in which the policy refused something, so every other
browser test shows that the whole app works under it; this one shows that the policy is in force
at all and that the detector's wording matches what Chromium prints.
"""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.system.browser.harness import DESKTOP, Server


def test_the_browser_enforces_the_policy_and_the_detector_sees_it(
    server: Server, browser: Browser
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    messages: list[str] = []
    failed: dict[str, str | None] = {}
    context.on("console", lambda message: messages.append(message.text))
    context.on("requestfailed", lambda request: failed.update({request.url: request.failure}))
    try:
        page = context.new_page()
        page.goto(server.url)
        page.get_by_role("heading", level=1).wait_for()
        # What injected markup would do: load a script from elsewhere (a documentation-only
        # address, TEST-NET-3, that no network routes).
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.src = 'http://203.0.113.7/x.js'; document.head.appendChild(s); }"
        )
        page.wait_for_timeout(500)  # console messages arrive asynchronously
    finally:
        context.close()
    assert any("Content Security Policy" in text for text in messages), messages
    # Refused by the browser itself, before any connection was tried.
    assert failed.get("http://203.0.113.7/x.js") == "csp", failed
