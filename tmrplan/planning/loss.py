"""What a case says was lost: a level, and for a hand or foot which rays and through where, and for a
trans-segment level how long the residual limb is.

A level alone removes its own regions (``tmr:removesRegion``). Three things refine it:

* **rays** — at a level that names rays (``tmr:namesRays``: digit, partial hand, partial foot) the
  case's digits or toes and its through-level (``tmr:DigitLevel``) say which segments of which rays
  are gone; nothing else of the hand or foot is;
* **residual length** — ``short`` or ``long`` replaces the level's regions by those of its
  ``tmr:ResidualVariant``; ``mid`` is the level itself;
* **unknowns** — at a ray level without digits (or without a through-level) every reading the case
  allows is a *scenario*: each single ray and all rays, at each through-level. A muscle whose
  outcome differs between scenarios is *undetermined* (:mod:`tmrplan.planning.amputation`), never
  silently given the outcome of one reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import RDFS

from tmrplan.errors import InvalidCaseError, UnknownEntityError
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import TMR
from tmrplan.text import suggest

RESIDUALS = ("short", "mid", "long")


@dataclass(frozen=True)
class Loss:
    """A level with what the case adds to it (hashable: plans and effects are cached by it).

    Attributes:
        level: the ``tmr:AmputationLevel``.
        digits: the named rays (``tmr:Digit``); empty when not stated.
        through: the ``tmr:DigitLevel``; None when not stated.
        residual: ``short``, ``mid`` or ``long``; None when not stated (planned as mid).
    """

    level: URIRef
    digits: frozenset[URIRef] = frozenset()
    through: URIRef | None = None
    residual: str | None = None


def names_rays(kb: KnowledgeBase, level: URIRef | None) -> bool:
    """Whether a level is described by which digits or toes were lost (digit, partial hand or foot)."""
    return level is not None and kb.value(level, TMR.namesRays) in ("true", "1")


def whole_foot(kb: KnowledgeBase, through: URIRef | None) -> bool:
    """Whether a through-level takes every ray (Lisfranc, Chopart), so naming rays is not needed."""
    return through is not None and kb.value(through, TMR.wholeFoot) in ("true", "1")


def limb_digits(kb: KnowledgeBase, limb: URIRef) -> list[URIRef]:
    """The limb's digits or toes, thumb or hallux first."""
    found = [d for d in kb.entities(TMR.Digit) if limb in kb.objects(d, TMR.limb)]
    return sorted(found, key=lambda d: int(kb.value(d, TMR.digitOrder) or 0))


def limb_throughs(kb: KnowledgeBase, limb: URIRef) -> list[URIRef]:
    """The limb's through-levels, from the most distal to the most proximal (fewest segments first)."""
    found = [t for t in kb.entities(TMR.DigitLevel) if limb in kb.objects(t, TMR.limb)]
    return sorted(
        found,
        key=lambda t: (
            len(kb.objects(t, TMR.removesSegment)),
            len(kb.objects(t, TMR.removesRegion)),
        ),
    )


def level_limb(kb: KnowledgeBase, level: URIRef) -> URIRef:
    """The limb a level is on."""
    return kb.objects(level, TMR.limb)[0]


def residual_variant(kb: KnowledgeBase, level: URIRef, length: str) -> URIRef | None:
    """The level's short or long variant (None for mid, or a level without variants)."""
    for variant in kb.subjects(TMR.residualOf, level):
        if kb.value(variant, TMR.residualLength) == length:
            return variant
    return None


def ray_regions(kb: KnowledgeBase, digits: frozenset[URIRef], through: URIRef) -> set[URIRef]:
    """The regions a through-level removes from the named rays (with their parts), and the whole
    regions it removes itself (a Chopart amputation removes the midfoot)."""
    kinds = set(kb.objects(through, TMR.removesSegment))
    removed: set[URIRef] = set()
    for digit in digits:
        for segment in kb.subjects(TMR.ofDigit, digit):
            if set(kb.objects(segment, TMR.segmentKind)) & kinds:
                removed |= kb.region_and_parts(segment)
    for region in kb.objects(through, TMR.removesRegion):
        removed |= kb.region_and_parts(region)
    return removed


def level_regions(kb: KnowledgeBase, level: URIRef, residual: str | None = None) -> set[URIRef]:
    """What a level (or its residual variant) removes, with every part."""
    variant = residual_variant(kb, level, residual) if residual else None
    removed: set[URIRef] = set()
    for region in kb.objects(variant or level, TMR.removesRegion):
        removed |= kb.region_and_parts(region)
    return removed


def scenarios(kb: KnowledgeBase, loss: Loss) -> list[frozenset[URIRef]]:
    """The removed regions of every reading a ray level's case allows (one when it says enough).

    Digits not stated: each single ray and all rays; through not stated: every through-level of
    the limb. A whole-foot through-level needs no rays.
    """
    limb = level_limb(kb, loss.level)
    throughs = [loss.through] if loss.through is not None else limb_throughs(kb, limb)
    every = frozenset(limb_digits(kb, limb))
    readings: list[frozenset[URIRef]] = []
    for through in throughs:
        if whole_foot(kb, through) or loss.digits:
            choices = [every if whole_foot(kb, through) else loss.digits]
        else:
            choices = [frozenset({d}) for d in sorted(every)] + [every]
        for digits in choices:
            allowed = frozenset(d for d in digits if d not in kb.objects(through, TMR.notForDigit))
            if not allowed and not whole_foot(kb, through):
                continue  # e.g. the thumb alone through the PIP: not a reading, no loss at all
            readings.append(frozenset(ray_regions(kb, allowed, through)))
    return list(dict.fromkeys(readings))


def stump_region(kb: KnowledgeBase, loss: Loss) -> URIRef:
    """Where the divided nerves end: the through-level's stump, the residual variant's, or the level's."""
    if loss.through is not None:
        return kb.objects(loss.through, TMR.stumpRegion)[0]
    variant = residual_variant(kb, loss.level, loss.residual) if loss.residual else None
    return kb.objects(variant or loss.level, TMR.stumpRegion)[0]


def resolve_loss(
    kb: KnowledgeBase,
    level: URIRef,
    digits: tuple[str, ...] = (),
    toes: tuple[str, ...] = (),
    through: str | None = None,
    residual: str | None = None,
) -> Loss:
    """Check a case's rays, through-level and residual length against its level.

    Raises:
        UnknownEntityError: for an unknown digit, toe, through-level or residual length, with close
            matches.
        InvalidCaseError: for rays at a level that does not name them, hand digits at a foot level
            (or toes at a hand level), a through-level a named digit lacks (the thumb has no PIP
            joint), toes with a whole-foot level that leaves some, a digit named twice, or a
            residual length at a level that has none.
    """
    level_id = kb.value(level, TMR.levelId)
    rays = names_rays(kb, level)
    if not rays and (digits or toes or through):
        given = "digits" if digits else "toes" if toes else "through"
        raise InvalidCaseError(
            f"{given} are only for a hand or foot level ({', '.join(_ray_level_ids(kb))}), "
            f"not {level_id!r}"
        )
    limb = level_limb(kb, level)
    on_foot = limb == TMR.LowerLimb
    if rays and (toes if not on_foot else digits):
        wrong, right = ("toes", "digits") if not on_foot else ("digits", "toes")
        raise InvalidCaseError(
            f"{wrong} are not for {level_id!r}, a {'foot' if on_foot else 'hand'} level: "
            f"use {right}"
        )
    named = _resolve_digits(kb, limb, toes if on_foot else digits, "toe" if on_foot else "digit")
    through_entity = _resolve_through(kb, limb, through) if through is not None else None
    if through_entity is not None:
        for digit in named:
            if digit in kb.objects(through_entity, TMR.notForDigit):
                raise InvalidCaseError(
                    f"through {through!r} cannot be said of the {kb.label(digit)}: "
                    f"{kb.value(through_entity, RDFS.comment) or 'it has no such joint'}"
                )
        if whole_foot(kb, through_entity) and named and named != frozenset(limb_digits(kb, limb)):
            raise InvalidCaseError(
                f"through {through!r} takes every toe: leave toes out (or name all five)"
            )
    if residual is not None:
        if residual not in RESIDUALS:
            raise UnknownEntityError("residual length", residual, suggest(residual, RESIDUALS, 3))
        if not list(kb.subjects(TMR.residualOf, level)):
            takes = sorted(
                {
                    kb.value(of, TMR.levelId) or ""
                    for v in kb.entities(TMR.ResidualVariant)
                    for of in kb.objects(v, TMR.residualOf)
                }
            )
            raise InvalidCaseError(
                f"a residual length is only for a trans-segment level ({', '.join(takes)}), "
                f"not {level_id!r}"
            )
    return Loss(level, named, through_entity, residual)


def _ray_level_ids(kb: KnowledgeBase) -> list[str]:
    return sorted(i for i, level in kb.level_ids.items() if names_rays(kb, level))


def _resolve_digits(
    kb: KnowledgeBase, limb: URIRef, typed: tuple[str, ...], what: str
) -> frozenset[URIRef]:
    by_id = {kb.value(d, TMR.digitId) or "": d for d in limb_digits(kb, limb)}
    named: set[URIRef] = set()
    for value in typed:
        digit = by_id.get(value.strip().casefold())
        if digit is None:
            raise UnknownEntityError(what, value, suggest(value, list(by_id), 3))
        if digit in named:
            raise InvalidCaseError(f"{what} {value!r} is listed twice")
        named.add(digit)
    return frozenset(named)


def _resolve_through(kb: KnowledgeBase, limb: URIRef, typed: str) -> URIRef:
    by_id = {kb.value(t, TMR.throughId) or "": t for t in limb_throughs(kb, limb)}
    found = by_id.get(typed.strip().casefold())
    if found is None:
        raise UnknownEntityError("through", typed, suggest(typed, list(by_id), 3))
    return found


def loss_in_words(kb: KnowledgeBase, loss: Loss) -> str:
    """The rays and level in words, e.g. ``index and middle finger through the metacarpal (ray or
    transmetacarpal amputation); thumb, ring and little finger spared``; unknowns said as such."""
    parts: list[str] = []
    if names_rays(kb, loss.level):
        limb = level_limb(kb, loss.level)
        every = limb_digits(kb, limb)
        where = kb.label(loss.through) if loss.through is not None else "through where: not stated"
        if whole_foot(kb, loss.through):
            parts.append(f"every toe and ray {where}")
        elif loss.digits:
            lost = [d for d in every if d in loss.digits]
            spared = [d for d in every if d not in loss.digits]
            text = f"{_join(kb, lost)} {where}"
            if spared:
                text += f"; {_join(kb, spared)} spared"
            parts.append(text)
        else:
            which = "which toes" if limb == TMR.LowerLimb else "which digits"
            parts.append(f"{which}: not stated; {where}")
    if loss.residual is not None:
        parts.append(f"{loss.residual} residual limb")
    return "; ".join(parts)


def _join(kb: KnowledgeBase, digits: list[URIRef]) -> str:
    labels = [kb.label(d) for d in digits]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def loss_unknowns(kb: KnowledgeBase, loss: Loss | None) -> list[str]:
    """What the case leaves open about its amputation, as the plan lists it."""
    if loss is None:
        return []
    unknowns = []
    if names_rays(kb, loss.level) and not whole_foot(kb, loss.through):
        foot = level_limb(kb, loss.level) == TMR.LowerLimb
        if not loss.digits:
            which, field = ("toes", "toes") if foot else ("digits", "digits")
            unknowns.append(
                f"which {which} were amputated: not stated ({field}); a muscle whose status "
                "depends on it is shown as undetermined"
            )
        if loss.through is None:
            unknowns.append(
                "where they were amputated: not stated (through); a muscle whose status depends "
                "on it is shown as undetermined"
            )
    if loss.residual is None and kb.subjects(TMR.residualOf, loss.level):
        unknowns.append("residual length (short, mid or long): not stated; planned as mid-segment")
    return unknowns
