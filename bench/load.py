#!/usr/bin/env python3
"""A bounded load test of the SPARQL endpoint on loopback: N clients, mixed analyst queries.

    .venv/bin/python bench/load.py                               # 16 clients x 60 s, own server
    .venv/bin/python bench/load.py --clients 16 --seconds 10     # the short form CI runs
    .venv/bin/python bench/load.py --store var/store             # serve an existing store
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000/sparql
    .venv/bin/python bench/load.py --write-benchmarks            # the "Load" section of BENCHMARKS.md

Without ``--url`` it builds ``seeds/`` and ``tests/gold/`` (every article we have) into a
temporary store, unless ``--store`` names one, and starts ``python -m server`` over it
on a free port with the production settings (30 s query limit, 4 query workers).

Each client is a thread with its own keep-alive HTTP/1.1 connection that sends requests
back to back, drawn at random (seeded) from a mix: the query page's saved analyst queries
(``server.examples``), lookups of actors, claims and recognitions by the labels in the
store, ASK, CONSTRUCT and DESCRIBE, and reads of an article graph (Graph Store Protocol),
an actor's page and the VoID description. A run is bounded by time and by a request
count. Every answer is checked: a 200 whose body is complete (JSON parsed, length as
announced); anything else is an error, by kind. It prints p50/p90/p99 latencies,
throughput and errors, overall and per kind of request; exit status 1 when any error
was seen. Only 127.0.0.1 (or ::1, localhost) is ever contacted.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import selectors
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from sections import replace_section  # noqa: E402
from server.examples import EXAMPLES, STATEMENT_SLOT  # noqa: E402

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
BENCHMARKS = REPO / "BENCHMARKS.md"
BEGIN, END = "<!-- load:begin -->", "<!-- load:end -->"
JSON = "application/sparql-results+json"
PREFIXES = """PREFIX nkg: <https://w3id.org/newskg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""


# ------------------------------------------------------------------ the request mix

@dataclass(frozen=True)
class Call:
    """One request of the mix: a kind (for the per-kind figures), method, path, body, Accept."""

    kind: str
    path: str
    accept: str = JSON
    body: bytes | None = None
    content_type: str | None = None

    @classmethod
    def query(cls, kind: str, query: str, accept: str = JSON) -> Call:
        return cls(kind, "", accept, query.encode("utf-8"), "application/sparql-query")


@dataclass
class Store:
    """What the mix draws from: labels, IRIs and the endpoint's path."""

    sparql_path: str
    actors: list[tuple[str, str]] = field(default_factory=list)    # (IRI, label)
    claimants: list[str] = field(default_factory=list)              # labels
    articles: list[str] = field(default_factory=list)               # IRIs
    states: list[str] = field(default_factory=list)                 # labels
    base: str = "https://w3id.org/newskg/id/"


def lookup_calls(store: Store, rng: random.Random) -> Call:
    """One analyst lookup built from a label or IRI of the store."""
    pick = rng.randrange(8)
    if pick == 0 and store.claimants:
        label = json.dumps(rng.choice(store.claimants))
        return Call.query("claims-by-claimant", PREFIXES + f"""
SELECT ?claim ?text ?evidence ?article WHERE {{
  ?who rdfs:label {label} .
  ?claim a nkg:Claim ; nkg:claimant ?who ; nkg:text ?text ; nkg:reportedIn ?article ;
         nkg:evidence/nif:anchorOf ?evidence . }}""")
    if pick == 1 and store.states:
        label = json.dumps(rng.choice(store.states))
        return Call.query("recognitions-of-state", PREFIXES + f"""
SELECT DISTINCT ?by ?article WHERE {{
  ?state rdfs:label {label} .
  {{ ?r nkg:recognized ?state ; nkg:recognizer/rdfs:label ?by ; nkg:reportedIn ?article }}
  UNION {{ ?r nkg:recognizer ?state ; nkg:recognized/rdfs:label ?by ; nkg:reportedIn ?article }}
}}""")
    if pick == 2 and store.states:
        a, b = rng.choice(store.states), rng.choice(store.states)
        return Call.query("ask-recognises", PREFIXES + f"""
ASK {{ ?x rdfs:label {json.dumps(a)} . ?y rdfs:label {json.dumps(b)} .
      ?r nkg:recognizer ?x ; nkg:recognized ?y }}""")
    if pick == 3:
        word = rng.choice(["minist", "presid", "union", "council", "news", "army", "party", "an"])
        return Call.query("label-search", PREFIXES + f"""
SELECT DISTINCT ?actor ?label WHERE {{ ?actor rdfs:label ?label .
  FILTER(CONTAINS(LCASE(STR(?label)), "{word}")) }} ORDER BY ?label LIMIT 50""")
    if pick == 4 and store.actors:
        iri = rng.choice(store.actors)[0]
        return Call.query("construct-actor", f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}",
                          "text/turtle")
    if pick == 5 and store.articles:
        return Call.query("describe-article", f"DESCRIBE <{rng.choice(store.articles)}>",
                          "application/n-triples")
    if pick == 6 and store.articles:
        graph = urllib.parse.quote(rng.choice(store.articles), safe="")
        return Call("gsp-article-graph", f"/data?graph={graph}", "application/n-quads")
    if store.actors and rng.random() < 0.5:
        iri = rng.choice(store.actors)[0]
        return Call("actor-page", "/" + iri.removeprefix(store.base), "text/html")
    return Call("void", "/.well-known/void", "text/turtle")


def next_call(store: Store, rng: random.Random) -> Call:
    """Half the requests are the saved analyst queries, half lookups by what the store holds."""
    if rng.random() < 0.5:
        example = rng.choice(EXAMPLES)
        return Call.query(f"example:{example.key}", example.query.replace(STATEMENT_SLOT, ""))
    return lookup_calls(store, rng)


# ------------------------------------------------------------------ clients

@dataclass
class Outcome:
    kind: str
    seconds: float
    error: str | None = None     # None, or "5xx", "4xx", "connection", "incomplete", "invalid"


def check_body(call: Call, response: http.client.HTTPResponse, body: bytes) -> str | None:
    """None when the answer is a complete, well-formed 200; else the kind of error."""
    if response.status >= 500:
        return "5xx"
    if response.status != 200:
        return "4xx"
    length = response.getheader("Content-Length")
    if length is not None and int(length) != len(body):
        return "incomplete"
    if call.accept == JSON:
        try:
            answer = json.loads(body)
        except ValueError:
            return "invalid"
        if "boolean" not in answer and "results" not in answer:
            return "invalid"
    elif call.accept == "text/html" and not body.rstrip().endswith(b"</html>"):
        return "invalid"
    return None


def client(host: str, port: int, store: Store, seed: int, deadline: float, budget: list[int],
           lock: threading.Lock, outcomes: list[Outcome]) -> None:
    """Send requests until the deadline or until the shared budget is spent."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(host, port, timeout=60)
    mine: list[Outcome] = []
    while time.monotonic() < deadline:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        call = next_call(store, rng)
        headers = {"Accept": call.accept}
        if call.content_type:
            headers["Content-Type"] = call.content_type
        path = call.path or store.sparql_path
        started = time.perf_counter()
        try:
            connection.request("POST" if call.body else "GET", path, body=call.body,
                               headers=headers)
            response = connection.getresponse()
            body = response.read()
            error = check_body(call, response, body)
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException):
            error = "connection"
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
        mine.append(Outcome(call.kind, time.perf_counter() - started, error))
    connection.close()
    with lock:
        outcomes.extend(mine)


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile ``q`` (0-100) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Result:
    clients: int
    seconds: float
    requests: int
    errors: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    per_kind: dict[str, dict[str, float]]
    store: dict[str, int]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        errors = sum(self.errors.values())
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(self.errors.items()))
        return (f"{self.requests} requests in {self.seconds:.1f} s from {self.clients} clients "
                f"({self.throughput:.1f}/s): p50 {self.p50_ms:.0f} ms, p90 {self.p90_ms:.0f} ms, "
                f"p99 {self.p99_ms:.0f} ms, max {self.max_ms:.0f} ms; "
                f"{errors} errors{f' ({detail})' if detail else ''}")

    def table(self) -> str:
        rows = ["| request | n | p50 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|"]
        for kind, figures in sorted(self.per_kind.items(), key=lambda kv: -kv[1]["n"]):
            rows.append(f"| {kind} | {figures['n']:.0f} | {figures['p50_ms']:.0f} | "
                        f"{figures['p99_ms']:.0f} | {figures['errors']:.0f} |")
        return "\n".join(rows)


def run_load(endpoint: str, *, clients: int, seconds: float, max_requests: int,
             seed: int = 1) -> Result:
    """Run the load against ``endpoint`` (http://127.0.0.1:PORT/sparql) and measure it."""
    url = urllib.parse.urlsplit(endpoint)
    if url.scheme != "http" or url.hostname not in LOOPBACK:
        raise SystemExit(f"load.py only talks to a loopback address, not {endpoint}")
    store = discover(url.hostname, url.port or 80, url.path)
    outcomes: list[Outcome] = []
    lock, budget = threading.Lock(), [max_requests]
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=client, args=(url.hostname, url.port or 80, store,
                                                     seed * 1000 + i, deadline, budget, lock,
                                                     outcomes), daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    elapsed = time.monotonic() - started
    latencies = [o.seconds * 1000 for o in outcomes]
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    per_kind = {kind: {"n": len(items),
                       "p50_ms": percentile([o.seconds * 1000 for o in items], 50),
                       "p99_ms": percentile([o.seconds * 1000 for o in items], 99),
                       "errors": sum(o.error is not None for o in items)}
                for kind, items in by_kind.items()}
    return Result(clients, elapsed, len(outcomes),
                  dict(Counter(o.error for o in outcomes if o.error)),
                  percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99),
                  max(latencies, default=float("nan")), per_kind, store_size(store, url))


def sparql_select(host: str, port: int, path: str, query: str) -> list[dict[str, str]]:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.request("POST", path, body=query.encode(),
                           headers={"Content-Type": "application/sparql-query", "Accept": JSON})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"the endpoint answered {response.status}: {body[:300]!r}")
    finally:
        connection.close()
    return [{k: v["value"] for k, v in row.items()}
            for row in json.loads(body)["results"]["bindings"]]


def discover(host: str, port: int, path: str) -> Store:
    """Labels and IRIs to build lookups from (each list capped: the mix stays varied)."""
    store = Store(path)
    select = lambda q: sparql_select(host, port, path, PREFIXES + q)  # noqa: E731
    store.actors = [(r["a"], r["l"]) for r in select(
        "SELECT DISTINCT ?a ?l WHERE { ?a a ?t ; rdfs:label ?l . "
        "VALUES ?t { nkg:Person nkg:Organization nkg:State } } LIMIT 300")]
    store.claimants = [r["l"] for r in select(
        "SELECT DISTINCT ?l WHERE { ?c nkg:claimant/rdfs:label ?l } LIMIT 200")]
    store.articles = [r["a"] for r in select("SELECT DISTINCT ?a WHERE { ?a a nkg:Article } "
                                             "LIMIT 300")]
    store.states = [r["l"] for r in select(
        "SELECT DISTINCT ?l WHERE { ?s a nkg:State ; rdfs:label ?l } LIMIT 200")]
    bases = {iri.rsplit("/", 2)[0] + "/" for iri, _ in store.actors[:1]}
    if bases:
        store.base = bases.pop()
    return store


def store_size(store: Store, url: urllib.parse.SplitResult) -> dict[str, int]:
    [row] = sparql_select(url.hostname, url.port or 80, url.path, PREFIXES + """
        SELECT (COUNT(*) AS ?quads) (COUNT(DISTINCT ?g) AS ?graphs)
        WHERE { GRAPH ?g { ?s ?p ?o } }""")
    return {"quads": int(row["quads"]), "graphs": int(row["graphs"]),
            "articles": len(store.articles)}


# ------------------------------------------------------------------ a server of our own

def build_store(target: Path) -> None:
    sources = [str(REPO / "seeds"), str(REPO / "tests" / "gold")]
    done = subprocess.run([sys.executable, "-m", "kg.cli", "build", *sources, "--store",
                           str(target), "-q"], cwd=REPO, capture_output=True, text=True)
    if done.returncode not in (0, 1):   # 1: some inputs rejected (READMEs and the like)
        raise SystemExit(f"kg build failed ({done.returncode}): {done.stderr[-2000:]}")


@contextmanager
def own_server(store: Path, log: Path) -> Iterator[str]:
    """``python -m server`` over ``store`` on a free loopback port; its endpoint URL."""
    with log.open("w") as err:
        process = subprocess.Popen([sys.executable, "-m", "server", "--store", str(store),
                                    "--host", "127.0.0.1", "--port", "0"], cwd=REPO,
                                   stdout=subprocess.PIPE, stderr=err, text=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            line = process.stdout.readline() if selector.select(120) else ""
        found = re.search(r"Serving SPARQL endpoint on (\S+)", line)
        if not found:
            raise SystemExit(f"the server did not start: {line!r} {log.read_text()[-2000:]}")
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(30)


# ------------------------------------------------------------------ BENCHMARKS.md

def benchmarks_section(result: Result) -> str:
    errors = sum(result.errors.values())
    in_flight_ms = result.clients / result.throughput * 1000 if result.throughput else 0.0
    paragraphs = [
        f"{result.clients} concurrent clients (threads, one keep-alive connection each) for "
        f"{result.seconds:.0f} s against `python -m server` on 127.0.0.1 with the production "
        "settings (30 s query limit, 4 query workers, 8 serving threads), over the store built "
        f"from every article we have (`seeds/` and `tests/gold/`: {result.store['articles']} "
        f"articles, {result.store['quads']:,} quads in {result.store['graphs']} graphs). The "
        "mix: half the query page's saved analyst queries, half lookups by label or IRI "
        "(claims of a claimant, recognitions of a state, ASK, label search, CONSTRUCT, "
        "DESCRIBE, an article graph over the Graph Store Protocol, actor pages, VoID). Every "
        "answer is checked complete and well-formed. `tests/test_load.py` runs the same "
        "script for 10 s in CI; `bench/load.py --write-benchmarks` rewrites this section.",
        f"**{result.requests:,} requests, {result.throughput:.1f}/s; latency p50 "
        f"{result.p50_ms:.0f} ms, p90 {result.p90_ms:.0f} ms, p99 {result.p99_ms:.0f} ms, max "
        f"{result.max_ms:.0f} ms; {errors} errors** ({platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores shared by the clients, the server "
        "and whatever else the machine ran meanwhile).",
        f"The latency is mostly the wait for one of the 4 query workers: {result.clients} "
        f"requests in flight at {result.throughput:.0f}/s is {in_flight_ms:.0f} ms each by "
        "Little's law. Alone, a request costs the fixed 20-30 ms of the endpoint section above.",
    ]
    body = "\n\n".join(textwrap.fill(p, 92) for p in paragraphs)
    return f"{BEGIN}\n## Load (`bench/load.py`)\n\n{body}\n\n{result.table()}\n{END}"


def write_benchmarks(result: Result, path: Path = BENCHMARKS) -> None:
    """Put the Load section into BENCHMARKS.md, replacing the previous one (only that)."""
    replace_section(benchmarks_section(result), BEGIN, END, path)


# ------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running endpoint on loopback (…/sparql)")
    parser.add_argument("--store", type=Path, help="serve this store (default: build one)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000,
                        help="stop after this many requests in all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--write-benchmarks", action="store_true",
                        help="replace the Load section of BENCHMARKS.md with this run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newskg-load-") as work:
        if args.url:
            result = run_load(args.url, clients=args.clients, seconds=args.seconds,
                              max_requests=args.max_requests, seed=args.seed)
        else:
            store = args.store
            if store is None:
                store = Path(work) / "store"
                print("building seeds/ and tests/gold/ into a temporary store ...", flush=True)
                build_store(store)
            with own_server(store, Path(work) / "server.log") as endpoint:
                print(f"load on {endpoint}: {args.clients} clients, {args.seconds:g} s",
                      flush=True)
                result = run_load(endpoint, clients=args.clients, seconds=args.seconds,
                                  max_requests=args.max_requests, seed=args.seed)
    print(result.summary())
    print(result.table())
    if args.json:
        figures = {**result.__dict__, "throughput": result.throughput}
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if args.write_benchmarks:
        write_benchmarks(result)
        print(f"wrote the Load section of {BENCHMARKS}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
