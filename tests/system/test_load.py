"""The running server under load: 24 clients plan different cases at once, for 45 seconds.

A short run of ``scripts/load.py`` (``make load`` runs it for minutes; docs/performance.md has its
figures). Each client speaks Streamlit's protocol, so the server does all it does for a browser.
Latency is reported, not asserted (speed is judged by ``make load``); what is asserted is that
nothing goes wrong: no error on any page, no case seen by another session, no traceback in the
server's log, an intact audit log, and memory that does not keep growing.

The checks themselves are tested first, on pages built by hand, so that a run which finds
nothing means nothing was there to find.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.Exception_pb2 import Exception as ExceptionProto
from streamlit.proto.Heading_pb2 import Heading
from streamlit.proto.Markdown_pb2 import Markdown

from tests.scripts_import import load_script
from tmrplan.governance.audit import AuditLog
from tmrplan.model import Case

CLIENTS, SECONDS = 24, 45
ARTIFACTS = Path(__file__).resolve().parent / "browser" / "artifacts"


@pytest.fixture(scope="module")
def load() -> ModuleType:
    return load_script("load")


@pytest.fixture(scope="module")
def report(load: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result: dict[str, Any] = load.run_against_new_server(
        CLIENTS, SECONDS, 1.0, tmp_path_factory.mktemp("load")
    )
    print("\n" + load.summary(result))  # shown with -s, and kept with the artifacts
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


# -- the checks can fail -----------------------------------------------------------------------


def page_of(*elements: tuple[str, Any]) -> Any:
    page = load_script("load").Page()
    for position, (kind, proto) in enumerate(elements):
        page.elements[(0, position)] = (kind, proto)
    return page


def test_another_sessions_nerve_is_a_leak(load: ModuleType) -> None:
    tally = load.Tally()
    case = Case(("median nerve",), "transhumeral")
    nerves = {"median nerve", "ulnar nerve"}
    mine = page_of(("heading", Heading(tag="h3", body="median nerve")))
    load.check_plan(mine, case, nerves, "mine", tally)
    assert tally.leaks == []
    theirs = page_of(("heading", Heading(tag="h3", body="ulnar nerve")))
    load.check_plan(theirs, case, nerves, "theirs", tally)
    assert tally.leaks == ["theirs: showed ['ulnar nerve'], case was ['median nerve']"]


def test_exceptions_and_error_boxes_are_problems_but_the_preview_notice_is_not(
    load: ModuleType,
) -> None:
    preview = Alert(body="PREVIEW\\: built with 19 rule card(s)…", format=Alert.ERROR)
    assert page_of(("alert", preview)).problems() == []
    page = page_of(
        ("alert", Alert(body="unknown nerve 'x'", format=Alert.ERROR)),
        ("exception", ExceptionProto(type="KeyError", message="'plan'")),
    )
    assert page.problems() == ["exception: KeyError: 'plan'", "error box: unknown nerve 'x'"]


def test_the_pickers_chosen_nerves_are_read_back_as_labels(load: ModuleType) -> None:
    page = page_of(
        ("markdown", Markdown(body="**Neuroma nerves chosen:**")),
        ("markdown", Markdown(body="1. **median nerve** — typed 'median nerve' → median nerve")),
        ("markdown", Markdown(body="2. **a \\*b\\* nerve**")),  # escaped, no match line
        ("markdown", Markdown(body="Context (leave “not stated” when unknown)")),
    )
    assert page.chosen_nerves() == ["median nerve", "a *b* nerve"]


def test_memory_growth_is_measured_after_warm_up(load: ModuleType) -> None:
    samples = [(t, 100.0) for t in range(4)] + [(t, 300.0) for t in range(4, 12)]
    figures = load.memory_summary(samples + [(t, 450.0) for t in range(12, 16)])
    assert figures["warm_mb"] == 300.0 and figures["growth_after_warm_up_pct"] == 50.0


# -- the run -----------------------------------------------------------------------------------


def test_every_client_planned_and_every_page_was_drawn_without_error(
    report: dict[str, Any],
) -> None:
    assert report["problems"] == []
    assert report["plans"] >= CLIENTS  # every client got through at least one whole visit
    assert {"open", "plan", "basis", "rerun"} <= set(report["latency_s"])


def test_no_session_saw_another_sessions_case(report: dict[str, Any]) -> None:
    assert report["leaks"] == []
    assert report["distinct_cases"] >= CLIENTS


def test_the_server_logged_no_traceback(report: dict[str, Any]) -> None:
    assert report["server_log_errors"] == []


def test_the_audit_log_holds_every_plan_and_its_chain_is_intact(report: dict[str, Any]) -> None:
    log = AuditLog(Path(report["audit_db"]))
    try:
        assert log.verify().ok
        planned = [e for e in log.events() if e.kind == "plan_generated"]
        viewed = [e for e in log.events() if e.kind == "basis_viewed"]
    finally:
        log.close()
    assert len(planned) == report["plans"]
    assert len(viewed) == report["latency_s"]["basis"]["n"]


def test_server_memory_levels_off(report: dict[str, Any]) -> None:
    # Caches fill as new cases arrive (the diagram cache is bounded at 512 pictures); a leak of
    # sessions or plans would keep growing with every one of the run's sessions.
    assert report["memory"]["growth_after_warm_up_pct"] < 25, report["memory_samples"]
