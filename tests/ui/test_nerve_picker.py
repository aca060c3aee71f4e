"""The plan page's nerve picker (issue 14, HAZ-11), driven with AppTest: Enter adds a nerve only
when the typed name says exactly which nerve it is, in the case's context; a generic name lists
its candidates and a weak one offers suggestions, each added only by a click; what was typed and
what it matched is shown; a chosen nerve can be removed."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.ui.test_app import all_text, open_page
from tmrplan.ui.nerve_picker import Pick, match_words

AIN = "anterior interosseous nerve"


def at_level(level: str) -> AppTest:
    app = open_page("plan")
    app.selectbox(key="level").set_value(level).run()
    assert not app.exception
    return app


def enter(app: AppTest, typed: str) -> AppTest:
    """Type into the picker and press Enter (AppTest's ``input`` commits the text as Enter does)."""
    app.text_input(key="nerve_query").input(typed).run()
    assert not app.exception
    return app


def chosen(app: AppTest) -> list[str]:
    return list(app.session_state["nerves"])


def buttons(app: AppTest, prefix: str) -> list[str]:
    return [b.label for b in app.button if b.key and b.key.startswith(prefix)]


def test_an_abbreviation_and_enter_choose_the_nerve_and_say_what_matched() -> None:
    app = enter(at_level("transradial"), "AIN")
    assert chosen(app) == [AIN]
    shown = "typed 'AIN' → anterior interosseous nerve (abbreviation)"
    assert shown in app.success[0].value
    assert any(shown in m.value for m in app.markdown)  # the chosen list says it too
    assert app.text_input(key="nerve_query").value == ""  # ready for the next nerve
    app.button(key="show_options").click().run()
    assert not app.exception
    assert app.session_state["plan"].case.nerves == (AIN,)
    assert [h.value for h in app.subheader][:2] == ["Summary", AIN]


def test_a_synonym_is_shown_as_the_name_that_matched() -> None:
    app = enter(at_level("transtibial"), "common fibular nerve")
    assert chosen(app) == ["common peroneal nerve"]
    assert "typed 'common fibular nerve' → common peroneal nerve (synonym)" in app.success[0].value


def test_a_generic_name_at_a_digit_lists_the_hands_nerves_and_adds_nothing_until_a_click() -> None:
    app = enter(at_level("digit"), "digital nerve")
    assert chosen(app) == []  # Enter chose nothing
    offered = buttons(app, "nerve_candidate")
    assert len(offered) > 10  # the hand's digital nerves, each its own button
    assert f"fits {len(offered)} nerves here" in app.warning[0].value
    assert "proper palmar digital nerves of the median nerve" in offered
    assert all("plantar" not in o for o in offered), offered  # the hand's, not the foot's
    app.run()  # a rerun (another Enter, another widget) still adds nothing
    assert chosen(app) == []
    pick = offered.index("proper palmar digital nerves of the median nerve")
    app.button(key=f"nerve_candidate_{pick}").click().run()
    assert not app.exception
    assert chosen(app) == ["proper palmar digital nerves of the median nerve"]
    assert "(chosen from the list)" in app.success[0].value
    assert not buttons(app, "nerve_candidate")  # the list closes once one is chosen


def test_named_digits_put_their_own_nerves_first() -> None:
    app = at_level("digit")
    app.multiselect(key="digits").set_value(["index"]).run()
    app = enter(app, "digital nerve")
    first = buttons(app, "nerve_candidate")[:4]
    assert all("index finger" in label for label in first), first
    assert chosen(app) == []


def test_a_fuzzy_only_name_adds_nothing_and_offers_suggestions() -> None:
    app = enter(at_level("transhumeral"), "medain")
    assert chosen(app) == []
    assert "No nerve is called 'medain'. Did you mean" in app.warning[0].value
    offered = buttons(app, "nerve_suggestion")
    assert offered[0] == "median nerve"
    app = enter(app, "medain")  # Enter again: still nothing
    assert chosen(app) == []
    app.button(key="nerve_suggestion_0").click().run()
    assert chosen(app) == ["median nerve"]


def test_a_partial_match_is_only_suggested() -> None:
    app = enter(at_level("transradial"), "posterior antebrachial")
    assert chosen(app) == []
    assert "is only part of a name" in app.warning[0].value
    assert "Enter does not add it" in app.warning[0].value
    assert buttons(app, "nerve_suggestion") == ["posterior antebrachial cutaneous nerve"]


def test_a_nerve_the_site_cannot_take_and_a_muscle_are_refused_with_the_planners_words() -> None:
    app = enter(at_level("transhumeral"), "AIN")  # the AIN runs in the forearm only
    assert chosen(app) == []
    assert "does not reach the arm" in app.error[0].value
    app = enter(app, "FCU")
    assert chosen(app) == []
    assert "is a muscle, not a nerve" in app.error[0].value


def test_a_change_of_level_never_adds_or_drops_a_nerve_silently() -> None:
    app = enter(at_level("transhumeral"), "AIN")  # refused at the arm: it stays in the box
    app.selectbox(key="level").set_value("transradial").run()
    assert not app.exception
    assert chosen(app) == []  # the level made it plannable; only Enter or a click adds it
    assert "typed 'AIN' → anterior interosseous nerve (abbreviation)" in app.info[0].value
    app.button(key="nerve_add_0").click().run()
    assert chosen(app) == [AIN]
    app.selectbox(key="level").set_value("partial_foot").run()
    assert chosen(app) == [AIN]  # kept, and said not to be at the new site
    assert any("does not reach" in w.value for w in app.warning)


def test_a_chosen_nerve_can_be_removed() -> None:
    app = enter(enter(at_level("transhumeral"), "median nerve"), "ulnar")
    assert chosen(app) == ["median nerve", "ulnar nerve"]
    assert "typed 'ulnar' → ulnar nerve (normalised)" in all_text(app)
    app.button(key="nerve_remove_0").click().run()
    assert not app.exception
    assert chosen(app) == ["ulnar nerve"]
    app.button(key="show_options").click().run()
    assert app.session_state["plan"].case.nerves == ("ulnar nerve",)


def test_a_nerve_entered_twice_is_chosen_once() -> None:
    app = enter(enter(at_level("transhumeral"), "median nerve"), "median nerve")
    assert chosen(app) == ["median nerve"]
    assert "already chosen" in app.info[-1].value


def test_an_abbreviation_with_two_meanings_follows_the_level_and_the_region() -> None:
    # MPN: the medial pectoral nerve on the upper limb, the medial plantar nerve on the lower.
    # The level, and for an intact limb the region, chosen above the picker decide, as in the CLI.
    assert chosen(enter(at_level("shoulder_disarticulation"), "MPN")) == ["medial pectoral nerve"]
    assert chosen(enter(at_level("partial_foot"), "MPN")) == ["medial plantar nerve"]
    app = at_level("none")
    app.selectbox(key="region").set_value("foot").run()
    assert chosen(enter(app, "MPN")) == ["medial plantar nerve"]


def test_without_a_site_an_abbreviation_with_two_meanings_is_a_choice() -> None:
    app = enter(at_level("none"), "MPN")  # an intact limb, its region not chosen yet
    assert chosen(app) == []
    assert "Names are resolved without the case's site" in all_text(app)
    offered = buttons(app, "nerve_candidate")
    assert {"medial pectoral nerve", "medial plantar nerve"} <= set(offered)


def test_match_words_say_an_initialism_is_one() -> None:
    pick = Pick("LACN", "lateral antebrachial cutaneous nerve", "abbreviation")
    assert match_words("LACN", "lateral antebrachial cutaneous nerve", pick) == (
        "typed 'LACN' → lateral antebrachial cutaneous nerve (abbreviation: the initials of "
        "'lateral antebrachial cutaneous nerve')"
    )
