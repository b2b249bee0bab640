"""The real server (``python -m server``, waitress) over HTTP: analysts' queries, check.py, safety.

The store holds the shared dev gold set as gold_to_trig.py writes it, so the
expected answers are read from gold.json itself.
"""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Dataset
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from fixtures_server import (CHECK, GOLD_DIR, LIVE_TIMEOUT_S, LiveServer, ThreadServer,  # noqa: F401
                             dev_trig, disk_store, live_server, update_server)
from kg.namespaces import DEFAULT_BASE
from server.__main__ import main as serve_main

PREFIXES = """PREFIX nkg: <https://w3id.org/newskg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
"""
DPR_RECOGNISED_BY = PREFIXES + """
SELECT ?state ?article WHERE {
  ?r a nkg:Recognition ; nkg:recognized ?dpr ; nkg:reportedIn ?article ;
     nkg:recognizer/rdfs:label ?state .
  ?dpr rdfs:label "Donetsk People's Republic" .
}"""
CLAIMS_BY_KOROTCHENKO = PREFIXES + """
SELECT ?article ?evidence WHERE {
  ?claimant rdfs:label "Igor Korotchenko" .
  ?c a nkg:Claim ; nkg:claimant ?claimant ; nkg:reportedIn ?article ;
     nkg:evidence/nif:anchorOf ?evidence .
}"""
GRAPHS_WITH_KOROTCHENKO_CLAIMS = PREFIXES + """
SELECT ?g (COUNT(?c) AS ?claims) WHERE {
  ?k rdfs:label "Igor Korotchenko" .
  GRAPH ?g { ?c a nkg:Claim ; nkg:claimant ?k . }
} GROUP BY ?g"""
Row = tuple[str, ...]


def gold() -> dict:
    return json.loads((GOLD_DIR / "gold.json").read_text(encoding="utf-8"))


def article_iri(file_name: str) -> str:
    return f"{DEFAULT_BASE}article/{Path(file_name).stem}"


def expected_dpr_recognitions() -> set[Row]:
    data = gold()
    return {(data["entities"][r["recognizer"]]["label"], article_iri(name))
            for name, article in data["articles"].items()
            for r in article["recognitions"] if r["recognized"] == "dnr"}


def expected_korotchenko_claims() -> set[Row]:
    return {(article_iri(name), c["evidence"]) for name, article in gold()["articles"].items()
            for c in article["claims"] if c["claimant"] == "korotchenko"}


def expected_korotchenko_graphs() -> set[Row]:
    counts = {article_iri(name): sum(c["claimant"] == "korotchenko" for c in article["claims"])
              for name, article in gold()["articles"].items()}
    return {(g, str(n)) for g, n in counts.items() if n}


def with_sparqlwrapper(endpoint: str, query: str) -> set[Row]:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    body = client.queryAndConvert()
    names = body["head"]["vars"]
    return {tuple(b[n]["value"] for n in names) for b in body["results"]["bindings"]}


def with_rdflib(endpoint: str, query: str) -> set[Row]:
    dataset = Dataset(SPARQLStore(query_endpoint=endpoint), default_union=True)
    return {tuple(str(term) for term in row) for row in dataset.query(query)}


CLIENTS = [pytest.param(with_sparqlwrapper, id="SPARQLWrapper"),
           pytest.param(with_rdflib, id="rdflib-SPARQLStore")]
ANALYST_QUERIES = [
    pytest.param(DPR_RECOGNISED_BY, expected_dpr_recognitions, id="states-recognising-DPR"),
    pytest.param(CLAIMS_BY_KOROTCHENKO, expected_korotchenko_claims, id="claims-with-evidence"),
    pytest.param(GRAPHS_WITH_KOROTCHENKO_CLAIMS, expected_korotchenko_graphs, id="GRAPH-g"),
]


@pytest.mark.parametrize("run", CLIENTS)
@pytest.mark.parametrize(("query", "expected"), ANALYST_QUERIES)
def test_analyst_query(live_server: LiveServer, run: Callable[[str, str], set[Row]], query: str,
                       expected: Callable[[], set[Row]]) -> None:
    wanted = expected()
    assert wanted, "the gold set has no answer to this query"
    assert run(live_server.endpoint, query) == wanted


def test_protocol_checker_passes(live_server: LiveServer, tmp_path: Path) -> None:
    """shared/protocol/check.py with the W3C data, the Graph Store Protocol read side and the
    runaway-query checks."""
    report = tmp_path / "protocol.json"
    proc = subprocess.run(
        [sys.executable, str(CHECK), "--endpoint", live_server.endpoint, "--w3c-data",
         "--gsp-url", f"{live_server.url}/data", "--timeout-query", str(LIVE_TIMEOUT_S),
         "--json", str(report)], capture_output=True, text=True, timeout=120)
    summary = proc.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed, 0 failed(, \d+ skipped)?", summary), proc.stdout
    assert proc.returncode == 0, proc.stdout
    outcomes = {entry["name"]: entry["result"]
                for entry in json.loads(report.read_text())["checks"]}
    gsp = {name: result for name, result in outcomes.items() if name.startswith("gsp_")}
    assert gsp and set(gsp.values()) == {"pass"}, gsp


# The update checks this endpoint supports; check.py's update_dataset_* checks need
# using-graph-uri, which is refused (see test_update_dataset_checks_are_unsupported).
UPDATE_CHECKS = ["ssrf_load_via_update", "update_requires_token", "update_via_query_endpoint_refused",
                 "update_post_form", "update_post_direct", "update_base_uri", "bad_update_*"]


def run_checks(server: ThreadServer, names: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK), "--endpoint", server.endpoint, "--update-url", server.endpoint,
         "--token", server.token, "--only", *names], capture_output=True, text=True, timeout=120)


def test_protocol_checker_passes_update_checks(update_server: ThreadServer) -> None:
    proc = run_checks(update_server, UPDATE_CHECKS)
    assert re.fullmatch(r"\d+ passed, 0 failed", proc.stdout.strip().splitlines()[-1]), proc.stdout


@pytest.mark.xfail(strict=True, reason="pyoxigraph's Store.update takes no dataset, so "
                   "using-graph-uri / using-named-graph-uri are refused with 400")
def test_update_dataset_checks_are_unsupported(update_server: ThreadServer) -> None:
    proc = run_checks(update_server, ["update_dataset_*"])
    assert proc.returncode == 0, proc.stdout


def get(url: str, timeout: float = 10.0) -> tuple[int, str]:
    """Status and body of a GET (error statuses included)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def query_url(server: LiveServer, query: str) -> str:
    return f"{server.endpoint}?{urllib.parse.urlencode({'query': query})}"


def test_service_never_connects_out(live_server: LiveServer) -> None:
    with socket.create_server(("127.0.0.1", 0)) as trap:
        trap.setblocking(False)
        port = trap.getsockname()[1]
        status, body = get(query_url(live_server, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> "
                                                  "{ ?s ?p ?o } }"))
        time.sleep(0.3)  # a fetch started after the answer would still show
        with pytest.raises(BlockingIOError):  # nothing to accept: no connection was made
            trap.accept()
    assert status == 400
    assert "SERVICE" in body and "refused" in body


def test_runaway_query_times_out_while_others_are_served(live_server: LiveServer) -> None:
    """A cartesian product over the store (~900 quads, so ~7e8 rows) against the 1 s limit."""
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcome: dict[str, object] = {}

    def send_runaway() -> None:
        start = time.monotonic()
        outcome["status"], outcome["body"] = get(query_url(live_server, runaway))
        outcome["seconds"] = time.monotonic() - start
        outcome["ended"] = time.monotonic()

    worker = threading.Thread(target=send_runaway)
    worker.start()
    time.sleep(0.3)
    status, body = get(query_url(live_server, "ASK { ?s a ?type }"))
    answered = time.monotonic()
    worker.join(10)
    assert (status, json.loads(body)["boolean"]) == (200, True)
    assert answered < outcome["ended"], "the simple query waited for the runaway one"
    assert outcome["status"] == 503
    assert outcome["seconds"] < LIVE_TIMEOUT_S + 1.0
    assert f"ran past this endpoint's {LIVE_TIMEOUT_S:g} s limit" in outcome["body"]


def test_serve_cli_refuses_a_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m server`` exits 2 with one line naming the store when it cannot open it."""
    assert serve_main(["--store", str(tmp_path / "missing"), "--port", "0"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("python -m server: cannot open store") and str(tmp_path) in error
