"""What the case adds to its level: which digits or toes, through where, and the residual length,
with a small figure of the hand or foot showing what that takes.

These inputs sit outside the case form on purpose: a form sends nothing until it is submitted,
so pickers inside it could not follow the level chosen (a digit picker for a hand level, a toe
picker for a foot level, none for a transhumeral one), nor redraw the figure as digits are picked.
Nothing here is defaulted: a choice left "not stated" reaches the Case as unstated, and the plan
lists it as an unknown.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from rdflib import URIRef
from rdflib.namespace import RDFS

from tmrplan.errors import TmrplanError
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.loss import (
    RESIDUALS,
    level_limb,
    limb_digits,
    limb_throughs,
    loss_in_words,
    names_rays,
    residual_variant,
    whole_foot,
)
from tmrplan.render.rays_figure import Ray, to_rays
from tmrplan.ui.resources import planner
from tmrplan.ui.widgets import md, show_picture

NOT_STATED = "not stated"


def amputation_inputs(level_id: str) -> dict[str, Any]:
    """The pickers the level takes, and the figure of what they say is lost.

    Args:
        level_id: the level chosen in the page (``none`` for an intact limb).

    Returns:
        The Case's ``digits``, ``toes``, ``through`` and ``residual`` (empty or None when the
        level takes none of them or the user left them not stated).
    """
    kb = planner().kb
    chosen: dict[str, Any] = {"digits": (), "toes": (), "through": None, "residual": None}
    level = kb.level_ids.get(level_id)
    if level is None:  # an intact limb: a region, not rays, says where the neuroma is
        return chosen
    if names_rays(kb, level):
        chosen |= _ray_pickers(kb, level)
    if list(kb.subjects(TMR.residualOf, level)):
        chosen["residual"] = _residual_picker(kb, level)
    if names_rays(kb, level):
        _show_rays(kb, level_id, level, chosen)
    return chosen


def _ray_pickers(kb: KnowledgeBase, level: URIRef) -> dict[str, Any]:
    limb = level_limb(kb, level)
    foot = limb == TMR.LowerLimb
    field, what = ("toes", "Toes") if foot else ("digits", "Digits")
    digit_labels = {kb.value(d, TMR.digitId) or "": kb.label(d) for d in limb_digits(kb, limb)}
    throughs = {kb.value(t, TMR.throughId) or "": t for t in limb_throughs(kb, limb)}
    # One key per limb: a hand's "dip" must not linger as the choice of a foot level.
    through_key = "through_foot" if foot else "through_hand"
    left, right = st.columns([3, 2])
    # The through-level is read first (drawn in the right column) because a whole-foot one
    # (Lisfranc, Chopart) takes every toe and so disables the toe picker drawn on the left.
    through_id = right.selectbox(
        "Through (where they were amputated)",
        [NOT_STATED, *throughs],
        format_func=lambda t: t if t == NOT_STATED else _through_label(kb, throughs[t]),
        key=through_key,
    )
    through = None if through_id == NOT_STATED else throughs[through_id]
    if through is not None and (comment := kb.value(through, RDFS.comment)):
        right.caption(md(comment))
    takes_all = whole_foot(kb, through)
    picked = left.multiselect(
        f"{what} amputated (leave empty when not stated)",
        list(digit_labels),
        format_func=digit_labels.__getitem__,
        disabled=takes_all,
        select_all=False,  # "all five" is a case to say on purpose, one by one
        key=field,
    )
    if takes_all and through is not None:
        left.caption(md(f"{kb.label(through)} takes every toe: no toes need naming."))
        picked = []  # the level says all five; a leftover pick must not contradict it
    return {field: tuple(picked), "through": None if through is None else through_id}


def _through_label(kb: KnowledgeBase, through: URIRef) -> str:
    abbreviations = [a for a in kb.alt_labels.get(through, []) if a.isupper()]
    label = kb.label(through)
    return f"{label} ({', '.join(abbreviations)})" if abbreviations else label


def _residual_picker(kb: KnowledgeBase, level: URIRef) -> str | None:
    # Mid-segment is the level itself; short and long are offered only where the knowledge base
    # has that variant, so every choice shown changes what is planned.
    lengths = [r for r in RESIDUALS if r == "mid" or residual_variant(kb, level, r) is not None]
    choice = st.selectbox(
        "Residual limb length",
        [NOT_STATED, *lengths],
        key="residual",
        help="Not stated is planned as mid-segment and listed as an unknown.",
    )
    return None if choice == NOT_STATED else choice


def _show_rays(kb: KnowledgeBase, level_id: str, level: URIRef, chosen: dict[str, Any]) -> None:
    """The figure of the hand or foot for the rays and through-level picked so far."""
    index = planner().index
    try:
        site = index.site(level_id, None, **chosen)
    except TmrplanError as error:  # e.g. the thumb has no PIP joint: say so, as the plan would
        st.warning(md(str(error)))
        return
    effects = index.effects[site.amputation]
    rays = to_rays(kb, level_limb(kb, level), effects.removed_regions, effects.maybe_removed)
    words = loss_in_words(kb, site.loss) if site.loss is not None else ""
    column, _ = st.columns([2, 3])  # small: it illustrates the choice, the plan is the content
    with column:
        show_picture(
            rays_picture(rays, words, "png"),
            lambda: rays_picture(rays, words, "svg"),
            f"what-is-amputated-{level_id}",
            key="rays_figure",
            alt=f"Figure: what is amputated ({words})",
        )


@st.cache_data(max_entries=256, show_spinner=False)
def rays_picture(rays: tuple[Ray, ...], title: str, fmt: str) -> bytes:
    """The rays figure, drawn once per server for the same rays and words (its only inputs): the
    pickers rerun the page at every change. A hand has a few hundred such pictures at most."""
    from tmrplan.render.figures import to_png, to_svg  # matplotlib loads on the first figure
    from tmrplan.render.rays_figure import rays_figure

    figure = rays_figure(rays, title)
    return to_png(figure) if fmt == "png" else to_svg(figure)
