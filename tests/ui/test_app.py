"""The Streamlit app, driven in-process with AppTest: every page, by widget key."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import HOSTILE_NERVE
from tests.ui.review_form import record_review
from tmrplan import paths
from tmrplan.governance.audit import AuditLog
from tmrplan.rules.ledger import load_ledger
from tmrplan.ui.resources import planner
from tmrplan.ui.widgets import source_line

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = Path(__file__).resolve().parents[2] / "tmrplan" / "ui" / "pages"


def open_page(name: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    if name != "plan":
        app.switch_page(str(PAGES / f"{name}.py"))
    app.run()
    assert not app.exception
    return app


def plan_case(app: AppTest, level: str, nerves: list[str]) -> AppTest:
    """Submit a case; the nerves go straight into the picker's list of chosen labels
    (tests/ui/test_nerve_picker.py types them)."""
    app.selectbox(key="level").set_value(level)
    app.session_state["nerves"] = list(nerves)
    app.button(key="show_options").click().run()
    assert not app.exception
    return app


def all_text(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    return "\n".join(parts + [s.value for s in app.subheader] + [e.label for e in app.expander])


def test_plan_page_plans_a_multi_nerve_case() -> None:
    app = plan_case(open_page("plan"), "transhumeral", ["median nerve", "ulnar nerve"])
    # The summary first (issue 16), then each nerve.
    assert [h.value for h in app.subheader][:3] == ["Summary", "median nerve", "ulnar nerve"]
    text = all_text(app).replace("\\", "")
    assert "transhumeral amputation; neuroma nerves: median nerve, ulnar nerve" in text
    assert "| neuroma nerve | assigned option |" in text
    assert "from the musculocutaneous nerve" in text  # the donor's parent nerve
    assert "assigned (no donor used twice): option 1" in text
    for section in (
        "Alternatives to TMR",
        "Risks to discuss",
        "What the patient is told",
        "Unknowns",
    ):
        assert section in text
    assert "side (left or right) not stated" in text
    basis = [e.label for e in app.expander if e.label.startswith("Basis of option 1 (assigned)")]
    assert len(basis) == 2
    labels = {b.label for b in app.get("download_button")}
    assert labels >= {"Download PDF", "Download Markdown", "Download JSON", "Patient sheet (PDF)"}


def test_top_options_are_open_and_the_rest_wait_behind_n_more() -> None:
    app = plan_case(open_page("plan"), "transhumeral", ["median nerve"])
    plan = app.session_state["plan"]
    rest = len(plan.nerves[0].options) - 3
    text = all_text(app)
    assert "**Ranking keys**" in text and "Facts that fired it" in text
    assert "What is lost with this donor" in text
    assert "journal article · case series" in text  # each evidence source with its kind
    assert len(app.get("image")) == 1  # the assigned option's diagram; the others on request
    assert "Basis of option 4" not in text  # the rest is not drawn at all
    more = app.toggle(key="more_MedianNerve")
    assert more.label == f"{rest} more option(s)"
    more.set_value(True).run()
    assert not app.exception
    assert "Basis of option 4" in all_text(app)
    app.toggle(key="loss_MedianNerve_BranchToBrachialis_2_draw").set_value(True).run()
    assert len(app.get("image")) == 2
    app.session_state["basis_MedianNerve_1"] = False  # a closed basis costs nothing
    app.run()
    assert len(app.get("image")) == 1
    assert {"Download SVG", "Download PNG"} <= {b.label for b in app.get("download_button")}


def test_stated_context_says_whether_it_changed_the_ranking() -> None:
    app = open_page("plan")
    app.session_state["ctx_strength_needs"] = "yes"
    app = plan_case(app, "transradial", ["median nerve"])
    assert "The context you stated (strength_needs = yes)" in all_text(app).replace("\\", "")


def test_a_diagram_that_cannot_be_drawn_leaves_the_basis_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tmrplan.errors import OutputError
    from tmrplan.render import drawing
    from tmrplan.ui.plan_page import loss_picture

    def no_worker(*_: object) -> bytes:
        raise OutputError("cannot draw the diagram: a worker died")

    loss_picture.clear()  # a picture drawn by an earlier test would be served from the cache
    monkeypatch.setattr(drawing, "loss_picture", no_worker)
    app = plan_case(open_page("plan"), "transhumeral", ["median nerve"])
    app.session_state["basis_MedianNerve_1"] = True
    app.run()
    assert not app.exception
    assert "What is lost with this donor" in all_text(app)
    assert not app.get("image")
    assert "could not be drawn (cannot draw the diagram\\: a worker died)" in app.warning[0].value


def test_citations_link_doi_and_pubmed_and_escape_the_label() -> None:
    line = source_line({"label": "A *b* <c>", "doi": "10.1097/x(1)", "pmid": "123"})
    assert line.startswith("A \\*b\\* \\<c\\>")
    assert "(https://doi.org/10.1097/x%281%29)" in line
    assert "[PMID 123](https://pubmed.ncbi.nlm.nih.gov/123/)" in line


def test_plan_page_shows_errors_as_text() -> None:
    app = plan_case(open_page("plan"), "none", ["sural nerve"])
    assert "needs --region" in app.error[0].value


def test_missing_context_is_listed_not_defaulted() -> None:
    app = open_page("plan")
    app.radio(key="ctx_anticoagulants").set_value("yes")
    app = plan_case(app, "transradial", ["median nerve"])
    text = all_text(app)
    assert "anticoagulants\\: not stated" not in text
    assert "strength\\_needs\\: not stated" in text


def test_explore_page_searches_draws_and_lists() -> None:
    app = open_page("explore")
    assert "no patient data" in app.info[0].value
    app.text_input(key="explore_query").set_value("FCU").run()
    assert not app.exception
    assert app.subheader[0].value == "flexor carpi ulnaris"
    paths = [line for m in app.markdown for line in m.value.splitlines() if "→" in line]
    assert any(p.startswith("- C8 root") and p.endswith("wrist joint") for p in paths), paths
    assert {"Download SVG", "Download PNG", "Download DOT (Graphviz)"} <= {
        b.label for b in app.get("download_button")
    }
    app.selectbox(key="explore_level").set_value("transhumeral").run()
    assert not app.exception
    assert "**redundant** (6)" in [m.value for m in app.markdown]


def test_quiz_mode_asks_checks_and_explains() -> None:
    app = open_page("explore")
    app.toggle(key="quiz_mode").set_value(True).run()
    assert not app.exception
    assert "no patient inputs" in app.warning[0].value
    assert not app.text_input  # no inputs but the answer choices
    question = app.session_state["quiz"][0]
    radio = app.radio[0]
    radio.set_value(question.choices[0]).run()
    app.button(key="quiz_check").click().run()
    assert not app.exception
    text = all_text(app)
    assert "The answer is **" in text and "Sources:" in text
    app.button(key="quiz_next").click().run()
    assert "question 2 of 5" in all_text(app)


def test_rules_and_about_pages_render() -> None:
    for page, text in (("rules", "TMR-DONOR-REDUNDANT"), ("about", "Bibliography")):
        app = open_page(page)
        rendered = " ".join([e.label for e in app.expander] + [s.value for s in app.subheader])
        assert text in rendered, rendered


@pytest.fixture
def hostile_app(hostile_ontology: Path) -> Iterator[None]:
    """The app's shared planner built from the hostile ontology, for one test."""
    os.environ["TMRPLAN_ONTOLOGY"] = str(hostile_ontology)
    planner.clear()
    yield
    del os.environ["TMRPLAN_ONTOLOGY"]
    planner.clear()


def test_labels_with_markup_reach_markdown_escaped(hostile_app: None) -> None:
    app = plan_case(open_page("plan"), "transhumeral", [HOSTILE_NERVE])
    app.session_state["basis_MedianNerve_1"] = True
    app.run()
    assert not app.exception
    text = all_text(app)
    assert "\\<script\\>window.tmrPwned=1\\</script\\>" in text
    assert (
        "\\<img src=x onerror=window.tmrPwned=2\\> \\*\\*not bold\\*\\* \\$x\\$ \\:red\\[" in text
    )
    unescaped = [line for line in text.splitlines() if "<script>" in line or " <img" in line]
    assert not unescaped, unescaped


@pytest.fixture
def reviewable_rules(tmp_path: Path) -> Iterator[Path]:
    """The app over a private copy of the rules, every card put in review."""
    folder = shutil.copytree(paths.rules_dir(), tmp_path / "rules")
    for card in folder.glob("*.yaml"):
        card.write_text(card.read_text().replace("status: draft", "status: in_review"))
    os.environ["TMRPLAN_RULES"] = str(folder)
    planner.clear()
    yield folder
    del os.environ["TMRPLAN_RULES"]
    planner.clear()


def review(app: AppTest, card: str, action: str, who: str, text: str = "") -> AppTest:
    return record_review(app, Path(os.environ["TMRPLAN_RULES"]), card, action, who, text)


def test_rules_page_records_reviews_in_the_ledger_and_the_audit_log(
    reviewable_rules: Path,
) -> None:
    audit = AuditLog()
    before = audit.count()
    app = open_page("rules")
    assert "every plan is marked PREVIEW" in app.warning[0].value
    assert any("Review is off: no identity provider" in i.value for i in app.info)
    app = review(app, "TMR-RISK-NONE", "comment", "Dr Reviewer", "cite the RCT?")
    app = review(app, "TMR-RISK-NONE", "approve", "Dr Reviewer")
    # Approve waits for the reviewer to confirm the content read (tests/ui/test_rules_page.py).
    next(c for c in app.checkbox if (c.key or "").startswith("review_read_")).check().run()
    app.button(key="review_confirm").click().run()
    assert "Recorded\\: approve of TMR-RISK-NONE" in app.success[-1].value
    app = review(app, "TMR-RISK-LOW", "approve", "tmrplan maintainers (draft)")
    assert "author" in app.error[0].value
    entries = load_ledger(reviewable_rules).entries
    assert [(e.action, e.card_id, e.who) for e in entries] == [
        ("comment", "TMR-RISK-NONE", "Dr Reviewer"),
        ("approve", "TMR-RISK-NONE", "Dr Reviewer"),
    ]
    events = audit.events()[before:]
    assert [(e.kind, e.actor) for e in events] == [
        ("comment", "Dr Reviewer"),
        ("approval", "Dr Reviewer"),
    ]
    assert audit.verify().ok
    app = open_page("rules")
    assert any("TMR-RISK-NONE v1.0.0 · active · approved" in e.label for e in app.expander)


def test_planning_is_audited_without_case_data() -> None:
    audit = AuditLog()
    before = audit.count()
    plan_case(open_page("plan"), "transhumeral", ["median nerve", "ulnar nerve"])
    [event] = audit.events()[before:]
    assert event.kind == "plan_generated"
    assert set(event.detail) == {"kb_version", "rules_version", "preview"}
    assert event.detail["preview"] is True
    stored = json.dumps(event.to_dict())
    assert "median" not in stored and "transhumeral" not in stored


def test_rules_page_shows_the_impact_of_the_working_copy(reviewable_rules: Path) -> None:
    app = open_page("rules")
    app.text_input(key="impact_base").set_value(
        str(paths.ontology_dir().parent)
    )  # the shipped data
    app.button(key="impact_run").click().run(timeout=180)
    assert not app.exception
    report = next(m.value for m in app.markdown if m.value.startswith("# Impact of rule"))
    assert "## Cards that differ" in report and "TMR-RISK-NONE" in report


def test_two_sessions_exporting_the_same_case_get_different_addresses() -> None:
    """Issue 17, item 5: an export's address was a hash of bytes that depend only on the case, the
    versions and the date, so anyone who could reach the server could test whether a case was
    being viewed and fetch its export. Each session's copies now carry its own random reference."""

    def export_addresses() -> dict[str, str]:
        app = plan_case(open_page("plan"), "transradial", ["median nerve"])
        buttons = {b.label: b.proto.url for b in app.get("download_button")}
        return {label: buttons[label] for label in ("Download Markdown", "Download JSON")}

    first, second = export_addresses(), export_addresses()
    for label, address in first.items():
        assert address and second[label], label
        assert address != second[label], f"{label} has the same address in two sessions"
