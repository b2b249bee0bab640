#!/usr/bin/env python3
"""All newskg benchmarks side by side in one run; prints tables and writes BENCHMARKS.md.

    .venv/bin/python bench/run.py                      # everything, default sizes
    .venv/bin/python bench/run.py --only extract build --build-sizes 1000
    .venv/bin/python bench/run.py --quick              # small sizes, a smoke run

Sections (medians of ``--repeat`` runs where a run is short enough to repeat):

- extract: articles/s and words/s of ``kg.extract.extract`` vs raw ``nlp.pipe`` of the
  same model on the same texts (target: pipeline >= 0.8x raw).
- build: ``kg build`` of N synthetic articles (bench/synth.py) with --jobs 1 and 2, then
  a rebuild with nothing changed (targets: 10k <= 15 min on 2 cores; rebuild <= 5 %).
- store: bulk load of a news-shaped N-Quads file of 100k / 1M / 10M triples into a fresh
  on-disk store, time and peak RSS (targets: 1M <= 5 s, <= 0.5 GB per 1M triples).
- endpoint: analyst queries at 1M triples over HTTP (kg serve) vs in-process pyoxigraph
  vs rdflib's memory store; p50 and p95 (targets: HTTP <= 1.3x in-process; >= 20x rdflib).
- validate: the build's quick check over every article graph of the 1M-triple store,
  per article and whole, against pyshacl on a sample (target: whole <= 30 s).

The news-shaped graphs for store/endpoint/validate are the graphs of a real synthetic
build, copied with fresh article, claim and span IRIs until the size is reached.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import synth  # noqa: E402
from sections import replace_section  # noqa: E402

if TYPE_CHECKING:
    from rdflib import Graph

PY = sys.executable
KG = str(Path(PY).parent / "kg")
RESULTS: dict[str, object] = {}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def table(title: str, header: list[str], rows: list[list[object]]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text


# ------------------------------------------------------------------ extraction


def bench_extract(count: int, repeat: int) -> str:
    from kg.extract import extract
    from kg.ingest import RawInput, to_article
    from kg.nlp import load_model

    nlp = load_model()
    stock = load_model(stock=True)   # raw spaCy: the model exactly as shipped
    articles = [to_article(RawInput(r["url"], r["text"], "text/plain"))
                for r in synth.articles(count, seed=21)]
    words = sum(len(a.text.split()) for a in articles)
    extract(articles[0], nlp)                       # warm-up
    list(stock.pipe([articles[0].text]))
    pipeline, raw = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        for article in articles:
            extract(article, nlp)
        pipeline.append(time.perf_counter() - started)
        started = time.perf_counter()
        for _doc in stock.pipe(a.text for a in articles):
            pass
        raw.append(time.perf_counter() - started)
    p, r = median(pipeline), median(raw)
    RESULTS["extract"] = {"articles": count, "words": words, "pipeline_s": p, "raw_s": r,
                          "ratio": r / p}
    return table(f"Extraction throughput ({count} articles, {words} words, median of {repeat})",
                 ["", "articles/s", "words/s", "× raw spaCy"],
                 [["raw `nlp.pipe`", f"{count / r:.2f}", f"{words / r:.0f}", "1.00"],
                  ["pipeline (`extract`)", f"{count / p:.2f}", f"{words / p:.0f}",
                   f"{r / p:.2f} (target ≥ 0.8)"]])


# ------------------------------------------------------------------ build


def run_build(corpus: Path, store: Path, jobs: int) -> dict:
    report = store.parent / f"{store.name}-report-{time.time_ns()}.json"
    started = time.perf_counter()
    done = subprocess.run([PY, "-c", "import resource, sys; from kg.cli import main; "
                           "sys.argv = ['kg'] + sys.argv[1:]\ntry:\n    main()\nfinally:\n"
                           "    print('MAXRSS', open('/proc/self/status').read().split('VmHWM:')[1].split()[0],"
                           " file=sys.stderr)",
                           "build", str(corpus), "--store", str(store), "--jobs", str(jobs),
                           "-q", "--report", str(report)],
                          capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - started
    rss = re.search(r"MAXRSS (\d+)", done.stderr)
    data = json.loads(report.read_text()) if report.exists() else {}
    return {"seconds": seconds, "exit": done.returncode, "added": len(data.get("added", [])),
            "skipped": len(data.get("skipped", [])), "rejected": len(data.get("rejected", [])),
            "triples": data.get("triples", 0),
            "crosssource_s": (data.get("crosssource") or {}).get("seconds", 0.0),
            "driver_rss_mb": int(rss.group(1)) / 1024 if rss else None,
            "stderr": done.stderr[-2000:] if done.returncode not in (0, 1) else ""}


def bench_build(sizes: list[int], jobs_list: list[int], work: Path) -> str:
    rows = []
    RESULTS["build"] = []
    for size in sizes:
        corpus = synth.write_jsonl(work / f"corpus-{size}.jsonl", size, seed=7)
        for jobs in jobs_list:
            store = work / f"store-{size}-j{jobs}"
            shutil.rmtree(store, ignore_errors=True)
            first = run_build(corpus, store, jobs)
            again = run_build(corpus, store, jobs)
            RESULTS["build"].append({"size": size, "jobs": jobs, "first": first, "again": again})
            rows.append([size, jobs, f"{first['seconds']:.0f} s",
                         f"{first['crosssource_s']:.0f} s",
                         f"{size / first['seconds']:.2f}", first["added"], first["rejected"],
                         first["triples"], f"{first['driver_rss_mb']:.0f} MB",
                         f"{again['seconds']:.1f} s ({100 * again['seconds'] / first['seconds']:.1f} %)",
                         again["skipped"]])
            print("build row:", " | ".join(str(c) for c in rows[-1]), flush=True)  # kept if
            if first["stderr"]:                                                 # killed later
                print(first["stderr"], file=sys.stderr)
    return table("End-to-end build (extract → resolve → emit → quick check → store)",
                 ["articles", "jobs", "first build", "of which cross-source analysis",
                  "articles/s", "added", "rejected",
                  "triples", "driver peak RSS", "rebuild, nothing changed", "skipped"], rows)


# ------------------------------------------------------------------ news-shaped graphs


def seed_graph(work: Path, articles: int = 300) -> Path:
    """N-Quads of a real synthetic build of ``articles`` articles (the template)."""
    path = work / f"template-{articles}.nq"
    if path.exists():
        return path
    corpus = synth.write_jsonl(work / f"template-{articles}.jsonl", articles, seed=99)
    store = work / f"template-store-{articles}"
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run([KG, "build", str(corpus), "--store", str(store), "--jobs", "2", "-q"],
                   check=False, cwd=REPO, capture_output=True)
    subprocess.run([KG, "export", "--store", str(store), "--format", "nq", "-o", str(path)],
                   check=True, cwd=REPO)
    return path


_ID = re.compile(r"/(article|claim|recognition|withdrawal)/([0-9a-f]{16})")


def scaled_graph(template: Path, triples: int, work: Path) -> Path:
    """``template``'s article graphs copied with fresh IRIs until ``triples`` quads."""
    path = work / f"news-{triples}.nq"
    if path.exists():
        return path
    lines = template.read_text(encoding="utf-8").splitlines()
    shared = [l for l in lines if "/id/article/" not in l.rsplit(" ", 2)[-2]]
    groups: dict[str, list[str]] = {}
    for line in lines:
        graph = line.rsplit(" ", 2)[-2]
        if "/id/article/" in graph:
            groups.setdefault(graph, []).append(line)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("\n".join(shared) + "\n")
        written += len(shared)
        copy = 0
        while written < triples:   # whole article graphs only, so every copy is complete
            tag = f"{copy:06x}"
            for group in groups.values():
                out.write("\n".join(_ID.sub(lambda m: f"/{m.group(1)}/{m.group(2)[:10]}{tag}", l)
                                    for l in group) + "\n")
                written += len(group)
                if written >= triples:
                    break
            copy += 1
    return path


def load_store(nq: Path, store: Path, loader: str = "kg") -> dict:
    """Bulk-load ``nq`` into a fresh on-disk store in a subprocess: seconds and peak RSS.

    ``loader`` "kg" is ``KGStore.bulk_load`` (what ``kg load`` uses: chunks loaded by one
    thread per core); "kg-lenient" the same without validating IRIs and literals (``kg load
    --lenient``, what the shards use); "pyoxigraph" is one ``Store.bulk_load`` call.
    """
    shutil.rmtree(store, ignore_errors=True)
    load = ("from kg.store import KGStore\ns = KGStore(sys.argv[2]); t = time.perf_counter()\n"
            f"s.bulk_load([sys.argv[1]], lenient={loader == 'kg-lenient'}); s.flush()\n"
            if loader in ("kg", "kg-lenient") else
            "s = ox.Store(sys.argv[2]); t = time.perf_counter()\n"
            "s.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS); s.flush()\n")
    code = ("import sys, time, resource, pyoxigraph as ox\n" + load +
            "dt = time.perf_counter() - t; n = len(s)\n"
            # VmHWM, not ru_maxrss: Linux carries the forking parent's peak into the latter
            "print(dt, n, open('/proc/self/status').read().split('VmHWM:')[1].split()[0])")
    out = subprocess.run([PY, "-c", code, str(nq), str(store)], capture_output=True, text=True,
                         check=True, cwd=REPO).stdout.split()
    return {"seconds": float(out[0]), "triples": int(out[1]), "rss_mb": int(out[2]) / 1024}


def bench_store(sizes: list[int], work: Path) -> str:
    template = seed_graph(work)
    rows, RESULTS["store"] = [], []
    for size in sizes:
        nq = scaled_graph(template, size, work)
        repeat = 1 if size > 2_000_000 else 3
        measured = {}
        for loader in ("kg", "kg-lenient", "pyoxigraph"):
            runs = [load_store(nq, work / f"store-nq-{size}", loader) for _ in range(repeat)]
            measured[loader] = (median([r["seconds"] for r in runs]),
                                median([r["rss_mb"] for r in runs]))
        (seconds, rss), (one_s, one_rss) = measured["kg"], measured["pyoxigraph"]
        lenient_s, lenient_rss = measured["kg-lenient"]
        RESULTS["store"].append({"triples": size, "seconds": seconds, "rss_mb": rss,
                                 "lenient_seconds": lenient_s, "lenient_rss_mb": lenient_rss,
                                 "pyoxigraph_seconds": one_s, "pyoxigraph_rss_mb": one_rss})
        rows.append([f"{size:,}", f"{seconds:.1f} s", f"{size / seconds / 1e6:.2f} M/s",
                     f"{rss:.0f} MB", f"{rss / (size / 1e6) / 1024:.2f} GB",
                     f"{lenient_s:.1f} s / {lenient_rss:.0f} MB",
                     f"{one_s:.1f} s / {one_rss:.0f} MB", f"{one_s / seconds:.1f}×"])
    return table("Store: bulk load of news-shaped N-Quads into a fresh on-disk store "
                 "(`kg load` = KGStore.bulk_load, one loader thread per core; median of 3, "
                 "1 run above 2M)",
                 ["triples", "load time", "rate", "peak RSS", "RSS per 1M triples",
                  "`kg load --lenient` (time / RSS)",
                  "one pyoxigraph bulk_load call (time / RSS)", "speed-up"], rows)


# ------------------------------------------------------------------ endpoint

RDFLIB_REPEAT_LIMIT_S = 30.0    # a query slower than this is not repeated
RDFLIB_QUERY_LIMIT_S = 300.0    # ... and one slower than this is stopped
_RDFLIB_CHILD = """
import json, sys, time
from rdflib import Dataset
queries = json.loads(sys.stdin.readline())
started = time.perf_counter()
dataset = Dataset(default_union=True)
dataset.parse(sys.argv[1], format="nquads")
print(json.dumps({"load": time.perf_counter() - started}), flush=True)
for name, query, repeat, limit in queries:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        list(dataset.query(query))
        times.append(time.perf_counter() - started)
        if times[-1] > limit:
            break
    print(json.dumps({"name": name, "times": times}), flush=True)
"""


def rdflib_times(nq: Path, prefixes: str, repeat: int) -> tuple[float, dict[str, list[float]]]:
    """Seconds to load ``nq`` into rdflib's memory store, and each query's run times (a query
    stopped at RDFLIB_QUERY_LIMIT_S has none; the queries after it run in a fresh child)."""
    import queue as queue_module
    import threading

    pending = list(QUERIES.items())
    times: dict[str, list[float]] = {}
    load = float("nan")
    while pending:
        child = subprocess.Popen([PY, "-c", _RDFLIB_CHILD, str(nq)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        child.stdin.write(json.dumps([(n, prefixes + q, repeat, RDFLIB_REPEAT_LIMIT_S)
                                      for n, q in pending]) + "\n")
        child.stdin.flush()
        lines: queue_module.Queue = queue_module.Queue()
        def relay(stream=child.stdout, sink=lines) -> None:   # bound now, not at call time
            for line in stream:
                sink.put(line)
            sink.put("")

        threading.Thread(target=relay, daemon=True).start()
        try:
            load = json.loads(lines.get(timeout=3600))["load"]
            while pending:
                try:
                    line = lines.get(timeout=RDFLIB_QUERY_LIMIT_S + 3 * RDFLIB_REPEAT_LIMIT_S)
                except queue_module.Empty:
                    times[pending.pop(0)[0]] = []   # stopped: past the limit
                    break
                if not line:
                    raise RuntimeError("the rdflib child process died")
                answer = json.loads(line)
                times[answer["name"]] = answer["times"]
                pending.pop(0)
        finally:
            child.kill()
            child.wait()
    return load, times
QUERIES = {
    "label lookup": """SELECT ?e ?label WHERE { ?e rdfs:label ?label .
        FILTER (STR(?label) = "Russia") }""",
    "claims by claimant + articles": """SELECT ?c ?text ?article WHERE {
        ?c a nkg:Claim ; nkg:claimant ?who ; nkg:text ?text ; nkg:reportedIn ?article .
        ?who rdfs:label "Anna Petrova" } LIMIT 200""",
    "counts per claimant": """SELECT ?who (COUNT(?c) AS ?n) WHERE { ?c a nkg:Claim ;
        nkg:claimant ?who } GROUP BY ?who ORDER BY DESC(?n) LIMIT 20""",
    "recognitions + OPTIONAL labels": """SELECT ?r ?x ?y ?xl ?yl WHERE {
        ?r a nkg:Recognition ; nkg:recognizer ?x ; nkg:recognized ?y .
        OPTIONAL { ?x rdfs:label ?xl } OPTIONAL { ?y rdfs:label ?yl } } LIMIT 500""",
    "text FILTER": """SELECT ?c ?text WHERE { ?c a nkg:Claim ; nkg:text ?text .
        FILTER (CONTAINS(LCASE(?text), "sanctions")) } LIMIT 100""",
    "property path": """SELECT DISTINCT ?who WHERE { ?s nif:referenceContext/dcterms:title ?t ;
        ^nkg:evidence/nkg:claimant ?who . FILTER(CONTAINS(?t, "Kenya")) } LIMIT 100""",
    "GRAPH ?g": """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?c a nkg:Claim } }
        GROUP BY ?g ORDER BY DESC(?n) LIMIT 20""",
}


def _prefixes() -> str:
    from kg.namespaces import sparql_prefixes
    return sparql_prefixes()


def bench_endpoint(triples: int, repeat: int, work: Path, rdflib_repeat: int) -> str:
    import pyoxigraph as ox

    template = seed_graph(work)
    nq = scaled_graph(template, triples, work)
    store_dir = work / f"store-nq-{triples}"
    if not store_dir.exists():
        load_store(nq, store_dir)
    prefixes = _prefixes()
    local = ox.Store.read_only(str(store_dir))
    inproc: dict[str, list[float]] = {}
    rows_of: dict[str, int] = {}
    for name, query in QUERIES.items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = local.query(prefixes + query, use_default_graph_as_union=True)
            data = result.serialize(format=ox.QueryResultsFormat.JSON)
            times.append(time.perf_counter() - started)
        inproc[name] = times
        rows_of[name] = len(json.loads(data)["results"]["bindings"])
    # HTTP: kg serve on a free port of 127.0.0.1.
    server = subprocess.Popen([KG, "serve", "--store", str(store_dir), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              cwd=REPO)
    http: dict[str, list[float]] = {}
    try:
        url = None
        while url is None:
            line = server.stdout.readline()
            if not line:
                raise RuntimeError("kg serve exited before listening")
            found = re.search(r"(http://\S+/sparql)", line)
            url = found.group(1) if found else None
        for name, query in QUERIES.items():
            body = urllib.parse.urlencode({"query": prefixes + query}).encode()
            times = []
            for i in range(repeat + 2):
                request = urllib.request.Request(url, data=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json"})
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=120) as response:
                    response.read()
                if i >= 2:   # the first two warm the query workers
                    times.append(time.perf_counter() - started)
            http[name] = times
    finally:
        server.terminate()
        server.wait(10)
    # rdflib: the same data in its memory store, in a child process so that a query past
    # RDFLIB_QUERY_LIMIT_S can be stopped (rdflib's GRAPH ?g grows with graphs x triples).
    rdflib_load, slow = rdflib_times(nq, prefixes, rdflib_repeat)
    rows = []
    RESULTS["endpoint"] = {"triples": triples, "rdflib_load_s": rdflib_load, "queries": {}}
    for name in QUERIES:
        a, h, r = inproc[name], http[name], slow.get(name) or [float("inf")]
        RESULTS["endpoint"]["queries"][name] = {"inproc_p50": median(a), "http_p50": median(h),
                                                "rdflib_p50": median(r), "rows": rows_of[name]}
        rows.append([name, rows_of[name], f"{1000 * median(a):.1f} / {1000 * p95(a):.1f}",
                     f"{1000 * median(h):.1f} / {1000 * p95(h):.1f}",
                     f"{median(h) / median(a):.2f}",
                     (f"{1000 * median(r):.0f} / {1000 * p95(r):.0f}" if r[0] != float("inf")
                      else f"> {RDFLIB_QUERY_LIMIT_S:.0f} s (stopped)"),
                     (f"{median(r) / median(h):.0f}×" if r[0] != float("inf")
                      else f"> {RDFLIB_QUERY_LIMIT_S / median(h):.0f}×")])
    return table(f"Endpoint at {triples:,} triples: p50 / p95 in ms (in-process and HTTP: "
                 f"{repeat} runs; rdflib: {rdflib_repeat}; rdflib load {rdflib_load:.0f} s)",
                 ["query", "rows", "pyoxigraph in-process", "HTTP (kg serve)",
                  "HTTP ÷ in-process (≤ 1.3)", "rdflib memory", "rdflib ÷ HTTP (≥ 20)"], rows)


# ------------------------------------------------------------------ validation


def bench_validate(triples_list: list[int], work: Path, shacl_sample: int) -> str:
    import pyoxigraph as ox

    from kg.engines.quickcheck import CHECK_BATCH_DEFAULT, default_check
    from kg.validate import validate

    check = default_check()
    template = seed_graph(work)
    rows, RESULTS["validate"] = [], []
    for triples in triples_list:
        nq = scaled_graph(template, triples, work)
        # Group the quads by graph as the build would hand them over (rdflib graphs).
        graphs: dict[str, list[ox.Quad]] = {}
        for quad in ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS):
            name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
            graphs.setdefault(name, []).append(quad)
        entities = [g for g in graphs if g.endswith("/graph/entities")]
        by_subject: dict[str, list] = {}
        for quad in graphs.pop(entities[0]) if entities else []:
            by_subject.setdefault(quad.subject.value, []).append(quad)
        graphs = {g: q for g, q in graphs.items() if "/id/article/" in g}
        items = []
        for name, quads in graphs.items():
            # Each article comes with the records of its own actors, as in the build.
            actors = {t.value for q in quads for t in (q.subject, q.object)
                      if isinstance(t, ox.NamedNode) and t.value in by_subject}
            records = [r for actor in sorted(actors) for r in by_subject[actor]]
            items.append((name, _to_rdflib(quads), _to_rdflib(records)))
        started = time.perf_counter()
        failed = 0
        for i in range(0, len(items), CHECK_BATCH_DEFAULT):
            failed += len(check.check_articles(items[i:i + CHECK_BATCH_DEFAULT]))
        whole = time.perf_counter() - started
        sample = items[:shacl_sample]
        started = time.perf_counter()
        for _, graph, records in sample:
            validate(graph + records)
        shacl = (time.perf_counter() - started) / max(1, len(sample))
        RESULTS["validate"].append({"triples": triples, "articles": len(items),
                                    "whole_s": whole, "failed": failed,
                                    "pyshacl_per_article_s": shacl})
        rows.append([f"{triples:,}", len(items), f"{whole:.1f} s",
                     f"{1000 * whole / len(items):.1f} ms", failed,
                     f"{1000 * shacl:.0f} ms", f"{shacl * len(items) / 60:.0f} min"])
    return table("Validation of every article graph (quick check, batches of 64) vs pyshacl",
                 ["triples", "articles", "quick check, whole", "per article", "rejected",
                  "pyshacl per article (+ entity records)", "pyshacl, whole (extrapolated)"],
                 rows)


def _to_rdflib(quads) -> Graph:
    from rdflib import Literal, URIRef
    import pyoxigraph as ox

    def term(t):
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.Literal):
            if t.language:
                return Literal(t.value, lang=t.language)
            return Literal(t.value, datatype=URIRef(t.datatype.value))
        raise ValueError(t)

    from kg.emit import new_graph

    graph = new_graph()    # the kind of graph the build hands to the check (kg.emit)
    for q in quads:
        graph.add((term(q.subject), term(q.predicate), term(q.object)))
    return graph


# ------------------------------------------------------------------ main

BENCHMARKS = REPO / "BENCHMARKS.md"
BEGIN, END = "<!-- run:begin -->", "<!-- run:end -->"


def write_benchmarks(tables: str, path: Path = BENCHMARKS) -> None:
    """Put this run's tables into BENCHMARKS.md, replacing the previous run's (only those)."""
    replace_section(f"{BEGIN}\n## Tables of the last run (`bench/run.py`)\n\n{tables.strip()}\n"
                    f"{END}", BEGIN, END, path)



def machine() -> str:
    import psutil

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import pyoxigraph
    import spacy
    return (f"{os.cpu_count()} cores ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB "
            f"RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"pyoxigraph {pyoxigraph.__version__ if hasattr(pyoxigraph, '__version__') else '?'}"
            f", spaCy {spacy.__version__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="newskg benchmarks")
    parser.add_argument("--only", nargs="*", default=["extract", "build", "store", "endpoint",
                                                      "validate"])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--extract-count", type=int, default=200)
    parser.add_argument("--build-sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--store-sizes", type=int, nargs="*",
                        default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--endpoint-triples", type=int, default=1_000_000)
    parser.add_argument("--validate-sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (kept)")
    parser.add_argument("--output", type=Path, default=None,
                        help="also write the tables to this file")
    parser.add_argument("--write-benchmarks", action="store_true",
                        help="replace the tables section of BENCHMARKS.md (between "
                             f"{BEGIN} and {END}; the hand-written notes stay)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.extract_count, args.build_sizes = 2, 20, [40]
        args.store_sizes, args.endpoint_triples, args.validate_sizes = [50_000], 50_000, [50_000]
    work = args.work or Path(tempfile.mkdtemp(prefix="newskg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    out = [f"Machine: {machine()}\n", f"Run: {time.strftime('%Y-%m-%d %H:%M')}, "
           f"`{' '.join(['bench/run.py', *(argv if argv is not None else sys.argv[1:])])}`\n"]
    print(out[0])
    if "extract" in args.only:
        out.append(bench_extract(args.extract_count, args.repeat))
    if "build" in args.only:
        out.append(bench_build(args.build_sizes, args.jobs, work))
    if "store" in args.only:
        out.append(bench_store(args.store_sizes, work))
    if "endpoint" in args.only:
        out.append(bench_endpoint(args.endpoint_triples, max(args.repeat, 10), work,
                                  rdflib_repeat=3))
    if "validate" in args.only:
        out.append(bench_validate(args.validate_sizes, work, shacl_sample=5))
    (work / "results.json").write_text(json.dumps(RESULTS, indent=2))
    if args.output:
        args.output.write_text("\n".join(out), encoding="utf-8")
    if args.write_benchmarks:
        write_benchmarks("\n".join(out))
    print(f"raw results: {work / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
