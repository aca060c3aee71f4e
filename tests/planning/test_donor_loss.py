"""What using a donor gives up, and who still performs each action."""

from __future__ import annotations

from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import Case
from tmrplan.planning.anatomy_index import AnatomyIndex
from tmrplan.planning.donor_loss import what_is_lost


def test_intact_forearm_pronator_teres_leaves_pronator_quadratus(kb: KnowledgeBase) -> None:
    losses = {
        loss.action: loss
        for loss in what_is_lost(
            AnatomyIndex(kb),
            Case(("median nerve",), "none", region="forearm"),
            TMR.BranchToPronatorTeres,
            TMR.PronatorTeres,
        )
    }
    pronation = losses["pronation of the forearm"]
    assert pronation.state == "given up" and pronation.role == "prime mover"
    assert [m for m, _ in pronation.still_performed_by] == ["pronator quadratus"]
    assert "anterior interosseous nerve" in pronation.still_performed_by[0][1]


def test_transhumeral_biceps_has_nothing_left_to_give_up(kb: KnowledgeBase) -> None:
    losses = what_is_lost(
        AnatomyIndex(kb),
        Case(("median nerve",), "transhumeral"),
        TMR.BranchToBicepsBrachiiShortHead,
        TMR.BicepsBrachiiShortHead,
    )
    assert losses and {loss.state for loss in losses} == {"already lost"}
