"""End-to-end fixtures: the real app served by Streamlit on loopback, driven by Debian's Chromium
through Playwright. Every page records each request; one to anything but loopback fails the
test that caused it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Route,
    sync_playwright,
)

from tests.system.browser.harness import (
    ARTIFACTS,
    CHROMIUM_FLAGS,
    DESKTOP,
    LOOPBACK,
    Server,
    Timings,
    chromium_path,
    start_server,
    stop_server,
)
from tmrplan.planning.planner import load_planner


@pytest.fixture(scope="session")
def timings() -> Timings:
    return Timings()


@pytest.fixture(scope="session")
def validated() -> None:
    """Validate the shipped content once, as `tmrplan check` does, so the app's cold start is
    measured on validated content (validation itself is measured by `make bench`)."""
    load_planner()


@pytest.fixture(scope="session")
def server(validated: None) -> Iterator[Server]:
    ARTIFACTS.mkdir(exist_ok=True)
    running = start_server(ARTIFACTS / "server.log")
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def hostile_server(hostile_ontology: Path) -> Iterator[Server]:
    """The app over an ontology whose labels carry markup (see tests.conftest)."""
    ARTIFACTS.mkdir(exist_ok=True)
    running = start_server(
        ARTIFACTS / "hostile-server.log", {"TMRPLAN_ONTOLOGY": str(hostile_ontology)}
    )
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


@pytest.fixture
def outside_requests() -> list[str]:
    """Every non-loopback request any page of the test made (must stay empty)."""
    return []


def leaves_machine(url: str) -> bool:
    return (
        not url.startswith(("data:", "blob:", "about:")) and urlparse(url).hostname not in LOOPBACK
    )


@pytest.fixture
def page(browser: Browser, outside_requests: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)

    def record(request: Request) -> None:
        if leaves_machine(request.url):
            outside_requests.append(request.url)

    def block(route: Route) -> None:
        # Block as well as record: an offline ward must not even try.
        if leaves_machine(route.request.url):
            route.abort()
        else:
            route.continue_()

    refused: list[str] = []

    def note_refusal(message: ConsoleMessage) -> None:
        # The server's Content-Security-Policy (tmrplan.ui.http_guard) must let the whole app
        # work: anything the browser refuses under it is a broken page, not a blocked attack.
        if "Content Security Policy" in message.text:
            refused.append(message.text[:300])

    context.on("request", record)
    context.on("console", note_refusal)
    context.route("**/*", block)
    opened = context.new_page()
    yield opened
    context.close()
    assert not outside_requests, f"requests left the machine: {outside_requests}"
    assert not refused, f"the page's security policy refused: {refused}"
