"""The hand and foot figure: rays and segments come from the knowledge base, and each segment is
drawn in the state the case gives it (checked on the drawn artists, not on pixels)."""

from __future__ import annotations

from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.planner import Planner
from tmrplan.render.figures import to_png, to_svg
from tmrplan.render.rays_figure import (
    KEPT,
    LEGEND,
    MAYBE,
    REMOVED,
    STYLE,
    Ray,
    rays_figure,
    to_rays,
)

HAND, FOOT = TMR.UpperLimb, TMR.LowerLimb


def drawn(rays: tuple[Ray, ...]) -> dict[str, Rectangle]:
    """Each segment's rectangle, by the region's local name (its gid)."""
    figure = rays_figure(rays, "t")
    return {p.get_gid(): p for p in figure.axes[0].patches if isinstance(p, Rectangle)}


def look(patch: Rectangle) -> tuple[str, str, str]:
    return to_hex(patch.get_facecolor()), patch.get_hatch() or "", patch.get_linestyle()


def expected(state: str) -> tuple[str, str, str]:
    style = STYLE[state]
    dashed = "--" if style["linestyle"] == "--" else "-"
    return str(style["facecolor"]), str(style["hatch"]), dashed


def test_rays_and_segments_come_from_the_knowledge_base(kb: KnowledgeBase) -> None:
    hand, foot = to_rays(kb, HAND, ()), to_rays(kb, FOOT, ())
    assert [r.id for r in hand] == ["thumb", "index", "middle", "ring", "little"]
    assert [r.id for r in foot] == ["hallux", "second", "third", "fourth", "fifth"]
    # The thumb and the hallux have no middle phalanx; every other ray has five segments.
    assert [len(r.segments) for r in hand] == [4, 5, 5, 5, 5]
    assert [len(r.segments) for r in foot] == [4, 5, 5, 5, 5]
    index = hand[1]
    assert [s.id for s in index.segments] == [
        "IndexFingerMetacarpalBase",
        "IndexFingerMetacarpalShaft",
        "IndexFingerProximalPhalanx",
        "IndexFingerMiddlePhalanx",
        "IndexFingerDistalPhalanx",
    ]  # proximal to distal, by the regions' places along the ray
    assert all(a.end <= b.start for a, b in zip(index.segments, index.segments[1:], strict=False))
    assert {s.state for r in hand for s in r.segments} == {KEPT}


def test_removed_and_maybe_removed_segments_are_drawn_as_such(kb: KnowledgeBase) -> None:
    removed = {TMR.IndexFingerMiddlePhalanx, TMR.IndexFingerDistalPhalanx}
    maybe = {TMR.ThumbDistalPhalanx}
    patches = drawn(to_rays(kb, HAND, removed, maybe))
    assert len(patches) == 24  # every segment of the hand, each once
    for gid, patch in patches.items():
        state = (
            REMOVED
            if gid in {"IndexFingerMiddlePhalanx", "IndexFingerDistalPhalanx"}
            else MAYBE
            if gid == "ThumbDistalPhalanx"
            else KEPT
        )
        assert look(patch) == expected(state), gid
    assert look(patches["IndexFingerDistalPhalanx"]) != look(patches["ThumbDistalPhalanx"])
    assert look(patches["ThumbDistalPhalanx"]) != look(patches["IndexFingerProximalPhalanx"])


def test_the_legend_names_each_state_shown_in_words(kb: KnowledgeBase) -> None:
    rays = to_rays(kb, FOOT, {TMR.FifthToeDistalPhalanx}, {TMR.HalluxDistalPhalanx})
    legend = rays_figure(rays).axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        LEGEND[KEPT],
        LEGEND[REMOVED],
        LEGEND[MAYBE],
    ]
    only_kept = rays_figure(to_rays(kb, FOOT, ())).axes[0].get_legend()
    assert [t.get_text() for t in only_kept.get_texts()] == [LEGEND[KEPT]]


def test_labels_name_every_digit(kb: KnowledgeBase) -> None:
    figure = rays_figure(to_rays(kb, HAND, ()), "index finger through the PIP joint")
    texts = [t.get_text().replace("\n", " ") for t in figure.axes[0].texts]
    for label in ("thumb", "index finger", "middle finger", "ring finger", "little finger"):
        assert label in texts
    assert figure.axes[0].get_title() == "index finger through the PIP joint"


def test_a_planned_case_draws_what_its_effects_remove(planner: Planner) -> None:
    kb, index = planner.kb, planner.index
    site = index.site("partial_hand", None, digits=("index", "middle"), through="pip")
    effects = index.effects[site.amputation]
    patches = drawn(to_rays(kb, HAND, effects.removed_regions, effects.maybe_removed))
    lost = {g for g, p in patches.items() if look(p) == expected(REMOVED)}
    assert lost == {
        "IndexFingerMiddlePhalanx",
        "IndexFingerDistalPhalanx",
        "MiddleFingerMiddlePhalanx",
        "MiddleFingerDistalPhalanx",
    }
    # Which through-level not stated: the index's distal phalanx goes in every reading, the rest
    # of the ray only in some.
    site = index.site("partial_hand", None, digits=("index",))
    effects = index.effects[site.amputation]
    states = {
        s.id: s.state
        for r in to_rays(kb, HAND, effects.removed_regions, effects.maybe_removed)
        for s in r.segments
    }
    assert states["IndexFingerDistalPhalanx"] == REMOVED
    assert states["IndexFingerMetacarpalBase"] == MAYBE
    assert states["MiddleFingerDistalPhalanx"] == KEPT


def test_the_figure_exports_with_segment_ids(kb: KnowledgeBase) -> None:
    figure = rays_figure(to_rays(kb, FOOT, {TMR.FifthToeMetatarsalShaft}), "fifth ray")
    assert to_png(figure).startswith(b"\x89PNG")
    svg = to_svg(figure)
    assert b'id="FifthToeMetatarsalShaft"' in svg
