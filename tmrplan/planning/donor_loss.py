"""What using a donor gives up: each action of its muscle, and who still performs it."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from tmrplan.knowledge.vocab import TMR
from tmrplan.model import Case, Option
from tmrplan.planning.anatomy_index import AnatomyIndex


@dataclass(frozen=True)
class ActionLoss:
    """One action of the donor's muscle.

    Attributes:
        action: its label.
        role: "prime mover" or "accessory".
        state: "already lost" (the amputation took it) or "given up" (denervating the donor takes it).
        still_performed_by: other remaining muscles, each with the nerves that supply it.
    """

    action: str
    role: str
    state: str
    still_performed_by: tuple[tuple[str, tuple[str, ...]], ...]


def what_is_lost(
    index: AnatomyIndex, case: Case, branch: URIRef, muscle: URIRef
) -> list[ActionLoss]:
    """Every action of ``muscle`` at the case's level, for the donor ``branch``.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> index = AnatomyIndex(load_knowledge_base())
        >>> case = Case(("median nerve",), "none", region="forearm")
        >>> losses = what_is_lost(index, case, TMR.BranchToPronatorTeres, TMR.PronatorTeres)
        >>> ("pronation of the forearm", "given up") in [(l.action, l.state) for l in losses]
        True
    """
    kb = index.kb
    site = index.case_site(case)
    effects = index.effects[site.amputation]
    outcome = effects.muscles[muscle]
    prime = set(kb.objects(muscle, TMR.primeMoverFor))
    losses = []
    for action in sorted(outcome.kept | outcome.lost, key=kb.label):
        movers = (
            index.other_movers(muscle, branch, action, effects) if action in outcome.kept else []
        )
        losses.append(
            ActionLoss(
                action=kb.label(action),
                role="prime mover" if action in prime else "accessory",
                state="given up" if action in outcome.kept else "already lost",
                still_performed_by=tuple(
                    (
                        kb.label(m),
                        tuple(kb.label(n) for n in sorted(index.supply.get(m, ()), key=kb.label)),
                    )
                    for m in movers
                ),
            )
        )
    return losses


def option_loss(index: AnatomyIndex, case: Case, option: Option) -> list[ActionLoss]:
    """:func:`what_is_lost` for an option of a plan of ``case`` (by its donor's and target's ids)."""
    return what_is_lost(index, case, TMR[option.donor_nerve.id], TMR[option.target_muscle.id])
