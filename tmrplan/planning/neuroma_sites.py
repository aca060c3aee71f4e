"""Materialise what the planner derives as RDF: neuroma sites and their candidate donors."""

from __future__ import annotations

from rdflib import Graph, Literal

from tmrplan.knowledge.kb import local_name
from tmrplan.knowledge.vocab import RDF, SKOS, TMR
from tmrplan.planning.anatomy_index import AnatomyIndex, Site


def neuroma_sites_graph(index: AnatomyIndex) -> Graph:
    """Every neuroma site the anatomy allows, linked to its candidate donor branches.

    A site is a peripheral nerve at an amputation level whose stump it reaches, or in a region of
    an intact limb that it runs through.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> g = neuroma_sites_graph(AnatomyIndex(load_knowledge_base()))
        >>> (TMR["site_MedianNerve_transhumeral"], RDF.type, TMR.NeuromaSite) in g
        True
    """
    kb = index.kb
    graph = Graph()
    graph.bind("tmr", TMR)
    graph.bind("skos", SKOS)
    nerves = kb.entities(TMR.MixedNerve) + kb.entities(TMR.CutaneousNerve)
    sites = [
        (level, Site(level, kb.objects(level, TMR.stumpRegion)[0]))
        for level in kb.level_ids.values()
    ]
    sites += [(region, Site(None, region)) for region in kb.region_ids.values()]
    for nerve in nerves:
        for context, site in sites:
            if not index.reaches(nerve, site):
                continue
            iri = TMR[f"site_{local_name(nerve)}_{local_name(context)}"]
            graph.add((iri, RDF.type, TMR.NeuromaSite))
            graph.add(
                (
                    iri,
                    SKOS.prefLabel,
                    Literal(f"{kb.label(nerve)} neuroma: {kb.label(context)}", lang="en"),
                )
            )
            graph.add((iri, TMR.neuromaNerve, nerve))
            graph.add((iri, TMR.context, context))
            for candidate in index.candidates(nerve, site):
                graph.add((iri, TMR.candidateDonor, candidate.branch))
                graph.add((iri, TMR.targetMuscle, candidate.muscle))
    return graph
