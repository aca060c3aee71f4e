"""The plan page's amputation inputs, driven with AppTest: the digit or toe picker and the through
choice follow the level, "not stated" stays unstated, the figure of what is lost is drawn, and
the plan names the digits and level in words."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.test_app import all_text, open_page
from tmrplan import paths
from tmrplan.knowledge.vocab import TMR
from tmrplan.ui.resources import planner

DIGITAL = "proper palmar digital nerves of the median nerve"


def choose_level(app: AppTest, level: str) -> AppTest:
    app.selectbox(key="level").set_value(level).run()
    assert not app.exception
    return app


def keys(app: AppTest, kind: str) -> set[str]:
    return {w.key for w in app.get(kind) if w.key}


def submit(app: AppTest, nerves: list[str]) -> AppTest:
    app.session_state["nerves"] = list(nerves)
    app.button(key="show_options").click().run()
    assert not app.exception
    return app


def test_hand_levels_show_the_digit_picker_and_the_hand_through_levels() -> None:
    app = choose_level(open_page("plan"), "partial_hand")
    digits = app.multiselect(key="digits")
    assert digits.options == [
        "thumb",
        "index finger",
        "middle finger",
        "ring finger",
        "little finger",
    ]
    assert digits.value == []  # nothing assumed
    through = app.selectbox(key="through_hand")
    assert through.value == "not stated"
    assert through.options[0] == "not stated"
    assert "through the proximal interphalangeal joint (PIP)" in through.options
    assert len(through.options) == 6  # not stated + dip, pip, mcp, metacarpal, cmc
    assert "toes" not in keys(app, "multiselect")
    # Nothing stated: the figure shows every segment as removed only in some readings.
    assert len(app.get("image")) == 1


def test_foot_levels_show_the_toe_picker_and_levels_without_rays_show_none() -> None:
    app = choose_level(open_page("plan"), "partial_foot")
    assert app.multiselect(key="toes").options[0] == "great toe"
    assert (
        "through the tarsometatarsal joints (Lisfranc)" in app.selectbox(key="through_foot").options
    )
    assert "digits" not in keys(app, "multiselect")
    app = choose_level(app, "transhumeral")
    assert not {"digits", "toes"} & keys(app, "multiselect")
    assert not {"through_hand", "through_foot"} & keys(app, "selectbox")
    assert not app.get("image")


def test_chosen_digits_and_through_reach_the_plan_in_words() -> None:
    app = choose_level(open_page("plan"), "partial_hand")
    app.multiselect(key="digits").set_value(["index", "middle"])
    app.selectbox(key="through_hand").set_value("pip").run()
    assert not app.exception
    assert "The middle and distal phalanges are lost" in all_text(app)  # the level's comment
    assert len(app.get("image")) == 1
    app = submit(app, [DIGITAL])
    text = all_text(app)
    assert (
        "partial hand amputation (index finger and middle finger through the proximal "
        "interphalangeal joint; thumb, ring finger and little finger spared)"
    ) in text.replace("\\", "")
    plan = app.session_state["plan"]
    assert plan.case.digits == ("index", "middle") and plan.case.through == "pip"
    assert plan.case.toes == () and plan.case.residual is None


def test_digits_not_stated_stay_unknown_in_the_plan() -> None:
    app = submit(choose_level(open_page("plan"), "partial_hand"), [DIGITAL])
    plan = app.session_state["plan"]
    assert plan.case.digits == () and plan.case.through is None
    text = all_text(app)
    assert "which digits were amputated\\: not stated" in text
    assert "where they were amputated\\: not stated" in text


def test_a_through_level_a_digit_lacks_is_said_not_drawn() -> None:
    app = choose_level(open_page("plan"), "partial_hand")
    app.multiselect(key="digits").set_value(["thumb"])
    app.selectbox(key="through_hand").set_value("pip").run()
    assert not app.exception
    assert "cannot be said of the thumb" in app.warning[0].value
    assert not app.get("image")


def test_a_whole_foot_level_takes_every_toe_without_naming_them() -> None:
    app = choose_level(open_page("plan"), "partial_foot")
    app.multiselect(key="toes").set_value(["fifth"])
    app.selectbox(key="through_foot").set_value("lisfranc").run()
    assert not app.exception
    assert app.multiselect(key="toes").disabled
    assert "takes every toe" in all_text(app)
    app = submit(app, ["medial plantar nerve"])
    refused = [e.value for e in app.error if not e.value.startswith("PREVIEW")]
    assert not refused, refused
    plan = app.session_state["plan"]
    assert plan.case.toes == () and plan.case.through == "lisfranc"
    assert "every toe and ray through the tarsometatarsal joints (Lisfranc)" in all_text(app)


# A long transradial residual limb, for the app's test only, used while the shipped knowledge base
# has no residual variants (ontology/anatomy/residual_lengths.ttl is being written): it says
# nothing clinical, only gives the picker a variant to offer.
TEST_VARIANT = """
@prefix tmr: <https://w3id.org/tmrplan#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
tmr:test_transradial_long a tmr:ResidualVariant ; tmr:residualOf tmr:transradial ;
    tmr:residualLength "long" ; skos:prefLabel "long transradial (app test)"@en ;
    tmr:removesRegion tmr:Wrist , tmr:Hand , tmr:Digits ; tmr:stumpRegion tmr:DistalForearm ;
    dcterms:source tmr:src_tmrplan_model .
"""


def residual_level() -> str | None:
    kb = planner().kb
    for level_id, level in sorted(kb.level_ids.items()):
        if list(kb.subjects(TMR.residualOf, level)):
            return level_id
    return None


@pytest.fixture
def with_residuals(tmp_path: Path) -> Iterator[str]:
    """A level with residual variants: the shipped ones if there are any, else the test's own."""
    level = residual_level()
    if level is not None:
        yield level
        return
    folder = shutil.copytree(paths.ontology_dir(), tmp_path / "ontology")
    (folder / "anatomy" / "test_residual_variant.ttl").write_text(TEST_VARIANT, encoding="utf-8")
    os.environ["TMRPLAN_ONTOLOGY"] = str(folder)
    planner.clear()
    yield "transradial"
    del os.environ["TMRPLAN_ONTOLOGY"]
    planner.clear()


def test_residual_length_is_offered_where_the_level_has_variants(with_residuals: str) -> None:
    level = with_residuals
    app = choose_level(open_page("plan"), level)
    residual = app.selectbox(key="residual")
    assert residual.options[0] == "not stated" and "mid" in residual.options
    assert residual.value == "not stated"
    app = submit(app, [_nerve(level)])
    assert app.session_state["plan"].case.residual is None  # not stated stays unstated
    assert "residual length (short, mid or long)\\: not stated" in all_text(app)
    length = next(r for r in residual.options if r in ("short", "long"))
    app.selectbox(key="residual").set_value(length)
    app = submit(app, [_nerve(level)])
    assert app.session_state["plan"].case.residual == length
    assert f"{length} residual limb" in all_text(app)
    app = choose_level(app, "partial_hand")
    assert "residual" not in keys(app, "selectbox")
    app = choose_level(app, "shoulder_disarticulation")  # a level without variants
    assert "residual" not in keys(app, "selectbox")


def _nerve(level: str) -> str:
    return {"transfemoral": "sciatic nerve", "transtibial": "tibial nerve"}.get(
        level, "median nerve"
    )
