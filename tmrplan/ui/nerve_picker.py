"""The neuroma-nerve picker: a typed name resolved in the case's context, by the resolver the
CLI, batches and the planner use (:func:`tmrplan.planning.planner.resolve_nerve`).

What Enter may do, and what only a click may (issue 14: a wrong nerve chosen silently is a
patient-safety hazard, HAZ-11):

* a name that resolves to one nerve by its label, a synonym, an abbreviation or its words
  normalised (``MATCHED_ON_ENTER``) is added by Enter, and the page says what was typed and what
  it matched: "typed 'AIN' → anterior interosseous nerve (abbreviation)";
* a name that fits several nerves ("digital nerve" at a digit level) lists them, in the order
  the resolver gives for the case's limb, site and digits; each is added by its own click;
* a weak match (a part of one nerve's name, or only close to some names) is never added by
  Enter: it is offered as "did you mean" buttons.

A nerve that cannot be at the case's site (or is not a nerve at all) is refused with the
planner's own message. The chosen nerves' labels are kept in ``st.session_state["nerves"]``
(:data:`CHOSEN`) and reach the Case as the old multiselect's did; each is listed with the name
that matched it and a button that removes it.

The text box sits outside the case form so that Enter reruns the page at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from tmrplan.errors import AmbiguousNameError, TmrplanError, UnknownEntityError
from tmrplan.knowledge.names import Match
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.anatomy_index import AnatomyIndex, Site
from tmrplan.planning.planner import resolve_nerve
from tmrplan.planning.sweep import NEUROMA_NERVE_CLASSES
from tmrplan.ui.resources import planner
from tmrplan.ui.widgets import md

CHOSEN = "nerves"  # the chosen nerves' labels, in the order chosen (what the Case gets)
QUERY = "nerve_query"  # the text box
_PICKS = "nerve_picks"  # label → how it was chosen (typed, matched name, how), for display
_FEEDBACK = "nerve_feedback"  # what the last Enter or click did: (kind, text)
LABEL = "Neuroma nerve (type a name, synonym or abbreviation, then Enter)"
MATCHED_ON_ENTER = frozenset({"label", "synonym", "abbreviation", "normalised"})
_SUGGESTIONS = 5


@dataclass(frozen=True)
class Pick:
    """How a chosen nerve was chosen.

    Attributes:
        typed: what the surgeon typed.
        matched: the nerve's own name that matched it ("" when chosen from a list).
        how: the resolver's tier (``label``, ``synonym``, ``abbreviation``, ``normalised``,
            ``partial``), or ``chosen`` (clicked in a list of candidates or suggestions).
    """

    typed: str
    matched: str
    how: str


@dataclass(frozen=True)
class Lookup:
    """What a typed name is in the case's context.

    Attributes:
        typed: the name as typed (stripped).
        match: the resolver's one answer, or None.
        refusal: why that answer cannot be planned here (the planner's message), or "".
        candidates: an ambiguous name's candidates' labels, in the resolver's order.
        suggestions: close names' labels (fuzzy: offered, never accepted).
    """

    typed: str
    match: Match | None = None
    refusal: str = ""
    candidates: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()

    @property
    def accepted_on_enter(self) -> bool:
        """Whether Enter alone may add the answer: one nerve, matched strongly, plannable here."""
        return self.match is not None and self.match.how in MATCHED_ON_ENTER and not self.refusal


def case_site(level: str, region: str | None, amputation: dict[str, Any]) -> Site | None:
    """The site the case's inputs so far describe, or None while they describe none (an intact
    limb without its region, a through-level a digit lacks): names then resolve without it."""
    try:
        return planner().index.site(level, region if level == "none" else None, **amputation)
    except TmrplanError:
        return None


def look_up(typed: str, site: Site | None) -> Lookup:
    """Resolve a typed name as the planner will, in the case's site when there is one.

    Args:
        typed: the name as typed.
        site: the case's site (:func:`case_site`), or None.

    Returns:
        The :class:`Lookup`: one match (and whether it is refused here), the candidates of an
        ambiguous name, or suggestions.
    """
    service = planner()
    text = typed.strip()
    if not text:
        return Lookup(text)
    try:
        match = _resolve(service.index, text, site)
    except AmbiguousNameError as error:
        return Lookup(text, candidates=error.matches)
    except UnknownEntityError:
        return Lookup(text, suggestions=tuple(_suggest(service.index, text, site)))
    return Lookup(text, match, _refusal(service.index, match, text, site))


def _resolve(index: AnatomyIndex, name: str, site: Site | None) -> Match:
    if site is not None:
        return resolve_nerve(index, name, site)
    # No site yet: no limb either, so an abbreviation with a meaning on each limb stays
    # ambiguous rather than being settled for the surgeon.
    return index.kb.resolve(name, what="nerve")


def _refusal(index: AnatomyIndex, match: Match, typed: str, site: Site | None) -> str:
    """Why a resolved entity cannot be chosen here: the planner's check at the site, and, as the
    picker always had it, only named nerves (not roots, plexus parts or motor branches)."""
    kb = index.kb
    if site is not None:
        try:
            index.check_nerve(match.entity, site, typed)
        except TmrplanError as error:
            return str(error)
    if not any(kb.is_a(match.entity, kind) for kind in NEUROMA_NERVE_CLASSES):
        kind = kb.type_of(match.entity)
        named = repr(kb.label(match.entity))
        if typed.casefold() != kb.label(match.entity).casefold():
            named = f"{typed!r} ({kb.label(match.entity)})"
        return (
            f"{named} is a {kb.label(kind) if kind else 'thing'}: the app plans neuromas of "
            "named nerves (mixed or cutaneous)"
        )
    return ""


def _suggest(index: AnatomyIndex, typed: str, site: Site | None) -> list[str]:
    kb = index.kb
    limb = kb.limb_of(site.region) if site is not None else None
    return kb.suggest(typed, limit=_SUGGESTIONS, cls=TMR.Nerve, limb=limb)


def match_words(typed: str, label: str, pick: Pick) -> str:
    """What a typed name was taken to be, in words.

    Example:
        >>> match_words("AIN", "anterior interosseous nerve", Pick("AIN", "AIN", "abbreviation"))
        "typed 'AIN' → anterior interosseous nerve (abbreviation)"
        >>> match_words("common fibular", "common peroneal nerve",
        ...             Pick("common fibular", "common fibular nerve", "normalised"))
        "typed 'common fibular' → common peroneal nerve (normalised: 'common fibular nerve')"
    """
    how = pick.how
    if how == "abbreviation" and pick.matched.casefold() != typed.casefold():
        how = f"abbreviation: the initials of {pick.matched!r}"
    elif how == "chosen":
        how = "chosen from the list"
    elif pick.matched and pick.matched.casefold() not in (typed.casefold(), label.casefold()):
        how = f"{how}: {pick.matched!r}"
    return f"typed {typed!r} → {label} ({how})"


# ------------------------------------------------------------------------------ the widget
# Enter and clicks only say what was asked (callbacks run before the page, with the arguments
# of the run that drew the widget); the picker acts on it in the page's own run, in the site the
# widgets above it say now, before the text box is drawn (so that it may be emptied).
_ENTERED = "nerve_entered"
_CLICKED = "nerve_clicked"


def nerve_picker(site: Site | None) -> tuple[str, ...]:
    """Draw the picker; the chosen nerves' labels, in the order chosen.

    Args:
        site: the case's site as chosen above the picker (:func:`case_site`), or None.
    """
    st.session_state.setdefault(CHOSEN, [])
    _act(site)
    st.text_input(
        LABEL,
        key=QUERY,
        on_change=_flag,
        args=(_ENTERED, True),
        placeholder="e.g. AIN, median nerve, digital nerve",
        help=(
            "Enter adds a nerve only when the name is its label, a synonym or an abbreviation "
            "(in this case's limb and site). A name that fits several nerves lists them; a "
            "name only part of, or close to, others offers them: click the one meant."
        ),
    )
    if site is None:
        st.caption(
            "Names are resolved without the case's site until the level (and, for an intact "
            "limb, the region) say where the neuroma is."
        )
    feedback = st.session_state.get(_FEEDBACK)
    if feedback:
        kind, text = feedback
        {"added": st.success, "note": st.info}.get(kind, st.error)(md(text))
    pending = st.session_state.get(QUERY, "")
    if pending.strip():
        _offer(look_up(pending, site), site)
    return _chosen_list(site)


def _flag(key: str, value: object) -> None:
    st.session_state[key] = value


def _act(site: Site | None) -> None:
    """What the last Enter or click asked, done in the case's site as it is now."""
    clicked = st.session_state.pop(_CLICKED, None)
    entered = st.session_state.pop(_ENTERED, False)
    if clicked is not None:
        label, pick = clicked
        _choose(label, pick, site)
    elif entered:
        st.session_state.pop(_FEEDBACK, None)
        found = look_up(st.session_state.get(QUERY, ""), site)
        # A refused or weak match, and an ambiguous or unknown name, stay in the box: the page
        # then says why and offers what may be clicked (:func:`_offer`).
        if found.accepted_on_enter and found.match is not None:
            label = planner().kb.label(found.match.entity)
            _add(label, Pick(found.typed, found.match.matched, found.match.how))


def _choose(label: str, pick: Pick, site: Site | None) -> None:
    """A nerve clicked: added after the planner's own check at this site (a label is exact)."""
    st.session_state.pop(_FEEDBACK, None)
    refusal = _label_refusal(planner().index, label, site)
    if refusal:
        st.session_state[_FEEDBACK] = ("refused", refusal)
        return
    _add(label, pick)


def _offer(found: Lookup, site: Site | None) -> None:
    """What a typed name still in the box offers: candidates, suggestions, or why not."""
    typed = found.typed
    if found.refusal:
        st.error(md(found.refusal))
    elif found.candidates:
        st.warning(
            md(
                f"{typed!r} fits {len(found.candidates)} nerves here (this case's limb and site "
                "first): click the one meant."
            )
        )
        _buttons("nerve_candidate", found.candidates, typed, site)
    elif found.match is not None and found.accepted_on_enter:
        # Typed but not entered (the box was left, or the level changed since): a click adds it.
        label = planner().kb.label(found.match.entity)
        pick = Pick(typed, found.match.matched, found.match.how)
        st.info(md(match_words(typed, label, pick) + ": press Enter or click to add it."))
        _buttons("nerve_add", (label,), typed, site, pick)
    elif found.match is not None:
        label = planner().kb.label(found.match.entity)
        st.warning(
            md(
                f"{typed!r} is only part of a name: did you mean {label!r} "
                f"({found.match.how}: {found.match.matched!r})? Enter does not add it."
            )
        )
        _buttons("nerve_suggestion", (label,), typed, site)
    elif found.suggestions:
        st.warning(md(f"No nerve is called {typed!r}. Did you mean:"))
        _buttons("nerve_suggestion", found.suggestions, typed, site)
    else:
        st.warning(md(f"No nerve is called {typed!r}, and none has a close name."))


def _buttons(
    prefix: str, labels: Sequence[str], typed: str, site: Site | None, pick: Pick | None = None
) -> None:
    """One button per nerve offered; one that cannot be planned here is shown disabled, with the
    planner's reason as its tooltip (a muscle among a generic name's candidates, a nerve that
    runs elsewhere)."""
    chosen = st.session_state.get(CHOSEN, [])
    index = planner().index
    for i, label in enumerate(labels):
        why = "already chosen" if label in chosen else _label_refusal(index, label, site)
        st.button(
            md(label),
            key=f"{prefix}_{i}",
            on_click=_flag,
            args=(_CLICKED, (label, pick or Pick(typed, "", "chosen"))),
            disabled=bool(why),
            help=md(why or f"add {label}"),
        )


def _label_refusal(index: AnatomyIndex, label: str, site: Site | None) -> str:
    try:
        match = _resolve(index, label, site)
    except TmrplanError as error:
        return str(error)
    return _refusal(index, match, label, site)


def _add(label: str, pick: Pick) -> None:
    """Add a nerve to the chosen ones and empty the box for the next."""
    chosen: list[str] = list(st.session_state.get(CHOSEN, []))
    picks: dict[str, Pick] = dict(st.session_state.get(_PICKS, {}))
    st.session_state[QUERY] = ""
    if label in chosen:
        st.session_state[_FEEDBACK] = ("note", f"{label!r} is already chosen")
        return
    chosen.append(label)
    picks[label] = pick
    st.session_state[CHOSEN] = chosen
    st.session_state[_PICKS] = picks
    st.session_state[_FEEDBACK] = ("added", "added: " + match_words(pick.typed, label, pick))


def _remove(label: str) -> None:
    st.session_state[CHOSEN] = [n for n in st.session_state.get(CHOSEN, []) if n != label]
    st.session_state.get(_PICKS, {}).pop(label, None)
    st.session_state.pop(_FEEDBACK, None)


def _chosen_list(site: Site | None) -> tuple[str, ...]:
    """The chosen nerves, each with what was typed for it, a warning if the case's site as it
    now is cannot take it (the level changed after it was chosen), and its Remove button."""
    chosen = tuple(st.session_state.get(CHOSEN, []))
    picks: dict[str, Pick] = st.session_state.get(_PICKS, {})
    if not chosen:
        st.caption("No neuroma nerve chosen yet.")
        return chosen
    st.write("**Neuroma nerves chosen:**")
    for i, label in enumerate(chosen):
        text, remove = st.columns([5, 1], vertical_alignment="center")
        pick = picks.get(label)
        how = f" — {md(match_words(pick.typed, label, pick))}" if pick else ""
        text.markdown(f"{i + 1}. **{md(label)}**{how}")
        if site is not None and (why := _label_refusal(planner().index, label, site)):
            text.warning(md(why))
        remove.button(
            "Remove",
            key=f"nerve_remove_{i}",
            on_click=_remove,
            args=(label,),
            help=md(f"remove {label}"),
        )
    return chosen
