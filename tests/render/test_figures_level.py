"""The level figure draws every muscle status, undetermined included."""

from __future__ import annotations

from tmrplan.knowledge.vocab import TMR
from tmrplan.planning.amputation import MuscleStatus, muscles_of_level_limb
from tmrplan.planning.planner import Planner
from tmrplan.render.figures import level_figure


def test_a_hand_level_without_its_digits_draws_its_undetermined_muscles(planner: Planner) -> None:
    """A ray level read in every way the case allows has undetermined muscles; the figure once
    knew only the four determined statuses and failed on them (the explore page's level view)."""
    kb = planner.kb
    groups = muscles_of_level_limb(kb, planner.index.effects[TMR.digit])
    assert groups.get(MuscleStatus.UNDETERMINED)
    figure = level_figure(kb, "digit", groups)
    headings = [t.get_text() for t in figure.axes[0].texts if t.get_fontweight() == "bold"]
    assert f"undetermined ({len(groups[MuscleStatus.UNDETERMINED])})" in headings
    markers = {line.get_marker() for line in figure.axes[0].lines}
    assert "D" in markers  # its own marker shape, not only its own colour
