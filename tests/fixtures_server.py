"""Fixtures of the SPARQL endpoint tests; test modules import the ones they use by name.

``app``/``client`` build a fresh app per test over a small in-memory store;
``dev_app``/``dev_client`` one app per module over the dev gold graph (read only);
``live_server`` runs the real server (``python -m server``, waitress) once per
session on a free loopback port, over a store of the shared dev gold set (with
its cross-source layer) and the W3C protocol test data; ``run_server`` starts
another one over any store directory.
"""
from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from kg.namespaces import DEFAULT_BASE
from kg.store import KGStore
from server import create_app
from server.serving import endpoint_urls, make_server
from server.store import backend

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
CHECK = SHARED / "protocol" / "check.py"
W3C_DATA = SHARED / "protocol" / "w3c-data"
GOLD_DIR = SHARED / "eval" / "dev"
LIVE_TIMEOUT_S = 1.0   # the live server's query time limit
START_WAIT_S = 30.0
NKG = "https://w3id.org/newskg/ontology#"
EX = "http://example.org/"

# A few quads for the in-memory store: two graphs, so the union and GRAPH ?g differ.
SAMPLE_TRIG = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}g1> {{ <{EX}dpr> a <{NKG}State> ; rdfs:label "Donetsk People's Republic" . }}
<{EX}g2> {{ <{EX}russia> <{NKG}recognizes> <{EX}dpr> . }}
"""


def w3c_graph(n: int) -> str:
    return f"http://kasei.us/2009/09/sparql/data/data{n}.rdf"


def load_w3c_data(store: ox.Store) -> None:
    """w3c-data/dataN.nt into graph <http://kasei.us/2009/09/sparql/data/dataN.rdf> (check.py --w3c-data)."""
    for n in range(4):
        store.load(path=W3C_DATA / f"data{n}.nt", format=ox.RdfFormat.N_TRIPLES,
                   to_graph=ox.NamedNode(w3c_graph(n)))


# An article whose text, title and names carry markup: pages must show it, never run it.
HOSTILE_ARTICLE = f"{DEFAULT_BASE}article/hostile"
HOSTILE_ACTOR = f"{DEFAULT_BASE}actor/mallory"
HOSTILE_CLAIM = f"{DEFAULT_BASE}claim/hostile-0"
HOSTILE_SCRIPT = "<script>document.title='pwned';window.pwned=1</script>"
HOSTILE_TEXT = (f"Breaking news.\nMallory said: {HOSTILE_SCRIPT} is harmless, "
                "<img src=x onerror=\"window.pwned=2\"> too.\nThe end.")


def hostile_quads() -> list[ox.Quad]:
    """One article graph (and an entity record) whose literals are HTML and script."""
    article, actor, claim = (ox.NamedNode(i) for i in (HOSTILE_ARTICLE, HOSTILE_ACTOR,
                                                       HOSTILE_CLAIM))
    begin = HOSTILE_TEXT.index("<script>")
    end = begin + len(HOSTILE_SCRIPT)
    span = ox.NamedNode(f"{HOSTILE_ARTICLE}#char={begin},{end}")
    graph, entities = article, ox.NamedNode(f"{DEFAULT_BASE}graph/entities")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    nif = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
    dcterms = "http://purl.org/dc/terms/"
    nonneg = ox.NamedNode("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")

    def q(s: ox.NamedNode, p: str | ox.NamedNode, o: object, g: ox.NamedNode = graph) -> ox.Quad:
        return ox.Quad(s, p if isinstance(p, ox.NamedNode) else ox.NamedNode(p), o, g)

    return [
        q(actor, rdf_type, ox.NamedNode(NKG + "Person"), entities),
        q(actor, label, ox.Literal("Mallory <b onmouseover=\"window.pwned=3\">X</b>"), entities),
        q(article, rdf_type, ox.NamedNode(NKG + "Article")),
        q(article, dcterms + "title", ox.Literal(f"Title {HOSTILE_SCRIPT}")),
        q(article, dcterms + "source", ox.NamedNode("javascript:window.pwned=4")),
        q(article, nif + "isString", ox.Literal(HOSTILE_TEXT)),
        q(article, NKG + "mentions", actor),
        q(actor, rdf_type, ox.NamedNode(NKG + "Person")),
        q(actor, NKG + "role", ox.Literal("<i>agent</i>")),
        q(claim, rdf_type, ox.NamedNode(NKG + "Claim")),
        q(claim, NKG + "claimant", actor),
        q(claim, NKG + "text", ox.Literal(HOSTILE_SCRIPT)),
        q(claim, NKG + "reportedIn", article),
        q(claim, NKG + "evidence", span),
        q(span, rdf_type, ox.NamedNode(nif + "OffsetBasedString")),
        q(span, nif + "referenceContext", article),
        q(span, nif + "beginIndex", ox.Literal(str(begin), datatype=nonneg)),
        q(span, nif + "endIndex", ox.Literal(str(end), datatype=nonneg)),
        q(span, nif + "anchorOf", ox.Literal(HOSTILE_SCRIPT)),
    ]


def sample_store() -> KGStore:
    store = KGStore(None)
    store.oxigraph.load(SAMPLE_TRIG.encode(), format=ox.RdfFormat.TRIG)
    load_w3c_data(store.oxigraph)
    return store


def make_app(**config: object) -> Flask:
    settings: dict[str, object] = {"TESTING": True, "STORE_OBJECT": sample_store(),
                                   "QUERY_TIMEOUT": 10.0, "QUERY_WORKERS": 2}
    settings.update(config)
    return create_app(settings)


@pytest.fixture
def app() -> Iterator[Flask]:
    """A fresh app over the sample store; its workers are killed afterwards."""
    application = make_app()
    yield application
    backend(application).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def dev_trig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev gold set as the contract graph, written by shared/eval/gold_to_trig.py."""
    script = SHARED / "eval" / "gold_to_trig.py"
    if not script.exists() or not GOLD_DIR.is_dir():
        pytest.skip(f"needs {script} and {GOLD_DIR} (the shared folder beside the repository)")
    out = tmp_path_factory.mktemp("gold") / "dev.trig"
    cross = GOLD_DIR / "crosssource.json"
    extra = ["--crosssource", str(cross)] if cross.exists() else []
    subprocess.run([sys.executable, "gold_to_trig.py", str(GOLD_DIR), "-o", str(out), *extra],
                   cwd=script.parent, check=True, capture_output=True, timeout=60)
    return out


def dev_store(dev_trig: Path) -> KGStore:
    """An in-memory store holding the dev gold graph (articles, entities, cross-source layer)."""
    store = KGStore(None)
    store.oxigraph.load(path=dev_trig, format=ox.RdfFormat.TRIG)
    return store


@pytest.fixture(scope="module")
def dev_app(dev_trig: Path) -> Iterator[Flask]:
    """An app over the dev gold graph, shared by a module's tests (they only read)."""
    application = make_app(STORE_OBJECT=dev_store(dev_trig))
    yield application
    backend(application).close()


@pytest.fixture
def dev_client(dev_app: Flask) -> FlaskClient:
    return dev_app.test_client()


@pytest.fixture(scope="session")
def disk_store(dev_trig: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store directory holding the dev gold graph and the W3C protocol data."""
    path = tmp_path_factory.mktemp("store") / "store"
    store = ox.Store(str(path))
    store.load(path=dev_trig, format=ox.RdfFormat.TRIG)
    load_w3c_data(store)
    store.flush()
    del store  # release it: the server opens it read-only
    return path


@dataclass(frozen=True)
class LiveServer:
    url: str        # http://127.0.0.1:PORT
    endpoint: str   # .../sparql
    process: subprocess.Popen[str]


@contextlib.contextmanager
def run_server(store: Path, log_dir: Path, timeout: float = LIVE_TIMEOUT_S,
               *extra: str) -> Iterator[LiveServer]:
    """``python -m server`` over the store directory ``store`` on a free loopback port."""
    log_path = log_dir / "stderr.log"
    with log_path.open("w") as log:  # a file, not a pipe: a full pipe would block the server
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "--store", str(store), "--port", "0",
             "--timeout", str(timeout), *extra],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = _first_line(process, START_WAIT_S)
        prefix = "Serving SPARQL endpoint on "
        if not line.startswith(prefix):
            pytest.fail(f"server said {line!r}, not {prefix}...; stderr: {log_path.read_text()}")
        endpoint = line[len(prefix):].strip()
        yield LiveServer(endpoint.removesuffix("/sparql"), endpoint, process)
    finally:
        process.terminate()  # SIGTERM: serve() kills its query workers on the way out
        process.communicate(timeout=10)


@pytest.fixture(scope="session")
def live_server(disk_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``python -m server`` over ``disk_store`` on a free port, with a 1 s query limit."""
    with run_server(disk_store, tmp_path_factory.mktemp("server")) as server:
        yield server


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The first line the process prints, or "" if none comes in time."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        return process.stdout.readline() if selector.select(timeout) else ""


@dataclass(frozen=True)
class ThreadServer:
    endpoint: str
    token: str


@pytest.fixture
def update_server() -> Iterator[ThreadServer]:
    """A waitress server in this process with SPARQL Update enabled over a throw-away store."""
    token = "test-token"
    application = make_app(ENABLE_UPDATE=True, UPDATE_TOKEN=token, QUERY_TIMEOUT=5.0)
    server = make_server(application, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield ThreadServer(endpoint_urls(server)[0], token)
    finally:
        server.close()
        thread.join(timeout=5)
        backend(application).close()
