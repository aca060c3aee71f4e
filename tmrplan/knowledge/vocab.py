"""Namespaces and terms: the only module that spells IRIs."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD


class _RememberedNamespace(Namespace):
    """A namespace that builds each term once. rdflib's ``Namespace`` makes a new ``URIRef`` on
    every attribute read; the indexes read ``TMR.x`` some 13,000 times while loading, and that
    was a tenth of a command's start-up."""

    def __getattr__(self, name: str) -> URIRef:
        term = super().__getattr__(name)
        self.__dict__[name] = term  # found by ordinary lookup from now on
        return term


TMR = _RememberedNamespace("https://w3id.org/tmrplan#")
SH = _RememberedNamespace("http://www.w3.org/ns/shacl#")
ONTOLOGY_IRI = "https://w3id.org/tmrplan"

__all__ = ["DCTERMS", "ONTOLOGY_IRI", "OWL", "RDF", "RDFS", "SH", "SKOS", "TMR", "XSD"]

# Classes, most specific first: the first one an entity has is its reported "type".
ENTITY_CLASSES = (
    TMR.SpinalRoot,
    TMR.PlexusPart,
    TMR.MotorBranch,
    TMR.CutaneousNerve,
    TMR.MixedNerve,
    TMR.Nerve,
    TMR.Muscle,
    TMR.Joint,
    TMR.Action,
    TMR.Region,
    TMR.Compartment,
    TMR.Boundary,
    TMR.Limb,
    TMR.AmputationLevel,
    TMR.ResidualVariant,
    TMR.DigitLevel,
    TMR.Digit,
    TMR.SegmentKind,
    TMR.NeuromaSite,
    TMR.TransferPattern,
    TMR.Procedure,
    TMR.Risk,
    TMR.Instruction,
    TMR.Source,
    TMR.EvidenceType,
    TMR.SourceKind,
    TMR.Phase,
)
NERVE_CLASSES = (
    TMR.SpinalRoot,
    TMR.PlexusPart,
    TMR.MotorBranch,
    TMR.CutaneousNerve,
    TMR.MixedNerve,
)
# Every class whose members are nerves, tmr:Nerve itself included.
NERVE_KINDS = frozenset((*NERVE_CLASSES, TMR.Nerve))
