"""The namespaces build each term once and answer exactly as rdflib's do."""

from __future__ import annotations

from rdflib import Namespace, URIRef

from tmrplan.knowledge.vocab import TMR


def test_a_term_is_built_once_and_equals_rdflibs() -> None:
    plain = Namespace("https://w3id.org/tmrplan#")
    first = TMR.FlexorCarpiUlnaris
    assert isinstance(first, URIRef)
    assert (
        first == plain.FlexorCarpiUlnaris == URIRef("https://w3id.org/tmrplan#FlexorCarpiUlnaris")
    )
    assert TMR.FlexorCarpiUlnaris is first  # remembered, not rebuilt
    assert TMR["FlexorCarpiUlnaris"] == first
    assert "FlexorCarpiUlnaris" in TMR.__dict__


def test_special_names_are_not_terms() -> None:
    assert not hasattr(TMR, "__wrapped__")
    assert str(TMR) == "https://w3id.org/tmrplan#"
