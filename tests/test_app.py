"""The Streamlit app, driven in-process with AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_plan_page_plans_a_multi_nerve_case() -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    app.selectbox(key="level").set_value("transhumeral")
    app.multiselect(key="nerves").set_value(["median nerve", "ulnar nerve"])
    app.button[0].click().run()
    assert not app.exception
    assert [h.value for h in app.subheader][:2] == ["median nerve", "ulnar nerve"]
    assert any("not stated" in m.value for m in app.markdown)


def test_plan_page_shows_errors_as_text() -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.selectbox(key="level").set_value("none")
    app.multiselect(key="nerves").set_value(["sural nerve"])
    app.button[0].click().run()
    assert not app.exception
    assert "needs --region" in app.error[0].value
