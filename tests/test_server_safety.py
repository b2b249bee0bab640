"""Safety rules: no fetching (SERVICE, LOAD, remote FROM), guarded updates, limits, no leaks."""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fixtures_server import EX, app, client, make_app  # noqa: F401  (fixtures)
from server.errors import QueryRefused, QuerySyntaxError, ServerConfigError
from server.safety import check_update, parse_query, quick_form
from server.store import backend

PREFIXES = {"nkg": "https://w3id.org/newskg/ontology#"}
BASE = "https://w3id.org/newskg/id/"
RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(map(str, range(100)))} }}" for i in range(6)) + " }")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "select * where { service <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y ?z SERVICE ?x { ?s ?p ?o } }",
    "PREFIX ex: <http://127.0.0.1:9/> ASK { SERVICE ex:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { { SELECT ?s WHERE { OPTIONAL { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
])
def test_service_is_refused_wherever_it_is(query: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE .* is refused: this endpoint never fetches"):
        parse_query(query, base=BASE, prefixes=PREFIXES)


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/> { }" }',   # in a literal
    "# SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }\nASK {}",           # in a comment
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",           # in an IRI
])
def test_the_word_service_elsewhere_is_harmless(query: str) -> None:
    parse_query(query, base=BASE, prefixes=PREFIXES)


@pytest.mark.parametrize("update", [
    "LOAD <http://127.0.0.1:9/load.ttl>",
    "load <http://127.0.0.1:9/load.ttl> into graph <urn:x:g>",
    "LOAD SILENT <http://127.0.0.1:9/load.ttl>",
    "INSERT DATA { <urn:x:a> <urn:x:b> 1 } ; LOAD <http://127.0.0.1:9/load.ttl>",
    "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
])
def test_load_and_service_in_updates_are_refused(update: str) -> None:
    with pytest.raises(QueryRefused, match="is refused: this endpoint never fetches"):
        check_update(update)


def test_update_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError, match="SPARQL Update syntax error"):
        check_update("CLEAR XYZ")


def test_from_iris_are_resolved_for_the_local_check() -> None:
    parsed = parse_query("BASE <http://example.org/> PREFIX nkg2: <http://example.org/g/> "
                         "SELECT * FROM <a> FROM nkg2:b FROM NAMED nkg:c WHERE {}",
                         base=BASE, prefixes=PREFIXES)
    assert parsed.form == "SELECT"
    assert parsed.from_graphs == ("http://example.org/a", "http://example.org/g/b")
    assert parsed.from_named_graphs == (PREFIXES["nkg"] + "c",)


# --- updates ----------------------------------------------------------------------------------

TOKEN = "s3cret-token"
INSERT = f"INSERT DATA {{ GRAPH <{EX}new> {{ <{EX}a> <{EX}b> <{EX}c> }} }}"
WRITTEN = f"ASK {{ <{EX}a> <{EX}b> <{EX}c> }}"


@pytest.fixture
def update_client() -> Iterator[FlaskClient]:
    application = make_app(ENABLE_UPDATE=True, UPDATE_TOKEN=TOKEN)
    yield application.test_client()
    backend(application).close()


def written(client: FlaskClient) -> bool:
    return client.get("/sparql", query_string={"query": WRITTEN}).json["boolean"]


def test_update_refused_when_disabled(client: FlaskClient) -> None:
    response = client.post("/sparql", data=INSERT, content_type="application/sparql-update",
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403
    assert "disabled" in response.text
    assert not written(client)


def test_update_without_token_is_unauthorized(update_client: FlaskClient) -> None:
    response = update_client.post("/sparql", data=INSERT, content_type="application/sparql-update")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not written(update_client)


@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer "])
def test_update_with_wrong_credentials_is_refused(update_client: FlaskClient, authorization: str) -> None:
    response = update_client.post("/sparql", data=INSERT, content_type="application/sparql-update",
                                  headers={"Authorization": authorization})
    assert response.status_code in (401, 403)
    assert not written(update_client)


def test_update_with_token_is_applied_and_seen_by_queries(update_client: FlaskClient) -> None:
    assert not written(update_client)  # a worker now holds the old content
    response = update_client.post("/sparql", data={"update": INSERT},
                                  headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 204, response.text
    assert written(update_client)


def test_load_refused_even_with_token(update_client: FlaskClient) -> None:
    response = update_client.post("/sparql", data="LOAD <http://127.0.0.1:9/x.ttl>",
                                  content_type="application/sparql-update",
                                  headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    assert "LOAD <http://127.0.0.1:9/x.ttl> is refused" in response.text


def test_update_dataset_parameters_are_refused(update_client: FlaskClient) -> None:
    response = update_client.post(f"/sparql?using-graph-uri={EX}g", data=INSERT,
                                  content_type="application/sparql-update",
                                  headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    assert "using-graph-uri" in response.text


def test_enabling_updates_needs_a_token() -> None:
    with pytest.raises(ServerConfigError, match="UPDATE_TOKEN is empty"):
        make_app(ENABLE_UPDATE=True)


@pytest.mark.parametrize(("key", "value"), [("QUERY_TIMEOUT", 0), ("QUERY_WORKERS", "4"),
                                            ("MAX_BODY", -1)])
def test_settings_out_of_range_are_refused(key: str, value: object) -> None:
    with pytest.raises(ServerConfigError, match=f"{key}="):
        make_app(**{key: value})


# --- limits -----------------------------------------------------------------------------------

def test_request_body_over_the_limit() -> None:
    application = make_app(MAX_BODY=1024)
    response = application.test_client().post(
        "/sparql", data="ASK {} #" + "x" * 2000, content_type="application/sparql-query")
    assert response.status_code == 413
    assert response.mimetype == "text/plain"


def test_result_over_the_size_limit() -> None:
    application = make_app(MAX_RESULT_BYTES=2000)
    client = application.test_client()
    try:
        big = "SELECT ?n WHERE { VALUES ?n { " + " ".join(map(str, range(1000))) + " } }"
        response = client.get("/sparql", query_string={"query": big})
        assert response.status_code == 400
        assert "larger than 2000 bytes" in response.text
        small = client.get("/sparql", query_string={"query": "SELECT ?n WHERE { VALUES ?n { 1 } }"})
        assert small.status_code == 200  # the worker survives a refused result
    finally:
        backend(application).close()


def test_runaway_query_is_stopped_and_its_worker_replaced() -> None:
    application = make_app(QUERY_TIMEOUT=0.5, QUERY_WORKERS=1)
    client = application.test_client()
    try:
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
        start = time.monotonic()
        response = client.get("/sparql", query_string={"query": RUNAWAY})
        assert time.monotonic() - start < 2.0
        assert response.status_code == 503
        assert "ran past this endpoint's 0.5 s limit" in response.text
        assert client.get("/sparql", query_string={"query": "ASK {}"}).json["boolean"] is True
    finally:
        backend(application).close()


def test_a_dead_worker_is_replaced(client: FlaskClient) -> None:
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    workers = [p for p in multiprocessing.active_children() if p.name == "newskg-query-worker"]
    assert workers
    for worker in workers:
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(5)
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_unexpected_errors_are_logged_not_shown(app: Flask, client: FlaskClient,
                                                monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError('File "/srv/newskg/secret.py", line 1')

    monkeypatch.setattr("server.sparql.choose_format", broken)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 500
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "has been logged" in response.text
    assert "secret.py" in caplog.text


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "ask { sErViCe silent ?x { ?s ?p ?o } }",
    r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    r"SELECT * WHERE { \U00000053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p 'a label that mentions from' }",   # conservative: full parse
    "INSERT DATA { <x:s> <x:p> <x:o> }",                          # an update sent as a query
    "PREFIX ex <http://example.org/> SELECT * { ?s ?p ?o }",      # malformed prologue
    "SELECT * WHERE " + "{" * 300 + " ?s ?p ?o " + "}" * 300,
])
def test_queries_that_may_need_the_full_parse_do_not_skip_it(query: str) -> None:
    assert quick_form(query) is None


@pytest.mark.parametrize(("query", "form"), [
    ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT"),
    ("# a comment\nPREFIX ex: <http://example.org/>\nBASE <http://example.org/>\n"
     "construct { ?s ex:p ?o } where { ?s ex:q ?o }", "CONSTRUCT"),
    ("PREFIX : <http://example.org/> ASK { ?s :p ?o }", "ASK"),
    ("DESCRIBE <http://example.org/x>", "DESCRIBE"),
])
def test_plain_queries_skip_the_full_parse_with_their_form(query: str, form: str) -> None:
    assert quick_form(query) == form


def test_a_quick_query_pyoxigraph_refuses_gets_rdflibs_plainer_message(
        client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s nope:p ?o }"})
    assert response.status_code == 400
    assert "undeclared prefix in nope:p" in response.text
    escaped = r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": escaped})
    assert response.status_code == 400 and "SERVICE" in response.text
