"""The SPARQL HTTP store backend against a real OpenLink Virtuoso 7.2 (Debian's package).

The fixture starts ``virtuoso-t`` on free ports of 127.0.0.1 with a temporary database
folder and its own virtuoso.ini, lets the anonymous SPARQL user update, and stops it
afterwards. ``scripts/install-system-deps.sh`` installs the package; without it the
tests are skipped locally and fail in CI.

The seeds are built into it (and the W3C protocol data loaded), then the real endpoint
(``python -m server --store sparql+http://…``, waitress on a free loopback port) serves
from it: its answers over HTTP are compared with those of the endpoint over the embedded
seed store, and ``shared/protocol/check.py`` runs against it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from fixtures_server import CHECK, W3C_DATA, LiveServer, run_server, w3c_graph
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Namespace
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.backends import is_remote, open_store, remote_url, sparql_http
from kg.cli import cli
from kg.config import Config
from kg.pipeline import build
from kg.store import KGStore
from server import create_app
from server.__main__ import main as serve_main
from server.errors import ServerConfigError
from server.store import backend
from tests.conftest import SEEDS
from tests.test_pipeline import CONTRACT_QUERIES

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
START_TIMEOUT_S = 120

INI = """[Database]
DatabaseFile    = {db}/virtuoso.db
ErrorLogFile    = {db}/virtuoso.log
LockFile        = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel   = 7
FileExtend      = 200
MaxCheckpointRemap = 2000
Striping        = 0
TempStorage     = TempDatabase
[TempDatabase]
DatabaseFile    = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping        = 0
[Parameters]
ServerPort      = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode        = 2
DirsAllowed     = ., {db}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort      = 127.0.0.1:{http_port}
ServerRoot      = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads   = 10
Charset         = UTF-8
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _isql(port: int, statement: str) -> subprocess.CompletedProcess:
    return subprocess.run([ISQL, str(port), "dba", "dba", f"exec={statement}"],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A Virtuoso server on 127.0.0.1; yields its ``sparql+http://`` store setting."""
    if VIRTUOSO is None or ISQL is None:
        if os.environ.get("CI"):
            pytest.fail("virtuoso-opensource is not installed: scripts/install-system-deps.sh "
                        "installs it")
        pytest.skip("virtuoso-opensource is not installed (scripts/install-system-deps.sh)")
    db = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_port(), free_port()
    (db / "virtuoso.ini").write_text(INI.format(db=db, sql_port=sql_port, http_port=http_port))
    process = subprocess.Popen([VIRTUOSO, "-f", "-c", str(db / "virtuoso.ini")], cwd=db,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{http_port}/sparql"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                query = urllib.parse.urlencode({"query": "ASK {}"})
                with urllib.request.urlopen(f"{endpoint}?{query}", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (db / "virtuoso.log").read_text(errors="replace")[-3000:] \
                        if (db / "virtuoso.log").exists() else ""
                    pytest.fail(f"Virtuoso did not start on 127.0.0.1:{http_port}:\n{log}")
                time.sleep(0.5)
        # The anonymous SPARQL user may update (the test server listens on loopback only).
        granted = _isql(sql_port, 'GRANT SPARQL_UPDATE TO "SPARQL"; '
                                  "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);")
        assert granted.returncode == 0, granted.stdout + granted.stderr
        yield f"sparql+http://127.0.0.1:{http_port}/sparql"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_store_setting_selects_the_backend():
    assert is_remote("sparql+http://127.0.0.1:8890/sparql")
    assert remote_url(Path("sparql+http://127.0.0.1:8890/sparql")) == \
        "http://127.0.0.1:8890/sparql"
    assert not is_remote(Path("var/store"))


def _rows(store, query: str) -> set[tuple]:
    return {tuple(sorted(row.items())) for row in store.select(query)}


def test_seed_build_and_contract_queries_match_the_embedded_store(virtuoso, seed_build):
    _, embedded, _ = seed_build
    config = Config(store=Path(virtuoso))
    with open_store(config.store) as remote:
        report = build([SEEDS], config, store=remote)
        assert len(report.added) == 5 and not report.rejected, report.rejected
        article_graphs = {a.iri for a in remote.articles()}
        assert article_graphs == {a.iri for a in embedded.articles()}
        assert article_graphs <= set(remote.named_graphs())
        for name, query in CONTRACT_QUERIES.items():
            assert _rows(remote, query) == _rows(embedded, query), name
        again = build([SEEDS], config, store=remote)
        assert len(again.skipped) == 5 and not again.added


def test_the_endpoint_query_worker_answers_from_virtuoso(virtuoso, seed_build):
    import json

    from kg.namespaces import PREFIXES
    from server.workers import QueryJob, execute

    with open_store(Path(virtuoso)) as remote:
        if not list(remote.articles()):
            build([SEEDS], Config(store=Path(virtuoso)), store=remote)
        job = QueryJob("SELECT (COUNT(?a) AS ?n) WHERE { ?a a nkg:Article }",
                       "application/sparql-results+json", "https://w3id.org/newskg/id/",
                       {p: str(ns) for p, ns in PREFIXES.items()}, 1_000_000)
        answer = json.loads(execute(remote.oxigraph, job))
        assert answer["results"]["bindings"][0]["n"]["value"] == "5"


# ------------------------------------------------------------------ the endpoint on Virtuoso

LIMIT_S = 2.0      # the Virtuoso-backed server's query time limit
RESULTS = "application/sparql-results+json"
VOID = Namespace("http://rdfs.org/ns/void#")
BASE = "https://w3id.org/newskg/id/"
ENTITIES = f"{BASE}graph/entities"
# Beyond the contract queries: GRAPH ?g with counts, a property path, an ASK.
ENDPOINT_QUERIES = {
    **CONTRACT_QUERIES,
    "claims_per_graph": "SELECT ?g (COUNT(?c) AS ?n) WHERE { GRAPH ?g { ?c a nkg:Claim } } "
                        "GROUP BY ?g",
    "evidence_path": "SELECT ?c ?exact WHERE { ?c a nkg:Claim ; nkg:evidence/nif:anchorOf ?exact }",
    "ask_recognition": "ASK { ?r a nkg:Recognition }",
}
Row = tuple[str, ...]


def load_w3c(store: ox.Store) -> None:
    """w3c-data/dataN.nt into its named graph (check.py --w3c-data), replacing it."""
    for n in range(4):
        graph = ox.NamedNode(w3c_graph(n))
        triples = ox.parse(path=W3C_DATA / f"data{n}.nt", format=ox.RdfFormat.N_TRIPLES)
        quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
        if isinstance(store, ox.Store):
            store.extend(quads)
        else:
            store.update(f"DROP SILENT GRAPH <{graph.value}>")
            store.bulk_load(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))


@pytest.fixture(scope="module")
def remote_seeds(virtuoso: str, seed_build) -> str:
    """Virtuoso holding the seed build and the W3C protocol data; its store setting."""
    with open_store(virtuoso) as remote:
        if not list(remote.articles()):
            build([SEEDS], Config(store=Path(virtuoso)), store=remote)
        load_w3c(remote.oxigraph)
    return virtuoso


@pytest.fixture(scope="module")
def embedded(seed_build) -> Iterator[FlaskClient]:
    """The endpoint over the embedded seed store (with the W3C data too), by Flask's client."""
    _, seeds, _ = seed_build
    copy = KGStore(None)
    copy.oxigraph.load(seeds.oxigraph.dump(format=ox.RdfFormat.N_QUADS),
                       format=ox.RdfFormat.N_QUADS)
    load_w3c(copy.oxigraph)
    app = create_app({"TESTING": True, "STORE_OBJECT": copy, "QUERY_TIMEOUT": 10.0,
                      "QUERY_WORKERS": 1})
    yield app.test_client()
    backend(app).close()


@pytest.fixture(scope="module")
def served(remote_seeds: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``python -m server --store sparql+http://…`` on a free loopback port."""
    with run_server(remote_seeds, tmp_path_factory.mktemp("remote-server"), LIMIT_S) as server:
        yield server


def get(url: str, accept: str | None = None, timeout: float = 30.0) -> tuple[int, bytes]:
    """Status and body of a GET (error statuses included)."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def query_url(server: LiveServer, query: str) -> str:
    return f"{server.endpoint}?{urllib.parse.urlencode({'query': query})}"


def json_rows(body: bytes) -> set[Row] | bool:
    answer = json.loads(body)
    if "boolean" in answer:
        return answer["boolean"]
    names = answer["head"]["vars"]
    return {tuple(b[n]["value"] if n in b else "" for n in names)
            for b in answer["results"]["bindings"]}


def embedded_rows(client: FlaskClient, query: str) -> set[Row] | bool:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": RESULTS})
    assert response.status_code == 200, response.data
    return json_rows(response.data)


def with_sparqlwrapper(endpoint: str, query: str) -> set[Row] | bool:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return json_rows(json.dumps(client.queryAndConvert()).encode())


def with_rdflib(endpoint: str, query: str) -> set[Row] | bool:
    result = Dataset(SPARQLStore(query_endpoint=endpoint), default_union=True).query(query)
    if result.type == "ASK":
        return bool(result.askAnswer)
    return {tuple("" if term is None else str(term) for term in row) for row in result}


@pytest.mark.parametrize("run", [with_sparqlwrapper, with_rdflib], ids=["SPARQLWrapper", "rdflib"])
def test_endpoint_on_virtuoso_answers_as_over_the_embedded_store(served: LiveServer,
                                                                 embedded: FlaskClient, run):
    for name, query in ENDPOINT_QUERIES.items():
        wanted = embedded_rows(embedded, query)
        assert wanted, name
        assert run(served.endpoint, query) == wanted, name


def test_construct_and_describe_over_virtuoso(served: LiveServer, embedded: FlaskClient):
    construct = "CONSTRUCT { ?a rdfs:label ?l } WHERE { ?a a nkg:Person ; rdfs:label ?l }"
    nt = "application/n-triples"
    status, body = get(query_url(served, construct), nt)
    assert status == 200
    wanted = embedded.get("/sparql", query_string={"query": construct}, headers={"Accept": nt})
    assert set(body.splitlines()) == set(wanted.data.splitlines()) and body.strip()
    status, body = get(query_url(served, f"DESCRIBE <{ENTITIES}>"), "text/turtle")
    assert status == 200 and Graph().parse(data=body, format="turtle") is not None


def test_remote_store_reads_the_named_graphs_as_the_embedded_store(remote_seeds, seed_build,
                                                                   monkeypatch):
    _, seeds, _ = seed_build
    w3c = {w3c_graph(n) for n in range(4)}
    with open_store(remote_seeds) as remote:
        store = remote.oxigraph
        graphs = {g.value for g in store.named_graphs()}
        assert graphs == set(seeds.named_graphs()) | w3c      # Virtuoso's own graphs left out
        assert "http://www.openlinksw.com/schemas/virtrdf#" in store.server_graphs()
        w3c_quads = sum(1 for g in w3c for _ in store.quads(ox.NamedNode(g)))
        assert len(store) == len(seeds) + w3c_quads
        entities = ox.NamedNode(ENTITIES)
        wanted = set(seeds.oxigraph.quads_for_pattern(None, None, None, entities))
        assert set(store.quads_for_pattern(None, None, None, entities)) == wanted
        monkeypatch.setattr(sparql_http, "PAGE_ROWS", 7)        # ordered pages of 7 rows
        assert set(store.quads_for_pattern(None, None, None, entities)) == wanted
        monkeypatch.undo()
        # A blank node (the ontology's OWL lists) can be followed: Virtuoso names it.
        ontology = ox.NamedNode("https://w3id.org/newskg/ontology")
        blank = next(q.subject for q in store.quads_for_pattern(None, None, None, ontology)
                     if isinstance(q.subject, ox.BlankNode))
        assert list(store.quads_for_pattern(blank, None, None, None))
        triples = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ontology.value}> "
                              "{ ?s ?p ?o FILTER(isBlank(?s)) } }")
        assert isinstance(triples, ox.QueryTriples)
        assert any(t.subject == blank for t in triples)


def test_graph_store_void_and_pages_served_from_virtuoso(served: LiveServer,
                                                         embedded: FlaskClient):
    nt = "application/n-triples"
    for path in (f"/data?graph={ENTITIES}", "/data?default", "/dump?format=nq"):
        status, body = get(served.url + path, nt)
        wanted = embedded.get(path, headers={"Accept": nt})
        assert status == 200 and wanted.status_code == 200, path
        # (the embedded store reads xsd:nonNegativeInteger back as xsd:integer: compare
        # whole graphs only where no such literal is)
        if path.startswith("/data?graph="):
            assert set(body.splitlines()) == set(wanted.data.splitlines()), path
        assert len(body.splitlines()) == len(wanted.data.splitlines()), path
    assert get(f"{served.url}/data?graph=http://www.openlinksw.com/schemas/virtrdf%23")[0] == 404

    status, body = get(f"{served.url}/.well-known/void", "text/turtle")
    assert status == 200
    remote_void = Graph().parse(data=body, format="turtle")
    local_void = Graph().parse(data=embedded.get("/.well-known/void").data, format="turtle")

    def counts(void: Graph) -> dict[str, int]:
        dataset = next(s for s in void.subjects() if str(s).endswith("#dataset"))
        return {name: int(void.value(dataset, VOID[name])) for name in
                ("triples", "entities", "classes", "properties", "documents")}

    assert counts(remote_void) == counts(local_void)

    (actor, label), = embedded_rows(embedded, "SELECT ?a ?l WHERE { ?c nkg:claimant ?a . "
                                              "?a rdfs:label ?l } ORDER BY ?a LIMIT 1")
    page = "/" + actor[len(BASE):]
    status, body = get(served.url + page, "text/html")
    assert status == 200 and label.encode() in body
    wanted = embedded.get(page, headers={"Accept": "text/html"})
    assert body.replace(served.url.encode(), b"http://localhost") == wanted.data
    status, body = get(f"{served.url}{page}?format=nt")
    assert status == 200
    assert set(body.splitlines()) == set(embedded.get(f"{page}?format=nt").data.splitlines())


def test_virtuoso_builtins_are_refused_and_nothing_is_fetched(served: LiveServer):
    """Virtuoso's bif:http_get fetches any URL for a query: the endpoint does not forward it,
    nor any other non-XSD function, DEFINE pragma or SERVICE."""
    with socket.create_server(("127.0.0.1", 0)) as trap:
        trap.setblocking(False)
        url = f"http://127.0.0.1:{trap.getsockname()[1]}/x"
        for query in (f'SELECT (<bif:http_get>("{url}") AS ?x) WHERE {{ }}',
                      f'PREFIX v: <bif:> SELECT (v:http_get("{url}") AS ?x) WHERE {{ }}',
                      f'PREFIX v: <b> SELECT (v:if:http_get("{url}") AS ?x) WHERE {{ }}',
                      f'SELECT (<http://example.org/f>("{url}") AS ?x) WHERE {{ }}',
                      f'DEFINE get:soft "replace" SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}',
                      f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"):
            status, body = get(query_url(served, query), RESULTS)
            assert status == 400, (query, status, body[:300])
        time.sleep(0.3)  # a fetch started after the answers would still show
        with pytest.raises(BlockingIOError):
            trap.accept()
    status, body = get(query_url(served, 'SELECT (xsd:integer("7") AS ?n) WHERE { }'), RESULTS)
    assert status == 200 and json_rows(body) == {("7",)}


def test_runaway_query_on_virtuoso_stops_at_the_limit_while_others_are_served(
        served: LiveServer):
    """A cartesian product over the store (~4,000 quads with Virtuoso's own, so ~6e10 rows)
    against the 2 s limit: 503 at the limit; a simple query sent meanwhile is answered."""
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcome: dict[str, object] = {}

    def send_runaway() -> None:
        start = time.monotonic()
        outcome["status"], outcome["body"] = get(query_url(served, runaway), RESULTS)
        outcome["seconds"] = time.monotonic() - start
        outcome["ended"] = time.monotonic()

    sender = threading.Thread(target=send_runaway)
    sender.start()
    time.sleep(0.3)
    status, body = get(query_url(served, "ASK { ?s a nkg:Article }"), RESULTS)
    answered = time.monotonic()
    sender.join(30)
    assert (status, json_rows(body)) == (200, True)
    assert answered < outcome["ended"], "the simple query waited for the runaway one"
    assert outcome["status"] == 503, outcome
    assert outcome["seconds"] < LIMIT_S + 1.5
    assert f"ran past this endpoint's {LIMIT_S:g} s limit".encode() in outcome["body"]


def test_protocol_checker_passes_against_the_virtuoso_backed_endpoint(served: LiveServer,
                                                                       tmp_path: Path):
    report = tmp_path / "protocol.json"
    proc = subprocess.run(
        [sys.executable, str(CHECK), "--endpoint", served.endpoint, "--w3c-data",
         "--gsp-url", f"{served.url}/data", "--timeout-query", str(LIMIT_S),
         "--json", str(report)], check=False, capture_output=True, text=True, timeout=180)
    summary = proc.stdout.strip().splitlines()[-1]
    print(summary)
    assert re.fullmatch(r"\d+ passed, 0 failed(, \d+ skipped)?", summary), proc.stdout
    assert proc.returncode == 0, proc.stdout
    outcomes = {entry["name"]: entry["result"]
                for entry in json.loads(report.read_text())["checks"]}
    assert outcomes["timeout_runaway_query"] == outcomes["gsp_get_named_graph"] == "pass"


def test_updates_are_refused_over_a_sparql_server(tmp_path: Path):
    """Checked before the server is asked anything: nothing listens on the port."""
    setting = f"sparql+http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(ServerConfigError, match="ENABLE_UPDATE cannot be used with a sparql"):
        create_app({"STORE": setting, "ENABLE_UPDATE": True, "UPDATE_TOKEN": "t"})


def test_serving_a_sparql_server_that_does_not_answer_fails_plainly(
        capsys: pytest.CaptureFixture[str]):
    setting = f"sparql+http://127.0.0.1:{free_port()}/sparql"
    result = CliRunner().invoke(cli, ["serve", "--store", setting, "--port", "0"])
    assert result.exit_code == 2
    assert "kg: error: cannot open the SPARQL store at http://127.0.0.1:" in result.output
    assert serve_main(["--store", setting, "--port", "0"]) == 2
    assert capsys.readouterr().err.startswith("python -m server: cannot open the SPARQL store")


def test_kg_load_into_virtuoso_in_small_updates(virtuoso: str, tmp_path: Path, monkeypatch):
    """`kg load` into a SPARQL server: chunks become updates of a bounded size (Virtuoso
    refuses one update per 8 MB chunk), blank nodes keep their identity, counts match."""
    from kg.backends import sparql_http

    graph = "http://example.org/bulk-test"
    lines = [f"<http://example.org/s{i}> <http://example.org/p> \"v{i}\" <{graph}> .\n"
             for i in range(2500)]
    lines += [f"_:list <http://example.org/item> \"{i}\" <{graph}> .\n" for i in range(3)]
    source = tmp_path / "bulk.nq"
    source.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(sparql_http, "UPDATE_TRIPLES", 400)   # 7 updates of plain triples
    with open_store(virtuoso) as remote:
        try:
            assert remote.bulk_load([source], threads=2) == 2503
            count = remote.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> "
                                  "{ ?s ?p ?o } }")
            lists = remote.select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{graph}> "
                                  "{ ?s <http://example.org/item> ?o } }")
            assert (count, lists) == ([{"n": "2503"}], [{"n": "1"}])
        finally:
            remote.remove_graph(graph)


def test_crosssource_graph_is_written_to_virtuoso_in_pieces(remote_seeds: str, seed_build,
                                                            monkeypatch):
    """The cross-article graph goes to a SPARQL server in updates of bounded size (one big
    update exhausts Virtuoso's memory at a few hundred articles) and equals the embedded one."""
    import kg.crosssource as crosssource
    from kg.backends import sparql_http

    _, seeds, _ = seed_build
    graph = ox.NamedNode(str(Config(store=Path(remote_seeds)).iris.graph("crosssource")))
    monkeypatch.setattr(sparql_http, "UPDATE_TRIPLES", 7)
    sent: list[str] = []
    with open_store(remote_seeds) as remote:
        update = remote.oxigraph.update
        monkeypatch.setattr(remote.oxigraph, "update", lambda text: (sent.append(text),
                                                                     update(text)))
        crosssource.analyse(remote, Config(store=Path(remote_seeds)), full=True,
                            state_path=False)
        written = _comparable(remote.oxigraph.quads_for_pattern(None, None, None, graph))
    expected = _comparable(seeds.oxigraph.quads_for_pattern(None, None, None, graph))
    assert written == expected and expected
    assert len(sent) >= len(expected) // 7
    assert all(text.count("\n") <= 7 + 2 for text in sent if "INSERT DATA" in text)


def _comparable(quads) -> set[tuple[str, str, str]]:
    """Triples by lexical value (Virtuoso keeps xsd:nonNegativeInteger, pyoxigraph reads it
    back as an integer), without the analysis run's record (each run has its own id, time)."""
    return {(q.subject.value, q.predicate.value, q.object.value) for q in quads
            if "/analysis/" not in q.subject.value}
