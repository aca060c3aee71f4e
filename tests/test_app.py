"""The Streamlit app, driven in-process with AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = Path(__file__).resolve().parent.parent / "tmrplan" / "ui" / "pages"


def test_plan_page_plans_a_multi_nerve_case() -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    app.selectbox(key="level").set_value("transhumeral")
    app.multiselect(key="nerves").set_value(["median nerve", "ulnar nerve"])
    app.button[0].click().run()
    assert not app.exception
    assert [h.value for h in app.subheader][:2] == ["median nerve", "ulnar nerve"]
    assert any("not stated" in m.value for m in app.markdown)
    basis = [e.label for e in app.expander if e.label.startswith("Basis of option 1 (assigned)")]
    assert len(basis) == 2


def test_plan_page_shows_errors_as_text() -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.selectbox(key="level").set_value("none")
    app.multiselect(key="nerves").set_value(["sural nerve"])
    app.button[0].click().run()
    assert not app.exception
    assert "needs --region" in app.error[0].value


def test_explore_page_searches_draws_and_lists() -> None:
    app = AppTest.from_file(APP, default_timeout=60)
    app.switch_page(str(PAGES / "explore.py"))
    app.run()
    assert not app.exception
    app.text_input(key="explore_query").set_value("FCU").run()
    assert not app.exception
    assert app.subheader[0].value == "flexor carpi ulnaris"
    paths = [m.value for m in app.markdown if "→" in m.value]
    assert any(p.startswith("C8 root") and p.endswith("wrist joint") for p in paths), paths
    app.selectbox(key="explore_level").set_value("transhumeral").run()
    assert not app.exception


def test_rules_and_about_pages_render() -> None:
    for page, text in (("rules", "TMR-DONOR-REDUNDANT"), ("about", "Bibliography")):
        app = AppTest.from_file(APP, default_timeout=60)
        app.switch_page(str(PAGES / f"{page}.py"))
        app.run()
        assert not app.exception
        rendered = " ".join([e.label for e in app.expander] + [s.value for s in app.subheader])
        assert text in rendered, rendered
