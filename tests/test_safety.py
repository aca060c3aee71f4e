"""Safety controls the hazard log points at: no single directive or score, sessions kept apart,
the intended-use text identical in the docs and on the About page, and the hazard log itself."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import yaml
from streamlit.testing.v1 import AppTest

from tmrplan.model import parse_case
from tmrplan.notice import INTENDED_USE
from tmrplan.planning.planner import Planner
from tmrplan.render.plan import to_json_dict, to_text
from tmrplan.render.plan_report import to_markdown

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
HAZARD_LOG = ROOT / "safety" / "hazard_log.yaml"
DIRECTIVE_WORDS = ("recommended", "you should", "best option", "the answer is")


def test_plans_offer_options_never_one_directive_or_a_score(planner: Planner) -> None:
    for path in sorted((ROOT / "rules" / "reference_cases").glob("*.json")):
        case = json.loads(path.read_text())["case"]
        plan = planner.plan(parse_case(case, str(path)))
        for nerve in plan.nerves:
            assert len(nerve.options) != 1 or nerve.options[0].flags, path.name
        # The options and their basis; the leaflet's own care instructions may advise.
        options_part = to_markdown(plan).split("## Alternatives")[0]
        rendered = (to_text(plan) + options_part).lower()
        assert not any(word in rendered for word in DIRECTIVE_WORDS), path.name
        keys = json.dumps(to_json_dict(plan))
        assert '"score"' not in keys and '"probability"' not in keys


def test_one_session_never_sees_another_sessions_case() -> None:
    first = AppTest.from_file(APP, default_timeout=60).run()
    first.selectbox(key="level").set_value("transhumeral")
    first.session_state["nerves"] = ["median nerve"]  # the nerve picker's chosen labels
    first.button(key="show_options").click().run()
    assert "plan" in first.session_state
    second = AppTest.from_file(APP, default_timeout=60).run()
    assert "plan" not in second.session_state
    assert not [s.value for s in second.subheader]  # no nerve headings: nothing planned here


def test_intended_use_is_the_same_in_the_docs_and_on_the_about_page() -> None:
    assert (ROOT / "docs" / "intended_use.md").read_text(encoding="utf-8") == INTENDED_USE
    app = AppTest.from_file(APP, default_timeout=60)
    app.switch_page(str(ROOT / "tmrplan" / "ui" / "pages" / "about.py"))
    app.run()
    assert not app.exception
    shown = "\n".join(m.value for m in app.markdown)
    assert INTENDED_USE.split("\n", 1)[1].strip() in shown


def _defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
    }


def test_every_hazard_control_names_a_test_that_exists() -> None:
    log = yaml.safe_load(HAZARD_LOG.read_text(encoding="utf-8"))
    hazards = log["hazards"]
    assert len(hazards) >= 7
    for hazard in hazards:
        for key in ("id", "hazard", "cause", "effect", "severity", "likelihood", "controls"):
            assert hazard.get(key), f"{hazard.get('id')}: {key} missing"
        assert hazard["severity"] in log["scales"]["severity"], hazard["id"]
        assert hazard["likelihood"] in log["scales"]["likelihood"], hazard["id"]
        for control in hazard["controls"]:
            assert control["control"] and control["tests"], hazard["id"]
            for node in control["tests"]:
                file, _, name = node.partition("::")
                assert (ROOT / file).is_file(), f"{hazard['id']}: no file {file}"
                # Failing tests fail `make test` on their own; here: every named one exists.
                assert name in _defined_tests(ROOT / file), f"{hazard['id']}: no test {node}"
