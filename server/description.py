"""The SPARQL 1.1 Service Description of the endpoint, answered on GET without a query."""
from __future__ import annotations

import pyoxigraph as ox

from server.negotiation import GRAPH_FORMATS, RESULT_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DESCRIPTION = ox.NamedNode("http://purl.org/dc/terms/description")
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
SIMPLE_ENTAILMENT = ox.NamedNode("http://www.w3.org/ns/entailment/Simple")
PREFIXES = {"sd": SD, "formats": "http://www.w3.org/ns/formats/",
            "dcterms": "http://purl.org/dc/terms/",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def service_description(endpoint: str, *, update: bool, void: str | None = None
                        ) -> list[ox.Triple]:
    """Triples describing the endpoint at ``endpoint`` (its absolute URL).

    The default graph is the union of all named graphs (``sd:UnionDefaultGraph``);
    each article is a named graph, so they are not listed one by one: the VoID
    description at ``void`` (its absolute URL, when given) counts them, and its
    dataset (``<void#dataset>``) is the default dataset described here.
    """
    service, default_graph = ox.BlankNode(), ox.BlankNode()
    dataset: ox.NamedNode | ox.BlankNode = (ox.NamedNode(void + "#dataset") if void
                                            else ox.BlankNode())
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, TITLE, ox.Literal("newskg SPARQL endpoint")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultEntailmentRegime"), SIMPLE_ENTAILMENT),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(service, DESCRIPTION, ox.Literal(
            "newskg knowledge graph: one named graph per news article; the default graph "
            "is the union of all graphs. SERVICE, LOAD and FROM of non-local graphs are "
            "refused; queries have a time limit. Read a graph with /data?graph=IRI (the union: "
            "/data?default; SPARQL 1.1 Graph Store Protocol, read only), the whole dataset "
            "with /dump (TriG, N-Quads); instance IRIs resolve on this server.")),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, sd("Graph")),
    ]
    if void:
        triples.append(ox.Triple(service, SEE_ALSO, ox.NamedNode(void)))
    if update:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(f.iri))
                for f in RESULT_FORMATS + GRAPH_FORMATS]
    return triples
