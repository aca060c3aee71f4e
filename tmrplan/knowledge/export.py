"""The knowledge base as a file for others: Turtle, or JSON-LD with an ``@context``.

What is written is the graph the shapes are checked against: the knowledge files plus what load
materialises (``tmr:performs`` from its sub-properties, ``tmr:actsOn`` from the actions'
joints), so a third party can validate it with pySHACL's defaults and ``shapes.ttl``. Both
formats come out byte-identical from run to run: nodes are ordered by IRI, values by their
JSON text, blank nodes (there are none in the shipped data) get canonical labels.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from tmrplan.knowledge.vocab import RDF, XSD

__all__ = ["context_of", "to_jsonld", "to_turtle"]

_TYPE = RDF.type
_STRING = str(XSD.string)


def context_of(graph: Graph) -> dict[str, str]:
    """The JSON-LD ``@context``: each prefix bound in the graph whose namespace some IRI of the
    graph is in (rdflib's own default bindings that nothing uses are left out), by prefix.

    Example:
        >>> from tmrplan.knowledge.kb import load_knowledge_base
        >>> context_of(load_knowledge_base().graph)["tmr"]
        'https://w3id.org/tmrplan#'
    """
    used = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    used |= {str(o.datatype) for o in graph.objects() if isinstance(o, Literal) and o.datatype}
    namespaces = {p: str(ns) for p, ns in graph.namespaces() if p and str(ns)}
    return {
        prefix: namespace
        for prefix, namespace in sorted(namespaces.items())
        if any(iri.startswith(namespace) and len(iri) > len(namespace) for iri in used)
    }


def to_jsonld(graph: Graph) -> str:
    """The graph as compact JSON-LD: ``@context`` (the prefixes of :func:`context_of`) and
    ``@graph``, one node per subject ordered by IRI, every value as written (typed literals
    keep their lexical form and datatype).

    Example:
        >>> g = Graph()
        >>> g.bind("tmr", "https://w3id.org/tmrplan#")
        >>> tmr = "https://w3id.org/tmrplan#"
        >>> _ = g.add((URIRef(tmr + "B"), RDF.type, URIRef(tmr + "Muscle")))
        >>> _ = g.add((URIRef(tmr + "A"), URIRef(tmr + "year"), Literal("2019", datatype=XSD.gYear)))
        >>> document = json.loads(to_jsonld(g))
        >>> document["@context"]["tmr"], document["@graph"]
        ('https://w3id.org/tmrplan#', [{'@id': 'tmr:A', 'tmr:year': {'@type': 'xsd:gYear', '@value': '2019'}}, {'@id': 'tmr:B', '@type': 'tmr:Muscle'}])
    """
    graph = _canonical(graph)
    context = context_of(graph) | ({"xsd": str(XSD)} if _has_typed(graph) else {})
    # Longest namespace first: the most specific prefix wins.
    prefixes = sorted(context.items(), key=lambda kv: -len(kv[1]))

    def compact(iri: str) -> str:
        for prefix, namespace in prefixes:
            rest = iri[len(namespace) :]
            if iri.startswith(namespace) and rest and not rest.startswith("//"):
                return f"{prefix}:{rest}"
        return iri

    def node_id(node: Node) -> str:
        return f"_:{node}" if isinstance(node, BNode) else compact(str(node))

    def value(node: Node) -> Any:
        if isinstance(node, Literal):
            if node.language:
                return {"@value": str(node), "@language": node.language}
            if node.datatype is None or str(node.datatype) == _STRING:
                return str(node)
            return {"@value": str(node), "@type": compact(str(node.datatype))}
        return {"@id": node_id(node)}

    nodes: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in graph:
        subject = nodes[node_id(s)]
        if p == _TYPE and not isinstance(o, Literal):
            subject["@type"].append(node_id(o))
        else:
            subject[compact(str(p))].append(value(o))
    ordered = []
    for subject_id in sorted(nodes, key=_order_of):
        node: dict[str, Any] = {"@id": subject_id}
        for key, values in nodes[subject_id].items():
            unique = sorted({_text(v): v for v in values}.items())
            node[key] = unique[0][1] if len(unique) == 1 else [v for _, v in unique]
        ordered.append(node)
    document = {"@context": context, "@graph": ordered}
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False)


def to_turtle(graph: Graph) -> str:
    """The graph as Turtle (rdflib orders subjects and predicates), blank nodes canonical."""
    return _canonical(graph).serialize(format="turtle")


def _canonical(graph: Graph) -> Graph:
    # Fresh blank node ids differ from run to run; canonical ones do not (only when there are any:
    # canonicalisation costs seconds on the whole graph).
    if not any(isinstance(t, BNode) for triple in graph for t in triple):
        return graph
    from rdflib.compare import to_canonical_graph

    canonical = Graph()
    for prefix, namespace in graph.namespaces():
        canonical.bind(prefix, namespace)
    for triple in to_canonical_graph(graph):
        canonical.add(triple)
    return canonical


def _has_typed(graph: Graph) -> bool:
    return any(
        isinstance(o, Literal) and o.datatype and str(o.datatype) != _STRING
        for o in graph.objects()
    )


def _order_of(node_id: str) -> tuple[bool, str]:
    return (node_id.startswith("_:"), node_id)


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
