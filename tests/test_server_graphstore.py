"""Graph Store Protocol read side (/data) and the streamed dump (/dump), over the test client."""
from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from fixtures_server import EX, NKG, app, client, w3c_graph  # noqa: F401  (fixtures)
from server import rdfio
from server.store import get_store

TURTLE = "text/turtle"
GRAPH_TYPES = ["text/turtle", "application/n-triples", "application/rdf+xml",
               "application/ld+json", "application/trig", "application/n-quads"]


def parse(body: bytes, media_type: str) -> ox.Store:
    store = ox.Store()
    store.load(body, format=ox.RdfFormat.from_media_type(media_type))
    return store


def triples(store: ox.Store) -> set[ox.Triple]:
    return {quad.triple for quad in store}


def store_of(client: FlaskClient) -> ox.Store:
    with client.application.app_context():
        return get_store().oxigraph


@pytest.mark.parametrize("media_type", GRAPH_TYPES)
def test_named_graph_in_every_format(client: FlaskClient, media_type: str) -> None:
    response = client.get(f"/data?graph={quote(EX + 'g2')}", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Vary"] == "Accept"
    got = parse(response.data, media_type)
    assert triples(got) == {ox.Triple(ox.NamedNode(EX + "russia"), ox.NamedNode(NKG + "recognizes"),
                                      ox.NamedNode(EX + "dpr"))}
    # a graph, not a dataset: TriG and N-Quads put the triples in the default graph
    assert all(isinstance(q.graph_name, ox.DefaultGraph) for q in got)


def test_default_is_the_union_of_all_graphs(client: FlaskClient) -> None:
    response = client.get("/data?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.is_streamed
    assert triples(parse(response.data, "application/n-triples")) == triples(store_of(client))


def test_default_with_empty_value_and_format_override(client: FlaskClient) -> None:
    response = client.get("/data?default=&format=nt")
    assert (response.status_code, response.mimetype) == (200, "application/n-triples")


@pytest.mark.parametrize("url", [f"/data?graph={quote('urn:x:none')}", "/data?graph=http%3A%2F%2Fexample.org%2Fg9"])
def test_unknown_graph_is_404(client: FlaskClient, url: str) -> None:
    for method in ("GET", "HEAD"):
        response = client.open(url, method=method, headers={"Accept": TURTLE})
        assert response.status_code == 404
    assert "no graph" in client.get(url).text


def test_head_answers_headers_without_body(client: FlaskClient) -> None:
    response = client.head("/data?default", headers={"Accept": TURTLE})
    assert (response.status_code, response.mimetype, response.data) == (200, TURTLE, b"")


@pytest.mark.parametrize(("url", "status"), [
    ("/data", 400),                                     # neither ?default nor ?graph
    (f"/data?default&graph={quote(EX + 'g1')}", 400),    # both
    (f"/data?graph={quote(EX + 'g1')}&graph={quote(EX + 'g2')}", 400),
    ("/data?graph=not%20an%20IRI", 400),
    ("/data?graph=%E9", 400),                           # not UTF-8
    ("/data?default&format=csv", 406),                  # not an RDF format
])
def test_bad_requests(client: FlaskClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.mimetype == "text/plain" and "Traceback" not in response.text


def test_not_acceptable(client: FlaskClient) -> None:
    assert client.get("/data?default", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_writes_are_not_allowed(client: FlaskClient, method: str) -> None:
    response = client.open("/data?default", method=method, data=b"<a> <b> <c> .",
                           headers={"Content-Type": TURTLE})
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(("accept", "media_type", "name"), [
    (None, "application/trig", "newskg.trig"),
    ("application/n-quads", "application/n-quads", "newskg.nq"),
    ("*/*", "application/trig", "newskg.trig"),
])
def test_dump_is_the_whole_dataset(client: FlaskClient, accept: str | None, media_type: str,
                                   name: str) -> None:
    response = client.get("/dump", headers={"Accept": accept} if accept else {})
    assert (response.status_code, response.mimetype) == (200, media_type)
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    assert set(parse(response.data, media_type)) == set(store_of(client))


def test_dump_format_override_and_refusals(client: FlaskClient) -> None:
    assert client.get("/dump?format=nq").mimetype == "application/n-quads"
    assert client.get("/dump?format=ttl").status_code == 406      # Turtle cannot hold graphs
    assert client.get("/dump", headers={"Accept": "text/turtle"}).status_code == 406


@pytest.mark.parametrize("fmt", [ox.RdfFormat.TRIG, ox.RdfFormat.TURTLE, ox.RdfFormat.N_QUADS,
                                 ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML])
def test_streaming_in_small_batches_is_one_valid_document(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch, fmt: ox.RdfFormat) -> None:
    """Batches of 2 quads (and chunks of 256 bytes) still make one document with every quad."""
    monkeypatch.setattr(rdfio, "BATCH_QUADS", 2)
    monkeypatch.setattr(rdfio, "CHUNK_BYTES", 256)
    source = store_of(client)
    chunks = list(rdfio.stream_quads(source.quads_for_pattern(None, None, None, None), fmt,
                                     {"nkg": NKG, "ex": EX}))
    assert len(chunks) >= 3
    got = ox.Store()
    got.load(b"".join(chunks), format=fmt)
    if fmt.supports_datasets:
        assert set(got) == set(source)
    else:
        assert triples(got) == triples(source)


def test_stream_reads_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dump does not read the store ahead of what has been sent."""
    monkeypatch.setattr(rdfio, "BATCH_QUADS", 4)
    read = []

    def quads():
        for i in range(10):
            read.append(i)
            yield ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)))

    first = next(rdfio.stream_quads(quads(), ox.RdfFormat.N_QUADS))
    assert first.count(b"\n") == 4 and len(read) == 4


def test_named_graph_of_w3c_data(client: FlaskClient) -> None:
    response = client.get("/data", query_string={"graph": w3c_graph(1)},
                          headers={"Accept": "text/turtle, application/n-triples;q=0.9"})
    assert response.status_code == 200
    assert b"http://xmlns.com/foaf/0.1/Document" in response.data
