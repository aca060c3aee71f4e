"""The audit log's plan events carried what the case had made of the plan.

What was wrong: ``plan_generated`` listed the rule cards that fired on the plan, and
case-scope cards fire only on stated context, so the log said that a patient takes
anticoagulants (``TMR-ANTICOAGULANTS``) or had earlier surgery; with its nerve and option counts
and a time to the microsecond, an event could be matched to one site, one nerve and one patient.
``basis_viewed`` likewise named the cards that flagged the option opened and its rank.

How found: issue 17 red-team item 4.

What changed: a plan's and an opened basis's events carry the versions and the PREVIEW flag
only; the whitelist refuses cards, rule ids, counts and ranks (a case-derived field is an
``AuditLogError`` naming the key); every event's time is kept to the minute.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tmrplan.errors import AuditLogError
from tmrplan.governance.audit import AuditLog, validate_detail
from tmrplan.model import Case, Plan
from tmrplan.planning.planner import Planner
from tmrplan.ui import plan_page

ON_ANTICOAGULANTS = Case(
    ("median nerve", "ulnar nerve"), "transhumeral", context={"anticoagulants": True}
)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        plan_page, "record", lambda kind, actor="app", **detail: events.append((kind, detail))
    )
    return events


@pytest.fixture(scope="module")
def plan(planner: Planner) -> Plan:
    made = planner.plan(ON_ANTICOAGULANTS)
    assert "TMR-ANTICOAGULANTS" in {f.rule_id for f in made.case_flags}  # the card did fire
    return made


def test_a_plan_event_holds_versions_and_preview_only(
    plan: Plan, recorded: list[tuple[str, dict[str, Any]]]
) -> None:
    plan_page.record_plan(plan)
    [(kind, detail)] = recorded
    assert kind == "plan_generated"
    assert set(detail) == {"kb_version", "rules_version", "preview"}
    assert "ANTICOAGULANT" not in repr(detail)
    validate_detail(kind, detail)


def test_an_opened_basis_event_holds_versions_and_preview_only(
    plan: Plan, recorded: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan_page.st, "session_state", {"basis-1": True})
    plan_page._basis_opened("basis-1", plan, plan.nerves[0].options[0])
    [(kind, detail)] = recorded
    assert kind == "basis_viewed"
    assert set(detail) == {"kb_version", "rules_version", "preview"}


@pytest.mark.parametrize(
    ("kind", "key", "value"),
    [
        ("plan_generated", "cards", ["TMR-ANTICOAGULANTS"]),
        ("plan_generated", "nerve_count", 2),
        ("plan_generated", "option_count", 9),
        ("basis_viewed", "rule_ids", ["TMR-PRIOR-SURGERY"]),
        ("basis_viewed", "option_rank", 1),
    ],
)
def test_a_case_derived_field_is_refused(kind: str, key: str, value: object) -> None:
    with pytest.raises(AuditLogError, match=f"may not carry {key!r}"):
        validate_detail(kind, {"kb_version": "1", key: value})


def test_times_are_kept_to_the_minute(tmp_path: Path) -> None:
    clock = lambda: dt.datetime(2026, 5, 4, 9, 41, 27, 123456, tzinfo=dt.UTC)  # noqa: E731
    with AuditLog(tmp_path / "audit.sqlite3", clock=clock) as log:
        assert log.record("plan_generated", {"preview": True}).at == "2026-05-04T09:41+00:00"
