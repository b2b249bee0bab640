"""The SPARQL HTTP store backend against a real OpenLink Virtuoso 7.2 (Debian's package).

The fixture starts ``virtuoso-t`` on free ports of 127.0.0.1 with a temporary database
folder and its own virtuoso.ini, lets the anonymous SPARQL user update, and stops it
afterwards. ``scripts/install-system-deps.sh`` installs the package; without it the
tests are skipped locally and fail in CI.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.backends import is_remote, open_store, remote_url
from kg.config import Config
from kg.pipeline import build
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
