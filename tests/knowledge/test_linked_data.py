"""The ontology as linked data: its header (licence, version IRI) and the standard terms its
bibliographic properties map to (issue 17, item 19)."""

from __future__ import annotations

from rdflib import Namespace, URIRef

from tmrplan.knowledge.kb import KnowledgeBase
from tmrplan.knowledge.vocab import DCTERMS, ONTOLOGY_IRI, OWL, RDFS, TMR

BIBO = Namespace("http://purl.org/ontology/bibo/")
ONTOLOGY = URIRef(ONTOLOGY_IRI)


def test_the_header_names_its_licence_and_a_version_iri_of_its_version(kb: KnowledgeBase) -> None:
    graph = kb.graph
    version = str(graph.value(ONTOLOGY, OWL.versionInfo))
    assert graph.value(ONTOLOGY, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{version}")
    assert graph.value(ONTOLOGY, DCTERMS.license) == URIRef(
        "https://www.apache.org/licenses/LICENSE-2.0"
    )
    assert kb.version.startswith(f"{version}+")


def test_bibliographic_properties_map_to_dcterms_and_bibo(kb: KnowledgeBase) -> None:
    graph = kb.graph
    expected = {
        TMR.doi: BIBO.doi,
        TMR.pmid: BIBO.pmid,
        TMR.url: BIBO.uri,
        TMR.year: DCTERMS.issued,
        TMR.sourceKind: DCTERMS.type,
    }
    for ours, theirs in expected.items():
        assert (ours, RDFS.subPropertyOf, theirs) in graph, ours
    assert (TMR.Source, RDFS.subClassOf, DCTERMS.BibliographicResource) in graph
    # The sources themselves keep the properties every reader of the project uses.
    assert any(graph.subjects(TMR.doi, None)) and any(graph.subjects(DCTERMS.title, None))
