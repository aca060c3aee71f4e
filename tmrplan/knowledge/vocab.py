"""Namespaces and terms: the only module that spells IRIs."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

TMR = Namespace("https://w3id.org/tmrplan#")
SH = Namespace("http://www.w3.org/ns/shacl#")
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
