"""The name resolver on the shipped knowledge base: names as surgeons type them (issue 14).

The table below is how the literature and clinic letters name these nerves. It was assembled by
hand from: the refusals listed in issue 14; the names used in the TMR and neuroma literature
(Dumanian and Souza on transhumeral and transradial TMR, Bowen and Kubiak on lower-limb TMR and
RPNI: "SRN", "LABC", "MABC", "tibial nerve to medial gastrocnemius", "SPN", "DPN", "CPN"); the
abbreviations of hand and foot surgery letters ("RDN index", "UDN small", "DCBUN", "MPN/LPN" for
the plantar nerves in the foot literature: physio-pedia and WikiMSK write "medial plantar
nerve (MPN)", "lateral plantar nerve (LPN)"); the older names of anatomy texts (Gray 1918:
"musculospiral", "circumflex", "lateral popliteal"; StatPearls: "posterior tibial nerve" for
the tibial nerve at the ankle); Latin (TA2) names as letters abbreviate them ("n. ulnaris");
and the ways a letter varies them (no "nerve", no "the", "neuroma" added, a side, British
spelling, words in another order). Each row says what the typed form must give: one entity, or
a choice that must list at least the entities given (all of them on the case's limb, when the
row gives one).
"""

from __future__ import annotations

import time

import pytest
from rdflib import URIRef

from tmrplan.errors import AmbiguousNameError, TmrplanError, UnknownEntityError
from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.names import Match, normalise, to_bag
from tmrplan.knowledge.vocab import TMR

UPPER, LOWER = TMR.UpperLimb, TMR.LowerLimb
Expected = URIRef | frozenset[URIRef]


def one_of(*entities: URIRef) -> frozenset[URIRef]:
    """An ambiguous answer: the choice must list at least these."""
    return frozenset(entities)


FORMS: list[tuple[str, URIRef | None, Expected]] = [
    # --- issue 14: refused before, as the issue lists them
    ("saphenous", None, TMR.SaphenousNerve),
    ("sural", None, TMR.SuralNerve),
    ("musculocutaneous", None, TMR.MusculocutaneousNerve),
    ("superficial branch of ulnar nerve", None, TMR.SuperficialBranchOfUlnarNerve),
    ("dorsal cutaneous branch of ulnar nerve", None, TMR.DorsalCutaneousBranchOfUlnarNerve),
    ("posterior tibial nerve", None, TMR.TibialNerve),
    ("LACN", None, TMR.LateralAntebrachialCutaneousNerve),
    ("MACN", None, TMR.MedialAntebrachialCutaneousNerve),
    ("fibular nerve", None, one_of(TMR.CommonPeronealNerve, TMR.DeepPeronealNerve)),
    ("peroneal nerve", None, one_of(TMR.CommonPeronealNerve, TMR.SuperficialPeronealNerve)),
    (
        "common digital nerve",
        None,
        one_of(TMR.CommonPalmarDigitalNervesOfMedianNerve, TMR.CommonPlantarDigitalNervesOfFoot),
    ),
    ("interdigital nerve", None, one_of(TMR.ThirdCommonPlantarDigitalNerveOfFoot)),
    ("Morton's neuroma", None, one_of(TMR.ThirdCommonPlantarDigitalNerveOfFoot)),
    ("MPN", None, one_of(TMR.MedialPectoralNerve, TMR.MedialPlantarNerve)),
    ("LPN", None, one_of(TMR.LateralPectoralNerve, TMR.LateralPlantarNerve)),
    # --- issue 14: the case's limb decides an abbreviation and narrows a generic name
    ("MPN", LOWER, TMR.MedialPlantarNerve),
    ("LPN", LOWER, TMR.LateralPlantarNerve),
    ("MPN", UPPER, TMR.MedialPectoralNerve),
    ("LPN", UPPER, TMR.LateralPectoralNerve),
    ("MCN", None, TMR.MusculocutaneousNerve),
    ("MCN", LOWER, TMR.MedialCalcanealBranchesOfTibialNerve),
    ("ADM", UPPER, TMR.AbductorDigitiMinimiOfHand),
    ("ADM", LOWER, TMR.AbductorDigitiMinimiOfFoot),
    ("digital nerve", UPPER, one_of(TMR.RadialProperPalmarDigitalNerveOfIndexFinger)),
    ("digital nerve", LOWER, one_of(TMR.ProperPlantarDigitalNervesOfFoot)),
    ("common digital nerve", UPPER, one_of(TMR.CommonPalmarDigitalNervesOfMedianNerve)),
    ("common digital nerve", LOWER, one_of(TMR.CommonPlantarDigitalNervesOfFoot)),
    (
        "digital nerve",
        None,
        one_of(TMR.DorsalDigitalNervesOfRadialNerve, TMR.ProperPlantarDigitalNervesOfFoot),
    ),
    # --- upper-limb TMR literature (transhumeral, transradial, shoulder disarticulation)
    ("median nerve", None, TMR.MedianNerve),
    ("Median Nerve", None, TMR.MedianNerve),
    ("median", None, TMR.MedianNerve),
    ("ulnar", None, TMR.UlnarNerve),
    ("ulnar nerve", None, TMR.UlnarNerve),
    ("radial nerve", None, TMR.RadialNerve),
    ("radial", None, TMR.RadialNerve),
    ("axillary", None, TMR.AxillaryNerve),
    ("MCN", UPPER, TMR.MusculocutaneousNerve),
    ("musculocutaneous n.", None, TMR.MusculocutaneousNerve),
    ("AIN", None, TMR.AnteriorInterosseousNerve),
    ("PIN", None, TMR.PosteriorInterosseousNerve),
    ("deep branch of radial nerve", None, TMR.PosteriorInterosseousNerve),
    ("deep radial nerve", None, TMR.PosteriorInterosseousNerve),
    ("SRN", None, TMR.SuperficialBranchOfRadialNerve),
    ("SBRN", None, TMR.SuperficialBranchOfRadialNerve),
    ("superficial radial nerve", None, TMR.SuperficialBranchOfRadialNerve),
    ("radial sensory nerve", None, TMR.SuperficialBranchOfRadialNerve),
    ("superficial branch of the radial nerve", None, TMR.SuperficialBranchOfRadialNerve),
    ("radial nerve superficial branch", None, TMR.SuperficialBranchOfRadialNerve),
    ("LABC", None, TMR.LateralAntebrachialCutaneousNerve),
    ("LABCN", None, TMR.LateralAntebrachialCutaneousNerve),
    ("lateral antebrachial cutaneous", None, TMR.LateralAntebrachialCutaneousNerve),
    ("lateral cutaneous nerve of forearm", None, TMR.LateralAntebrachialCutaneousNerve),
    ("MABC", None, TMR.MedialAntebrachialCutaneousNerve),
    ("MABCN", None, TMR.MedialAntebrachialCutaneousNerve),
    ("medial antebrachial cutaneous nerve", None, TMR.MedialAntebrachialCutaneousNerve),
    ("medial cutaneous nerve of forearm", None, TMR.MedialAntebrachialCutaneousNerve),
    ("PABCN", None, TMR.PosteriorAntebrachialCutaneousNerve),
    ("posterior antebrachial cutaneous nerve", None, TMR.PosteriorAntebrachialCutaneousNerve),
    ("thoracodorsal", None, TMR.ThoracodorsalNerve),
    ("TDN", None, TMR.ThoracodorsalNerve),
    ("nerve to latissimus dorsi", None, TMR.ThoracodorsalNerve),
    ("long thoracic nerve", None, TMR.LongThoracicNerve),
    ("LTN", None, TMR.LongThoracicNerve),
    ("nerve of Bell", None, TMR.LongThoracicNerve),
    ("suprascapular", None, TMR.SuprascapularNerve),
    ("SSN", None, TMR.SuprascapularNerve),
    ("dorsal scapular nerve", None, TMR.DorsalScapularNerve),
    ("nerve to rhomboids", None, TMR.DorsalScapularNerve),
    ("medial pectoral", None, TMR.MedialPectoralNerve),
    ("lateral pectoral nerve", None, TMR.LateralPectoralNerve),
    ("lower subscapular nerve", None, TMR.LowerSubscapularNerve),
    ("ICBN", None, TMR.IntercostobrachialNerve),
    ("intercostobrachial", None, TMR.IntercostobrachialNerve),
    ("MBC", None, TMR.MedialBrachialCutaneousNerve),
    ("medial brachial cutaneous nerve", None, TMR.MedialBrachialCutaneousNerve),
    ("PBCN", None, TMR.PosteriorBrachialCutaneousNerve),
    ("posterior cutaneous nerve of arm", None, TMR.PosteriorBrachialCutaneousNerve),
    ("SLBCN", None, TMR.SuperiorLateralBrachialCutaneousNerve),
    ("ILBCN", None, TMR.InferiorLateralBrachialCutaneousNerve),
    ("brachial plexus", None, TMR.BrachialPlexus),
    ("posterior cord", None, TMR.PosteriorCord),
    ("lateral cord", None, TMR.LateralCord),
    ("medial cord", None, TMR.MedialCord),
    ("upper trunk", None, TMR.UpperTrunk),
    # --- hand surgery letters: digital nerves, palmar branches, the thenar branch
    ("DCBUN", None, TMR.DorsalCutaneousBranchOfUlnarNerve),
    ("dorsal ulnar cutaneous nerve", None, TMR.DorsalCutaneousBranchOfUlnarNerve),
    ("dorsal branch of ulnar nerve", None, TMR.DorsalCutaneousBranchOfUlnarNerve),
    ("palmar cutaneous branch of the median nerve", None, TMR.PalmarCutaneousBranchOfMedianNerve),
    ("PCBMN", None, TMR.PalmarCutaneousBranchOfMedianNerve),
    ("median palmar cutaneous nerve", None, TMR.PalmarCutaneousBranchOfMedianNerve),
    (
        "palmar cutaneous branch",
        None,
        one_of(TMR.PalmarCutaneousBranchOfMedianNerve, TMR.PalmarCutaneousBranchOfUlnarNerve),
    ),
    ("recurrent motor branch", None, TMR.RecurrentMotorBranchOfMedianNerve),
    ("thenar motor branch", None, TMR.RecurrentMotorBranchOfMedianNerve),
    ("recurrent branch of median nerve", None, TMR.RecurrentMotorBranchOfMedianNerve),
    ("deep motor branch of ulnar nerve", None, TMR.DeepBranchOfUlnarNerve),
    ("deep branch of ulnar nerve", None, TMR.DeepBranchOfUlnarNerve),
    ("superficial ulnar nerve", None, TMR.SuperficialBranchOfUlnarNerve),
    (
        "radial digital nerve of the index finger",
        None,
        TMR.RadialProperPalmarDigitalNerveOfIndexFinger,
    ),
    ("RDN index", None, TMR.RadialProperPalmarDigitalNerveOfIndexFinger),
    ("UDN small", None, TMR.UlnarProperPalmarDigitalNerveOfLittleFinger),
    ("UDN little", None, TMR.UlnarProperPalmarDigitalNerveOfLittleFinger),
    (
        "ulnar digital nerve of the small finger",
        None,
        TMR.UlnarProperPalmarDigitalNerveOfLittleFinger,
    ),
    ("ulnar digital nerve, little finger", None, TMR.UlnarProperPalmarDigitalNerveOfLittleFinger),
    ("little finger ulnar digital nerve", None, TMR.UlnarProperPalmarDigitalNerveOfLittleFinger),
    (
        "ulnar digital nerve of the little finger",
        None,
        TMR.UlnarProperPalmarDigitalNerveOfLittleFinger,
    ),
    ("radial digital nerve of the thumb", None, TMR.RadialProperPalmarDigitalNerveOfThumb),
    (
        "digital nerve of the thumb",
        None,
        one_of(TMR.RadialProperPalmarDigitalNerveOfThumb, TMR.UlnarProperPalmarDigitalNerveOfThumb),
    ),
    (
        "common digital nerve to the third web space",
        None,
        TMR.ThirdCommonPalmarDigitalNerveOfMedianNerve,
    ),
    ("third common digital nerve", None, TMR.ThirdCommonPalmarDigitalNerveOfMedianNerve),
    ("ulnar common digital nerve", None, TMR.CommonPalmarDigitalNerveOfUlnarNerve),
    ("proper digital nerves of the ulnar nerve", None, TMR.ProperPalmarDigitalNervesOfUlnarNerve),
    ("dorsal digital nerves of the radial nerve", None, TMR.DorsalDigitalNervesOfRadialNerve),
    ("volar digital nerve", None, one_of(TMR.CommonPalmarDigitalNervesOfMedianNerve)),
    # --- lower-limb TMR and RPNI literature (transfemoral, transtibial, foot)
    ("tibial", None, TMR.TibialNerve),
    ("tibial nerve", None, TMR.TibialNerve),
    ("Tibial N.", None, TMR.TibialNerve),
    ("medial popliteal nerve", None, TMR.TibialNerve),
    ("sciatic", None, TMR.SciaticNerve),
    ("sciatic nerve", None, TMR.SciaticNerve),
    ("common peroneal", None, TMR.CommonPeronealNerve),
    ("common peroneal nerve", None, TMR.CommonPeronealNerve),
    ("common fibular nerve", None, TMR.CommonPeronealNerve),
    ("CPN", None, TMR.CommonPeronealNerve),
    ("lateral popliteal nerve", None, TMR.CommonPeronealNerve),
    ("superficial peroneal nerve", None, TMR.SuperficialPeronealNerve),
    ("superficial fibular nerve", None, TMR.SuperficialPeronealNerve),
    ("superficial peroneal", None, TMR.SuperficialPeronealNerve),
    ("Superficial Peroneal", None, TMR.SuperficialPeronealNerve),
    ("superficial fibular n.", None, TMR.SuperficialPeronealNerve),
    ("SPN", None, TMR.SuperficialPeronealNerve),
    ("musculocutaneous nerve of the leg", None, TMR.SuperficialPeronealNerve),
    ("deep peroneal nerve", None, TMR.DeepPeronealNerve),
    ("deep fibular nerve", None, TMR.DeepPeronealNerve),
    ("deep-peroneal nerve", None, TMR.DeepPeronealNerve),
    ("DPN", None, TMR.DeepPeronealNerve),
    ("anterior tibial nerve", None, TMR.DeepPeronealNerve),
    ("sural nerve", None, TMR.SuralNerve),
    ("short saphenous nerve", None, TMR.SuralNerve),
    ("lateral sural cutaneous nerve", None, TMR.LateralSuralCutaneousNerve),
    ("LSCN", None, TMR.LateralSuralCutaneousNerve),
    ("medial sural cutaneous nerve", None, TMR.MedialSuralCutaneousNerve),
    ("peroneal communicating nerve", None, TMR.PeronealCommunicatingNerve),
    ("sural communicating branch", None, TMR.PeronealCommunicatingNerve),
    ("saphenous nerve", None, TMR.SaphenousNerve),
    ("long saphenous nerve", None, TMR.SaphenousNerve),
    ("infrapatellar branch of the saphenous nerve", None, TMR.InfrapatellarBranchOfSaphenousNerve),
    ("infrapatellar nerve", None, TMR.InfrapatellarBranchOfSaphenousNerve),
    ("IPBSN", None, TMR.InfrapatellarBranchOfSaphenousNerve),
    ("femoral", None, TMR.FemoralNerve),
    ("femoral nerve", None, TMR.FemoralNerve),
    ("anterior crural nerve", None, TMR.FemoralNerve),
    ("obturator", None, TMR.ObturatorNerve),
    ("obturator nerve", None, TMR.ObturatorNerve),
    ("anterior branch of obturator nerve", None, TMR.AnteriorDivisionOfObturatorNerve),
    ("LFCN", None, TMR.LateralFemoralCutaneousNerve),
    ("LFC", None, TMR.LateralFemoralCutaneousNerve),
    ("lateral femoral cutaneous nerve", None, TMR.LateralFemoralCutaneousNerve),
    ("lateral cutaneous nerve of the thigh", None, TMR.LateralFemoralCutaneousNerve),
    ("PFCN", None, TMR.PosteriorFemoralCutaneousNerve),
    ("posterior femoral cutaneous nerve", None, TMR.PosteriorFemoralCutaneousNerve),
    ("posterior cutaneous nerve of thigh", None, TMR.PosteriorFemoralCutaneousNerve),
    ("small sciatic nerve", None, TMR.PosteriorFemoralCutaneousNerve),
    ("genitofemoral", None, TMR.GenitofemoralNerve),
    ("GFN", None, TMR.GenitofemoralNerve),
    ("genital branch of genitofemoral nerve", None, TMR.GenitalBranchOfGenitofemoralNerve),
    ("ilioinguinal", None, TMR.IlioinguinalNerve),
    ("IIN", None, TMR.IlioinguinalNerve),
    ("iliohypogastric nerve", None, TMR.IliohypogastricNerve),
    ("IHN", None, TMR.IliohypogastricNerve),
    ("superior gluteal nerve", None, TMR.SuperiorGlutealNerve),
    ("inferior gluteal nerve", None, TMR.InferiorGlutealNerve),
    ("nerve to quadratus femoris", None, TMR.NerveToQuadratusFemoris),
    # --- foot and ankle letters: plantar, calcaneal, interdigital and dorsal nerves
    ("medial plantar nerve", None, TMR.MedialPlantarNerve),
    ("lateral plantar nerve", None, TMR.LateralPlantarNerve),
    ("internal plantar nerve", None, TMR.MedialPlantarNerve),
    ("external plantar nerve", None, TMR.LateralPlantarNerve),
    ("medial plantar", None, TMR.MedialPlantarNerve),
    ("plantar nerve", None, one_of(TMR.MedialPlantarNerve, TMR.LateralPlantarNerve)),
    ("medial calcaneal nerve", None, TMR.MedialCalcanealBranchesOfTibialNerve),
    ("lateral calcaneal nerve", None, TMR.LateralCalcanealBranchesOfSuralNerve),
    (
        "calcaneal nerve",
        None,
        one_of(TMR.MedialCalcanealBranchesOfTibialNerve, TMR.LateralCalcanealBranchesOfSuralNerve),
    ),
    ("third interdigital nerve", None, TMR.ThirdCommonPlantarDigitalNerveOfFoot),
    ("third web space nerve", None, TMR.ThirdCommonPlantarDigitalNerveOfFoot),
    ("second interdigital nerve of the foot", None, TMR.SecondCommonPlantarDigitalNerveOfFoot),
    ("common plantar digital nerves", None, TMR.CommonPlantarDigitalNervesOfFoot),
    ("digital nerves of the big toe", None, one_of(TMR.MedialProperPlantarDigitalNerveOfHallux)),
    ("medial dorsal cutaneous nerve", None, TMR.MedialDorsalCutaneousNerve),
    ("intermediate dorsal cutaneous nerve", None, TMR.IntermediateDorsalCutaneousNerve),
    ("lateral dorsal cutaneous nerve", None, TMR.LateralDorsalCutaneousNerve),
    ("medial branch of superficial peroneal nerve", None, TMR.MedialDorsalCutaneousNerve),
    (
        "deep peroneal nerve medial terminal branch",
        None,
        TMR.MedialTerminalBranchOfDeepPeronealNerve,
    ),
    (
        "first web space nerve",
        None,
        one_of(
            TMR.FirstCommonPlantarDigitalNerveOfFoot, TMR.MedialTerminalBranchOfDeepPeronealNerve
        ),
    ),
    ("first web space nerve", UPPER, TMR.FirstCommonPalmarDigitalNerveOfMedianNerve),
    # --- trunk: intercostal nerves as letters number them
    ("intercostal nerve", None, one_of(TMR.IntercostalNerve8, TMR.IntercostalNerve10)),
    ("T8 intercostal nerve", None, TMR.IntercostalNerve8),
    ("eighth intercostal nerve", None, TMR.IntercostalNerve8),
    ("8th intercostal nerve", None, TMR.IntercostalNerve8),
    ("intercostal nerve 8", None, TMR.IntercostalNerve8),
    ("subcostal nerve", None, TMR.SubcostalNerve),
    # --- Latin (TA2) as letters abbreviate it
    ("n. medianus", None, TMR.MedianNerve),
    ("nervus medianus", None, TMR.MedianNerve),
    ("n. ulnaris", None, TMR.UlnarNerve),
    ("N. ischiadicus", None, TMR.SciaticNerve),
    ("nervus fibularis communis", None, TMR.CommonPeronealNerve),
    ("n. peroneus profundus", None, TMR.DeepPeronealNerve),
    ("ramus superficialis nervi radialis", None, TMR.SuperficialBranchOfRadialNerve),
    ("nervus saphenus", None, TMR.SaphenousNerve),
    # --- older names of anatomy texts
    ("musculospiral nerve", None, TMR.RadialNerve),
    ("circumflex nerve", None, TMR.AxillaryNerve),
    # --- British spelling, punctuation, side and "neuroma" in a clinic letter
    ("meralgia paraesthetica nerve", None, TMR.LateralFemoralCutaneousNerve),
    ("meralgia paresthetica nerve", None, TMR.LateralFemoralCutaneousNerve),
    ("median neuroma", None, TMR.MedianNerve),
    ("ulnar nerve neuroma", None, TMR.UlnarNerve),
    ("neuroma of the sural nerve", None, TMR.SuralNerve),
    ("sural neuroma", None, TMR.SuralNerve),
    ("right sural nerve", None, TMR.SuralNerve),
    ("left superficial radial nerve", None, TMR.SuperficialBranchOfRadialNerve),
    ("  SURAL NERVE  ", None, TMR.SuralNerve),
    ("saphenous nerve, infrapatellar branch", None, TMR.InfrapatellarBranchOfSaphenousNerve),
    # --- motor branches (donors) as TMR operative notes name them
    ("FCU branch", None, TMR.BranchToFlexorCarpiUlnaris),
    ("nerve to FCU", None, TMR.BranchToFlexorCarpiUlnaris),
    ("motor branch to flexor carpi ulnaris", None, TMR.BranchToFlexorCarpiUlnaris),
    ("nerve to pronator quadratus", None, TMR.BranchToPronatorQuadratus),
    ("PQ branch", None, TMR.BranchToPronatorQuadratus),
    ("nerve to brachialis", None, TMR.BranchToBrachialis),
    ("nerve to ECRB", None, TMR.BranchToExtensorCarpiRadialisBrevis),
    ("nerve to medial gastrocnemius", None, TMR.BranchToGastrocnemiusMedialHead),
    ("medial gastrocnemius branch", None, TMR.BranchToGastrocnemiusMedialHead),
    ("nerve to soleus", None, TMR.BranchToSoleus),
    ("nerve to the long head of triceps", None, TMR.BranchToTricepsBrachiiLongHead),
    ("nerve to vastus lateralis", None, TMR.BranchToVastusLateralis),
    ("nerve to tibialis anterior", None, TMR.BranchToTibialisAnterior),
    ("nerve to peroneus longus", None, TMR.BranchToFibularisLongus),
    ("nerve to fibularis longus", None, TMR.BranchToFibularisLongus),
    ("nerve to the short head of biceps", None, TMR.BranchToBicepsBrachiiShortHead),
    ("nerve to gracilis", None, TMR.BranchToGracilis),
    # --- target muscles
    ("FCU", None, TMR.FlexorCarpiUlnaris),
    ("flexor carpi ulnaris", None, TMR.FlexorCarpiUlnaris),
    ("ECRB", None, TMR.ExtensorCarpiRadialisBrevis),
    ("ADM", None, TMR.AbductorDigitiMinimiOfHand),
    ("biceps", None, TMR.BicepsBrachii),
    ("deltoid", None, TMR.Deltoid),
    ("peroneus longus", None, TMR.FibularisLongus),
    ("fibularis longus", None, TMR.FibularisLongus),
    ("tibialis anterior", None, TMR.TibialisAnterior),
]


def test_the_table_has_at_least_150_typed_forms() -> None:
    assert len(FORMS) >= 150
    assert len({(typed, limb) for typed, limb, _ in FORMS}) == len(FORMS)  # no row twice


@pytest.mark.parametrize(
    ("typed", "limb", "expected"),
    FORMS,
    ids=[f"{t}@{where and where.split('#')[-1]}" for t, where, _ in FORMS],
)
def test_typed_forms(
    kb: KnowledgeBase, typed: str, limb: URIRef | None, expected: Expected
) -> None:
    if isinstance(expected, URIRef):
        match = kb.resolve(typed, limb=limb)
        assert match.entity == expected, (typed, match)
        return
    with pytest.raises(AmbiguousNameError) as error:
        kb.resolve(typed, limb=limb)
    labels = set(error.value.matches)
    assert {kb.label(e) for e in expected} <= labels, (typed, error.value.matches)
    assert "which of these?" in str(error.value)
    if limb is not None:  # narrowed to the case's limb: nothing from another limb
        by_label = {kb.label(e): e for e in kb.entities(TMR.Nerve)}
        assert all(limb in kb.limbs_of(by_label[m]) for m in labels if m in by_label), labels


# ------------------------------------------------------------------------------ how it matched
@pytest.mark.parametrize(
    ("typed", "matched", "how"),
    [
        ("tibial nerve", "tibial nerve", "label"),
        ("medial popliteal nerve", "medial popliteal nerve", "synonym"),
        ("SBRN", "SBRN", "abbreviation"),
        ("LACN", "lateral antebrachial cutaneous nerve", "abbreviation"),
        ("LFC", "LFCN", "abbreviation"),
        ("superficial fibular n.", "superficial peroneal nerve", "normalised"),
        (
            "little finger ulnar digital nerve",
            "ulnar digital nerve of the little finger",
            "normalised",
        ),
        ("recurrent motor branch", "recurrent motor branch of the median nerve", "partial"),
    ],
)
def test_every_answer_says_which_name_matched_and_how(
    kb: KnowledgeBase, typed: str, matched: str, how: str
) -> None:
    match = kb.resolve(typed)
    assert (match.matched, match.how) == (matched, how)
    assert isinstance(match, Match)
    with pytest.raises(AttributeError):
        match.how = "label"  # type: ignore[misc]  # frozen


def test_get_and_find_are_the_resolver(kb: KnowledgeBase) -> None:
    assert kb.get("saphenous", "nerve") == kb.find("saphenous") == TMR.SaphenousNerve
    assert kb.get("MPN", "nerve", limb=LOWER) == TMR.MedialPlantarNerve
    assert kb.find("zzzzqqq") is None
    with pytest.raises(AmbiguousNameError):
        kb.find("MPN")


def test_kind_narrows_the_candidates(kb: KnowledgeBase) -> None:
    assert kb.resolve("ADM", kind=TMR.Muscle, limb=LOWER).entity == TMR.AbductorDigitiMinimiOfFoot
    assert kb.resolve("deltoid").entity == TMR.Deltoid
    assert kb.resolve("deltoid", kind=TMR.Nerve).entity == TMR.BranchToDeltoid
    with pytest.raises(UnknownEntityError):
        kb.resolve("deltoid plane", kind=TMR.Muscle)


def test_a_typed_nerve_is_not_a_muscle(kb: KnowledgeBase) -> None:
    """'subclavius nerve' names the nerve to subclavius, never the muscle (and, since the nerve
    words decide between a nerve and its branch, not its motor branch either)."""
    assert kb.resolve("subclavius nerve").entity == TMR.SubclavianNerve


def test_a_nerve_is_listed_before_its_branches(kb: KnowledgeBase) -> None:
    with pytest.raises(AmbiguousNameError) as error:
        kb.resolve("peroneal nerve")
    assert error.value.matches[0] == "common peroneal nerve"


def test_a_long_choice_says_how_many_more(kb: KnowledgeBase) -> None:
    with pytest.raises(AmbiguousNameError) as error:
        kb.resolve("digital nerve")
    assert len(error.value.matches) > AmbiguousNameError.SHOWN
    assert f"and {len(error.value.matches) - AmbiguousNameError.SHOWN} more" in str(error.value)


def test_normalised_words() -> None:
    assert normalise("N. peroneus profundus") == (["fibularis", "profundus"], True)
    assert to_bag("Morton's neuroma") == ("interdigital",)
    assert to_bag("nerve to the 2nd lumbrical") == ("lumbrical", "second")


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("typed", "close"),
    [
        ("deltiod", "deltoid"),
        ("saphenus nrve", "saphenous nerve"),
        ("ulnr nerve", "ulnar nerve"),
        ("superficial radial sensory nerve", "superficial branch of the radial nerve"),
        ("tibail nerve", "tibial nerve"),
    ],
)
def test_an_unknown_name_suggests_close_matches(kb: KnowledgeBase, typed: str, close: str) -> None:
    with pytest.raises(UnknownEntityError) as error:
        kb.get(typed, "nerve")
    assert close in error.value.suggestions, error.value.suggestions
    assert str(error.value).startswith(f"unknown nerve {typed!r}")


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "???", "nerve", "zzzzqqq", "x" * 10_000, "\u0000\ud7ff", "\u2019s", "-" * 50],
)
def test_bad_input_is_an_error_never_a_crash(kb: KnowledgeBase, typed: str) -> None:
    try:
        kb.resolve(typed)
    except UnknownEntityError as error:
        assert len(str(error)) < 400
    assert kb.search(typed) is not None
    assert isinstance(kb.suggest(typed), list)


def test_a_weak_fuzzy_match_never_resolves(kb: KnowledgeBase) -> None:
    """ "AIN" is an abbreviation; "AIM" close to it is not a name: no Enter-accepts-a-guess."""
    with pytest.raises(TmrplanError):
        kb.resolve("AIM nerve")


# ------------------------------------------------------------------------------ search
def test_search_puts_structures_before_sources_grouped_by_kind(kb: KnowledgeBase) -> None:
    hits = kb.search("sural nerve", limit=40)
    kinds = [kb.type_of(h.entity) for h in hits]
    assert kinds[0] == TMR.CutaneousNerve and hits[0].entity == TMR.SuralNerve
    if TMR.Source in kinds:
        first_source = kinds.index(TMR.Source)
        assert all(k == TMR.Source for k in kinds[first_source:])
    seen: list[URIRef | None] = []
    for kind in kinds:  # each kind in one run
        if not seen or seen[-1] != kind:
            assert kind not in seen, kinds
            seen.append(kind)


def test_search_finds_abbreviations_and_both_meanings(kb: KnowledgeBase) -> None:
    found = {h.entity for h in kb.search("MPN")}
    assert {TMR.MedialPectoralNerve, TMR.MedialPlantarNerve} <= found
    assert kb.search("LACN")[0].entity == TMR.LateralAntebrachialCutaneousNerve


def test_speed_counts_queries(kb: KnowledgeBase) -> None:
    """How fast search and suggestions are on the shipped knowledge base (printed, not asserted:
    the machine is shared; the issue's target is 5 ms a query)."""
    queries = [*(t for t, _, _ in FORMS[:60]), "deltiod", "zzzzqqq", "peroneal", "ulnr"]
    kb.search("warm-up")
    start = time.perf_counter()
    for query in queries:
        kb.search(query)
        kb.suggest(query)
    per_query = (time.perf_counter() - start) / len(queries) * 1000
    print(f"\nsearch + suggest: {per_query:.2f} ms a query over {len(queries)} queries")
    assert len(queries) == 64


# ------------------------------------------------------------------------------ the case's site
# (issue 14) A generic name at a level: narrowed to the nerves that run at the case's site (less
# what the amputation removed) and ordered with the case's named digits or toes first. Each row:
# typed, case (level, digits or toes, through), what the choice must start with (in this order),
# and what it must not list.
SITE_FORMS: list[tuple[str, dict[str, object], tuple[URIRef, ...], tuple[URIRef, ...]]] = [
    # hand levels: the hand's digital nerves only
    ("digital nerve", {"level": "digit"}, (), (TMR.ProperPlantarDigitalNervesOfFoot,)),
    ("digital nerve", {"level": "partial_hand"}, (), (TMR.ProperPlantarDigitalNervesOfFoot,)),
    (
        "digital nerve",
        {"level": "none", "region": "hand"},
        (),
        (TMR.CommonPlantarDigitalNervesOfFoot,),
    ),
    (
        "digital nerve",
        {"level": "none", "region": "digits"},
        (),
        (TMR.SecondCommonPlantarDigitalNerveOfFoot,),
    ),
    # at the digit level the stump is in the digits: the palm's common digital nerves are out
    ("digital nerve", {"level": "digit"}, (), (TMR.SecondCommonPalmarDigitalNerveOfMedianNerve,)),
    ("palmar digital nerve", {"level": "digit"}, (), (TMR.CommonPalmarDigitalNervesOfMedianNerve,)),
    # digits named: that digit's own nerves first
    (
        "digital nerve",
        {"level": "digit", "digits": ("index",)},
        (TMR.RadialDorsalDigitalNerveOfIndexFinger, TMR.UlnarDorsalDigitalNerveOfIndexFinger),
        (TMR.ProperPlantarDigitalNervesOfFoot,),
    ),
    (
        "proper palmar digital nerve",
        {"level": "digit", "digits": ("index",)},
        (
            TMR.RadialProperPalmarDigitalNerveOfIndexFinger,
            TMR.UlnarProperPalmarDigitalNerveOfIndexFinger,
        ),
        (),
    ),
    (
        "proper palmar digital nerve",
        {"level": "digit", "digits": ("little",), "through": "pip"},
        (
            TMR.RadialProperPalmarDigitalNerveOfLittleFinger,
            TMR.UlnarProperPalmarDigitalNerveOfLittleFinger,
        ),
        (),
    ),
    (
        "proper palmar digital nerve",
        {"level": "digit", "digits": ("thumb",), "through": "mcp"},
        (TMR.RadialProperPalmarDigitalNerveOfThumb, TMR.UlnarProperPalmarDigitalNerveOfThumb),
        (),
    ),
    (
        "digital nerve",
        {"level": "partial_hand", "digits": ("middle",), "through": "mcp"},
        (TMR.RadialDorsalDigitalNerveOfMiddleFinger,),
        (TMR.ProperPlantarDigitalNervesOfFoot,),
    ),
    (
        "dorsal digital nerve",
        {"level": "digit", "digits": ("ring",)},
        (TMR.RadialDorsalDigitalNerveOfRingFinger, TMR.UlnarDorsalDigitalNerveOfRingFinger),
        (),
    ),
    # foot levels: the foot's digital nerves only
    ("digital nerve", {"level": "partial_foot"}, (), (TMR.ProperPalmarDigitalNervesOfMedianNerve,)),
    (
        "digital nerve",
        {"level": "none", "region": "foot"},
        (),
        (TMR.DorsalDigitalNervesOfRadialNerve,),
    ),
    (
        "common digital nerve",
        {"level": "partial_foot"},
        (),
        (TMR.CommonPalmarDigitalNervesOfMedianNerve,),
    ),
    (
        "interdigital nerve",
        {"level": "none", "region": "foot"},
        (),
        (TMR.CommonPalmarDigitalNervesOfMedianNerve,),
    ),
    (
        "plantar digital nerve",
        {"level": "partial_foot", "toes": ("second",), "through": "mtp"},
        (
            TMR.LateralProperPlantarDigitalNerveOfSecondToe,
            TMR.MedialProperPlantarDigitalNerveOfSecondToe,
        ),
        (),
    ),
    (
        "plantar digital nerve",
        {"level": "partial_foot", "toes": ("fifth",), "through": "mtp"},
        (
            TMR.LateralProperPlantarDigitalNerveOfFifthToe,
            TMR.MedialProperPlantarDigitalNerveOfFifthToe,
        ),
        (),
    ),
    (
        "dorsal digital nerve",
        {"level": "partial_foot", "toes": ("hallux",), "through": "mtp"},
        (TMR.LateralDorsalDigitalNerveOfHallux, TMR.MedialDorsalDigitalNerveOfHallux),
        (TMR.DorsalDigitalNervesOfRadialNerve,),
    ),
    (
        "digital nerve",
        {"level": "partial_foot", "toes": ("third",), "through": "mtp"},
        (TMR.LateralDorsalDigitalNerveOfThirdToe,),
        (TMR.ProperPalmarDigitalNervesOfUlnarNerve,),
    ),
]


def _site_of(planner_index: object, case: dict[str, object]) -> object:
    from tmrplan.model import Case

    return planner_index.case_site(Case(("x",), **case))  # type: ignore[attr-defined, arg-type]


def test_the_site_table_has_at_least_20_typed_forms() -> None:
    assert len(SITE_FORMS) >= 20


@pytest.mark.parametrize(
    ("typed", "case", "first", "never"),
    SITE_FORMS,
    ids=[f"{t}@{'/'.join(str(v) for v in c.values())}" for t, c, _, _ in SITE_FORMS],
)
def test_a_generic_name_is_narrowed_and_ordered_by_the_case_site_and_digits(
    planner: object,
    typed: str,
    case: dict[str, object],
    first: tuple[URIRef, ...],
    never: tuple[URIRef, ...],
) -> None:
    from tmrplan.planning.planner import resolve_nerve

    index = planner.index  # type: ignore[attr-defined]
    site = _site_of(index, case)
    with pytest.raises(AmbiguousNameError) as error:
        resolve_nerve(index, typed, site)  # type: ignore[arg-type]
    kb = index.kb
    labels = list(error.value.matches)
    by_label = {kb.label(e): e for e in kb.entities(TMR.Nerve)}
    named = site.loss.digits if site.loss is not None else frozenset()  # type: ignore[attr-defined]
    own = [i for i, m in enumerate(labels) if kb.digits_of(by_label[m]) <= named]
    others = [i for i, m in enumerate(labels) if not kb.digits_of(by_label[m]) <= named]
    for entity in first:  # the named digits' own nerves, before every other nerve
        assert labels.index(kb.label(entity)) in own, labels
    if first:
        assert max(own) < min(others, default=len(labels)), labels
    assert not {kb.label(e) for e in never} & set(labels), labels
    for label in labels:  # every choice offered is one the planner accepts at this site
        assert index.reaches(by_label[label], site), label


def test_a_nerve_wholly_removed_or_elsewhere_is_out_only_when_others_are_there(
    kb: KnowledgeBase,
) -> None:
    index = kb.resolver

    def found(regions: frozenset[URIRef], removed: frozenset[URIRef] = frozenset()) -> set[URIRef]:
        return {
            m.entity
            for m in index.candidates("digital nerve", limb=UPPER, regions=regions, removed=removed)
        }

    every = found(frozenset({TMR.Arm}))  # none runs in the arm: every candidate stays
    digits = frozenset(kb.region_and_parts(TMR.Digits))
    in_digits = found(digits)
    assert TMR.SecondCommonPalmarDigitalNerveOfMedianNerve in every - in_digits  # palm only
    assert TMR.RadialProperPalmarDigitalNerveOfIndexFinger in in_digits
    # A nerve whose course lies wholly in what was removed is not at the site.
    index_finger = frozenset(kb.region_and_parts(TMR.IndexFingerProximalPhalanx))
    at = frozenset({TMR.Hand, *index_finger})
    kept = found(at, removed=frozenset({TMR.Hand, TMR.Digits}) | digits)
    assert kept == every  # every course is removed: nothing is there, so all stay
    assert TMR.SecondCommonPalmarDigitalNerveOfMedianNerve in found(at, removed=digits)


def test_the_context_keeps_the_old_signature(kb: KnowledgeBase) -> None:
    """The app picker calls ``kb.resolve(name, kind=..., limb=...)``: unchanged."""
    assert kb.resolve("MPN", kind=TMR.Nerve, limb=LOWER).entity == TMR.MedialPlantarNerve
    assert kb.get("MPN", "nerve", limb=LOWER) == TMR.MedialPlantarNerve
    assert kb.find("sural", limb=LOWER) == TMR.SuralNerve


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("upper subscapular", TMR.UpperSubscapularNerve),
        ("Upper Subscapular", TMR.UpperSubscapularNerve),
        ("upper subscapular nerve branch", TMR.BranchToSubscapularis),
        ("inferior gluteal", TMR.InferiorGlutealNerve),
    ],
)
def test_a_name_equal_to_one_nerves_name_wins_over_its_branch(
    kb: KnowledgeBase, typed: str, expected: URIRef
) -> None:
    """Regression: "upper subscapular" was ambiguous with the branch whose synonym is "upper
    subscapular nerve branch": the same words once "nerve" and "branch" are optional. Where
    several nerves' names have the typed words, the one whose "nerve"/"branch" words differ
    least from those typed wins."""
    assert kb.resolve(typed).entity == expected


def test_a_muscle_and_a_nerve_with_the_same_words_stay_a_choice(kb: KnowledgeBase) -> None:
    """The nerve-word rule is among nerves: "volar interosseous" is the palmar interossei or
    the volar interosseous nerve, and a surgeon must say which."""
    with pytest.raises(AmbiguousNameError) as error:
        kb.resolve("volar interosseous")
    assert {"anterior interosseous nerve", "palmar interossei"} <= set(error.value.matches)
