"""The VoID description (/.well-known/void) and the service description that points to it."""
from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from fixtures_server import GOLD_DIR, NKG, dev_app, dev_client, dev_trig  # noqa: F401
from server import void
from server.store import backend

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DOC = URIRef("http://localhost/.well-known/void")
DATASET = URIRef(f"{DOC}#dataset")


def void_graph(client: FlaskClient, accept: str = "text/turtle") -> Graph:
    response = client.get("/.well-known/void", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    return Graph().parse(data=response.data, format="json-ld" if "json" in accept else "turtle")


def number(graph: Graph, subject: URIRef, predicate: URIRef) -> int:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (subject, predicate, values)
    return int(values[0])


def ask(app: Flask, query: str) -> int:
    store = backend(app).store.oxigraph
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)


def test_dataset_and_its_access_points(dev_client: FlaskClient) -> None:
    graph = void_graph(dev_client)
    assert (DOC, RDF.type, VOID.DatasetDescription) in graph
    assert (DATASET, RDF.type, VOID.Dataset) in graph
    assert (DATASET, VOID.sparqlEndpoint, URIRef("http://localhost/sparql")) in graph
    assert {str(o) for o in graph.objects(DATASET, VOID.dataDump)} == {
        "http://localhost/dump?format=trig", "http://localhost/dump?format=nq"}
    assert (DATASET, VOID.uriSpace, Literal("https://w3id.org/newskg/id/")) in graph
    assert (DATASET, VOID.vocabulary, URIRef(NKG)) in graph


def test_counts_match_the_store(dev_app: Flask, dev_client: FlaskClient) -> None:
    graph = void_graph(dev_client)
    store = backend(dev_app).store
    assert number(graph, DATASET, VOID.triples) == len(store)
    partitions = {graph.value(p, VOID.property): int(graph.value(p, VOID.triples))
                  for p in graph.objects(DATASET, VOID.propertyPartition)}
    assert sum(partitions.values()) == len(store)
    claims = ask(dev_app, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{NKG}Claim> }}")
    classes = {graph.value(p, VOID["class"]): int(graph.value(p, VOID.entities))
               for p in graph.objects(DATASET, VOID.classPartition)}
    assert classes[URIRef(NKG + "Claim")] == claims > 0
    assert {URIRef(NKG + name) for name in ("Article", "Claim", "Recognition", "Person",
                                            "State", "Organization", "Distortion")} <= set(classes)
    assert all(str(cls).startswith(NKG) for cls in classes)


def test_named_graphs_are_counted(dev_app: Flask, dev_client: FlaskClient) -> None:
    graph = void_graph(dev_client)
    gold = json.loads((GOLD_DIR / "gold.json").read_text(encoding="utf-8"))
    article_subset = URIRef(f"{DOC}#article-graphs")
    assert number(graph, article_subset, VOID.documents) == len(gold["articles"])
    assert number(graph, DATASET, VOID.documents) == len(gold["articles"])
    named = {graph.value(s, SD.name) for s in graph.objects(DATASET, VOID.subset)} - {None}
    all_graphs = backend(dev_app).store.named_graphs()
    assert len(named) + len(gold["articles"]) == len(all_graphs)
    assert f"{len(all_graphs)} named graphs" in str(graph.value(DATASET, URIRef(
        "http://purl.org/dc/terms/description")))


def test_wikidata_linkset(dev_client: FlaskClient) -> None:
    graph = void_graph(dev_client)
    linkset = URIRef(f"{DOC}#wikidata-links")
    assert (DATASET, VOID.subset, linkset) in graph
    assert (linkset, RDF.type, VOID.Linkset) in graph
    assert (linkset, VOID.linkPredicate, OWL.sameAs) in graph
    assert (linkset, VOID.subjectsTarget, DATASET) in graph
    gold = json.loads((GOLD_DIR / "gold.json").read_text(encoding="utf-8"))
    linked = sum(1 for entity in gold["entities"].values() if entity.get("wikidata"))
    assert number(graph, linkset, VOID.triples) == linked > 0


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_json_ld_says_the_same(dev_client: FlaskClient) -> None:
    assert isomorphic(void_graph(dev_client), void_graph(dev_client, "application/ld+json"))


def test_format_override_and_not_acceptable(dev_client: FlaskClient) -> None:
    assert dev_client.get("/.well-known/void?format=jsonld").mimetype == "application/ld+json"
    assert dev_client.get("/.well-known/void").mimetype == "text/turtle"   # no Accept
    assert dev_client.get("/.well-known/void", headers={"Accept": "text/csv"}).status_code == 406


def test_counted_once_per_store_until_it_changes(dev_app: Flask, dev_client: FlaskClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = void.compute_stats
    monkeypatch.setattr(void, "compute_stats", lambda store: calls.append(1) or real(store))
    backend(dev_app).cache.clear()
    for _ in range(3):
        void_graph(dev_client)
    assert len(calls) == 1
    backend(dev_app).changed()  # what an update does
    void_graph(dev_client)
    assert len(calls) == 2


def test_service_description_points_to_void(dev_client: FlaskClient) -> None:
    response = dev_client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.data, format="turtle")
    service = graph.value(predicate=RDF.type, object=SD.Service)
    assert graph.value(service, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")) == DOC
    assert graph.value(service, SD.defaultDataset) == DATASET
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert graph.value(service, SD.endpoint) == URIRef("http://localhost/sparql")
