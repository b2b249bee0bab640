"""SPARQL 1.1 Protocol rules, through the Flask test client."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from fixtures_server import EX, NKG, app, client, w3c_graph  # noqa: F401  (fixtures)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
JSON = "application/sparql-results+json"
ASK = "ASK {}"
SD = "http://www.w3.org/ns/sparql-service-description#"

# (label, method, URL query string, Content-Type, body, expected status)
REQUESTS = [
    ("GET query=", "GET", "query=ASK%20%7B%7D", None, b"", 200),
    ("POST form", "POST", "", FORM, b"query=ASK%20%7B%7D", 200),
    ("POST direct", "POST", "", SPARQL_QUERY, ASK.encode(), 200),
    ("POST direct, charset utf-8", "POST", "", f"{SPARQL_QUERY}; charset=UTF-8", ASK.encode(), 200),
    ("POST form, dataset in URL", "POST", f"default-graph-uri={quote(w3c_graph(0))}", FORM,
     b"query=ASK%20%7B%7D", 200),
    ("two query parameters", "GET", "query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D", None, b"", 400),
    ("query and update", "POST", "", FORM, b"query=ASK%20%7B%7D&update=CLEAR%20ALL", 400),
    ("query in URL and in body", "POST", "query=ASK%20%7B%7D", SPARQL_QUERY, ASK.encode(), 400),
    ("POST text/plain", "POST", "", "text/plain", ASK.encode(), 415),
    ("POST form body without Content-Type", "POST", "", None, b"query=ASK%20%7B%7D", 415),
    ("POST direct body without Content-Type", "POST", "", None, ASK.encode(), 415),
    ("POST without operation", "POST", "", FORM, b"format=json", 400),
    ("UTF-16 body", "POST", "", f"{SPARQL_QUERY}; charset=UTF-16", ASK.encode("utf-16"), 400),
    ("Latin-1 byte in direct body", "POST", "", SPARQL_QUERY,
     'ASK { FILTER("caf\u00e9" != "") }'.encode("latin-1"), 400),
    ("Latin-1 %-escape in form body", "POST", "", FORM, b"query=ASK%20%7B%20FILTER(%22caf%E9%22)%20%7D", 400),
    ("Latin-1 %-escape in URL", "GET", "query=ASK%20%7B%20FILTER(%22caf%E9%22)%20%7D", None, b"", 400),
    ("syntax error", "GET", "query=ASK%20%7B", None, b"", 400),
    ("lone %", "POST", "", FORM, b"query=%", 400),
    ("default-graph-uri not an IRI", "GET", "query=ASK%20%7B%7D&default-graph-uri=not%20an%20IRI",
     None, b"", 400),
    ("PUT", "PUT", "query=ASK%20%7B%7D", FORM, b"", 405),
    ("DELETE", "DELETE", "", None, b"", 405),
    ("PATCH", "PATCH", "", None, b"", 405),
    ("update by GET", "GET", "update=CLEAR%20ALL", None, b"", 400),
    ("two updates", "POST", "", FORM, b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", 400),
    ("update form, updates disabled", "POST", "", FORM, b"update=CLEAR%20ALL", 403),
    ("update direct, updates disabled", "POST", "", SPARQL_UPDATE, b"CLEAR ALL", 403),
    ("two format= values", "GET", "query=ASK%20%7B%7D&format=json&format=xml", None, b"", 400),
    ("unknown format=", "GET", "query=ASK%20%7B%7D&format=yaml", None, b"", 400),
]


@pytest.mark.parametrize(("method", "query_string", "content_type", "body", "status"),
                         [r[1:] for r in REQUESTS], ids=[r[0] for r in REQUESTS])
def test_request_status(client: FlaskClient, method: str, query_string: str,
                        content_type: str | None, body: bytes, status: int) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.open(f"/sparql?{query_string}", method=method, data=body, headers=headers)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.mimetype == "text/plain"
        assert "Traceback" not in response.text


def test_ask_answers_true(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": ASK})
    assert response.mimetype == JSON
    assert response.json == {"head": {}, "boolean": True}


def test_syntax_error_carries_the_parser_message(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p"})
    assert response.status_code == 400
    assert response.text.startswith("SPARQL syntax error: Expected")
    assert "col:" in response.text


def test_undeclared_prefix_is_named(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s nope:p ?o }"})
    assert response.status_code == 400
    assert "undeclared prefix in nope:p" in response.text


def test_project_prefixes_are_predeclared(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "ASK { ?s nkg:recognizes ?o }"})
    assert response.json["boolean"] is True


def test_update_sent_as_query_gets_a_hint(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "CLEAR ALL"})
    assert response.status_code == 400
    assert "this is a SPARQL Update" in response.text


def test_method_not_allowed_names_the_allowed_ones(client: FlaskClient) -> None:
    response = client.put("/sparql")
    assert response.status_code == 405
    assert {"GET", "POST", "OPTIONS"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options("/sparql", headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


def test_cors_on_answers_and_errors(client: FlaskClient) -> None:
    for query in (ASK, "ASK {"):
        response = client.get("/sparql", query_string={"query": query},
                              headers={"Origin": "http://example.org"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"


# --- dataset (Protocol 2.1.4) -----------------------------------------------------------------

def select_values(client: FlaskClient, query: str, params: list[tuple[str, str]] = ()) -> set:
    """The set of value tuples a SELECT answers with."""
    response = client.get("/sparql", query_string=[("query", query), *params])
    assert response.status_code == 200, response.text
    body = response.json
    names = body["head"]["vars"]
    return {tuple(b.get(n, {}).get("value") for n in names) for b in body["results"]["bindings"]}


DOC = "SELECT ?s WHERE { ?s a <http://xmlns.com/foaf/0.1/Document> }"
NAMED_DOC = "SELECT ?g WHERE { GRAPH ?g { ?s a <http://xmlns.com/foaf/0.1/Document> } }"


def test_default_graph_is_the_union_of_all_graphs(client: FlaskClient) -> None:
    assert select_values(client, DOC) == {(w3c_graph(n),) for n in range(4)}
    # a join across two article graphs
    query = f"SELECT ?t WHERE {{ <{EX}russia> <{NKG}recognizes> ?x . ?x a ?t }}"
    assert select_values(client, query) == {(f"{NKG}State",)}


def test_default_graph_uri_restricts_the_default_graph(client: FlaskClient) -> None:
    params = [("default-graph-uri", w3c_graph(1)), ("default-graph-uri", w3c_graph(2))]
    assert select_values(client, DOC, params) == {(w3c_graph(1),), (w3c_graph(2),)}
    assert select_values(client, NAMED_DOC, params) == set()  # and no named graphs unless given


def test_named_graph_uri_restricts_graph_patterns(client: FlaskClient) -> None:
    params = [("named-graph-uri", w3c_graph(1))]
    assert select_values(client, NAMED_DOC, params) == {(w3c_graph(1),)}
    # with named graphs only, the default graph is their union, not every graph
    assert select_values(client, DOC, params) == {(w3c_graph(1),)}


def test_from_a_local_graph(client: FlaskClient) -> None:
    query = f"SELECT ?s FROM <{w3c_graph(3)}> WHERE {{ ?s ?p ?o }}"
    assert select_values(client, query) == {(w3c_graph(3),)}


def test_protocol_dataset_overrides_from(client: FlaskClient) -> None:
    query = f"SELECT ?s FROM <{w3c_graph(3)}> WHERE {{ ?s ?p ?o }}"
    assert select_values(client, query, [("default-graph-uri", w3c_graph(2))]) == {(w3c_graph(2),)}


@pytest.mark.parametrize("clause", ["FROM", "FROM NAMED"])
def test_from_an_unknown_graph_is_refused(client: FlaskClient, clause: str) -> None:
    response = client.get("/sparql", query_string={
        "query": f"SELECT * {clause} <http://127.0.0.1:9/x.ttl> WHERE {{ ?s ?p ?o }}"})
    assert response.status_code == 400
    assert f"{clause} <http://127.0.0.1:9/x.ttl> names no graph of this store" in response.text


def test_relative_iris_resolve_against_the_base(client: FlaskClient, app: Flask) -> None:
    response = client.get("/sparql", query_string={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
                          headers={"Accept": "application/n-triples"})
    base = app.config["BASE_IRI"]
    assert response.text.strip() == (f'<{base}s> <{base}p> '
                                     '"1"^^<http://www.w3.org/2001/XMLSchema#integer> .')


# --- results formats --------------------------------------------------------------------------

SELECT_ONE = "SELECT (1 AS ?value) {}"
CONSTRUCT_ONE = f"CONSTRUCT {{ <{EX}s> <{EX}p> <{EX}o> }} WHERE {{}}"


def csv_values(body: bytes) -> list[str]:
    """The ``value`` column of a CSV result (pyoxigraph does not read CSV, which is lossy)."""
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    return [row["value"] for row in rows]


def parsed_values(fmt: ox.QueryResultsFormat) -> Callable[[bytes], list[str]]:
    def parse(body: bytes) -> list[str]:
        return [s["value"].value for s in ox.parse_query_results(body, format=fmt)]
    return parse


@pytest.mark.parametrize(("accept", "parse"), [
    (JSON, parsed_values(ox.QueryResultsFormat.JSON)),
    ("application/sparql-results+xml", parsed_values(ox.QueryResultsFormat.XML)),
    ("text/csv", csv_values),
    ("text/tab-separated-values", parsed_values(ox.QueryResultsFormat.TSV))])
def test_select_formats_parse(client: FlaskClient, accept: str,
                              parse: Callable[[bytes], list[str]]) -> None:
    response = client.get("/sparql", query_string={"query": SELECT_ONE}, headers={"Accept": accept})
    assert response.mimetype == accept
    assert response.headers["Vary"] == "Accept"
    assert parse(response.data) == ["1"]


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/rdf+xml",
                                    "application/ld+json", "application/trig", "application/n-quads"])
def test_construct_formats_parse(client: FlaskClient, accept: str) -> None:
    response = client.get("/sparql", query_string={"query": CONSTRUCT_ONE}, headers={"Accept": accept})
    assert response.mimetype == accept
    quads = list(ox.parse(response.data, format=ox.RdfFormat.from_media_type(accept)))
    assert [(q.subject.value, q.predicate.value, q.object.value) for q in quads] == [
        (f"{EX}s", f"{EX}p", f"{EX}o")]


def test_describe_answers_turtle_by_default(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": f"DESCRIBE <{EX}dpr>"})
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef(f"{EX}dpr"), RDF.type, URIRef(f"{NKG}State")) in graph


def test_format_parameter_overrides_accept(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": SELECT_ONE, "format": "csv"},
                          headers={"Accept": JSON})
    assert response.mimetype == "text/csv"
    assert response.text.splitlines() == ["value", "1"]


def test_not_acceptable_lists_the_offered_types(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": SELECT_ONE}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json, application/sparql-results+xml, text/csv" in response.text


def test_construct_is_not_answered_as_csv(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": CONSTRUCT_ONE}, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "text/turtle" in response.text


def test_malformed_accept_is_a_bad_request(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": SELECT_ONE}, headers={"Accept": "csv"})
    assert response.status_code == 400
    assert "malformed Accept header" in response.text


# --- service description and home page ---------------------------------------------------------

def test_service_description(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    service = graph.value(predicate=RDF.type, object=URIRef(SD + "Service"))
    assert service is not None
    assert graph.value(service, URIRef(SD + "endpoint")) == URIRef("http://localhost/sparql")
    assert (service, URIRef(SD + "feature"), URIRef(SD + "UnionDefaultGraph")) in graph
    assert graph.value(service, URIRef(SD + "defaultDataset")) is not None
    formats = set(graph.objects(service, URIRef(SD + "resultFormat")))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Update")) not in graph


def test_service_description_in_json_ld(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert SD + "Service" in json.dumps(response.json)


def test_home_page_points_to_the_endpoint(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.mimetype == "text/html"
    assert 'href="http://localhost/sparql"' in response.text
