"""The Explore page a teacher would choose (issue 16), driven in-process with AppTest: every depth
draws (what did not fit is collapsed, and said so), kinds and relations in words, every root's
path for a nerve, and a quiz that marks the right answer."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tmrplan.teaching.quiz import Question

APP = str(Path(__file__).resolve().parents[2] / "app.py")
EXPLORE = str(Path(__file__).resolve().parents[2] / "tmrplan" / "ui" / "pages" / "explore.py")
CAMEL = re.compile(
    r"\b[a-z]+[A-Z][a-zA-Z]*\b|\b[A-Z][a-z]+[A-Z][a-zA-Z]*\b"
)  # branchOf, MixedNerve


def explore(query: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.switch_page(EXPLORE)
    app.run()
    app.text_input(key="explore_query").set_value(query).run()
    assert not app.exception
    return app


def markdown_lines(app: AppTest) -> list[str]:
    return [line for m in app.markdown for line in m.value.splitlines()]


def test_depth_two_draws_with_every_relation_and_says_what_it_collapsed() -> None:
    app = explore("median nerve")
    relations = app.multiselect(key="explore_relations")
    assert set(relations.value) == set(relations.options) or len(relations.value) > 10
    app.slider(key="explore_depth").set_value(2).run()
    assert not app.exception
    text = " ".join(m.value for m in [*app.markdown, *app.caption])
    assert "too many to draw" not in text
    assert len(app.get("image")) == 2, "the neighbourhood figure and the level figure"
    (caption,) = [c.value for c in app.caption if "collapsed into one node" in c.value]
    assert re.search(r"\b\d+ cutaneous nerves collapsed into one node", caption), caption
    assert "The list below has every structure" in caption
    assert "What the collapsed boxes hold" in [e.label for e in app.expander]
    for depth in (3, 1):
        app.slider(key="explore_depth").set_value(depth).run()
        assert not app.exception and len(app.get("image")) == 2, depth


def test_kinds_and_relations_show_in_words() -> None:
    app = explore("median nerve")
    assert "Type: named nerve · evidence:" in next(m.value for m in app.markdown)
    options = app.multiselect(key="explore_relations").options
    assert {"branch of", "spinal root", "innervates"} <= set(options)
    assert not [o for o in options if CAMEL.search(o)], options
    edges = app.dataframe[0].value
    assert "branch of" in set(edges["relation"])
    assert not [r for r in set(edges["relation"]) if CAMEL.search(r)]


def test_a_nerve_has_a_path_from_every_root_down_to_each_joint() -> None:
    app = explore("median nerve")
    assert "Root → plexus → nerve → branch → muscle → action → joint" in [
        s.value for s in app.subheader
    ]
    lines = markdown_lines(app)
    up = [line for line in lines if line.startswith("- ") and line.endswith("→ median nerve")]
    assert {line.split(" → ")[0] for line in up} == {
        "- C6 root",
        "- C7 root",
        "- C8 root",
        "- T1 root",
    }, up
    assert any("lateral cord" in line for line in up) and any("medial cord" in line for line in up)
    down = [line for line in lines if line.startswith("- median nerve → ")]
    assert any(line.endswith("wrist joint") for line in down), down
    assert "From each root the median nerve carries (4):" in lines
    more = [e.label for e in app.expander if re.fullmatch(r"\d+ more paths to the joints", e.label)]
    assert more, [e.label for e in app.expander]


def test_a_muscle_has_a_path_from_each_of_its_roots() -> None:
    app = explore("FCU")
    paths = [line for line in markdown_lines(app) if "→" in line]
    starts = {p.split(" → ")[0] for p in paths if p.endswith("wrist joint")}
    assert {"- C8 root", "- T1 root"} <= starts, paths


def test_level_view_is_blocks_that_wrap_not_fixed_columns() -> None:
    app = explore("FCU")
    app.selectbox(key="explore_level").set_value("transhumeral").run()
    assert not app.exception
    assert "**redundant** (6)" in [m.value for m in app.markdown]
    # Only the two download buttons under each figure sit side by side (five status columns did).
    assert len(app.columns) == 4, len(app.columns)


def test_the_quiz_marks_the_right_answer_and_the_wrong_choice() -> None:
    app = AppTest.from_file(APP, default_timeout=60)
    app.switch_page(EXPLORE)
    app.run()
    app.toggle(key="quiz_mode").set_value(True).run()
    question: Question = app.session_state["quiz"][0]
    wrong = next(c for c in question.choices if c != question.answer)
    app.radio[0].set_value(wrong).run()
    app.button(key="quiz_check").click().run()
    assert not app.exception
    lines = markdown_lines(app)
    marked = [line for line in lines if line.endswith(": the right answer")]
    assert len(marked) == 1 and question.answer.split(" ")[0] in marked[0], lines
    assert [line for line in lines if line.endswith(": your answer, not right")]
    assert sum(line.endswith("not right") for line in lines) == len(question.choices) - 1
    assert any(line.startswith("**Why:** ") for line in lines), lines
    # A right answer is marked as both.
    app.button(key="quiz_next").click().run()
    second: Question = app.session_state["quiz"][1]
    app.radio[0].set_value(second.answer).run()
    app.button(key="quiz_check").click().run()
    assert [line for line in markdown_lines(app) if line.endswith("the right answer, your answer")]
