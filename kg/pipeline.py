"""The one build pipeline: load → extract → resolve → emit → validate → store.

The CLI, the server's start-up and the tests all call ``build``. Extraction may
run in worker processes; resolution, validation and storing run in input
order in this process, so the graph is the same whatever the number of jobs.
With ``--engine dask`` the steps after resolution run on the cluster and the store
bulk-loads their shards (``kg.engines.dask``); the rest of ``build`` is shared.
"""
from __future__ import annotations

import itertools
import json
import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

from rdflib import Graph

from kg import emit
from kg.config import REPO_ROOT, Config
from kg.crosssource import analyse as analyse_crosssource
from kg.engines.quickcheck import QuickCheck, default_check, format_results
from kg.errors import StoreError
from kg.extract import extract, finish
from kg.furniture import furniture_ranges
from kg.gazetteer import default_gazetteer
from kg.ingest import Rejection, load
from kg.model import Article, Extraction
from kg.namespaces import NKG, ONTOLOGY_IRI, RDF, RDFS, SKOS, OWL, WD
from kg.nlp import Paragraph, load_model, parse_many
from kg.resolve import Actor, Registry
from kg.store import KGStore

log = logging.getLogger(__name__)

ENTITY_GRAPH = "entities"
ONTOLOGY_FILE = REPO_ROOT / "ontology" / "newskg.ttl"
T = TypeVar("T")
F = TypeVar("F")


@dataclass
class BuildReport:
    """What a build did with each input: added, replaced, skipped or rejected, and why."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    triples: int = 0
    crosssource: dict = field(default_factory=dict)   # kg.crosssource.CrossReport, as a dict

    @property
    def exit_code(self) -> int:
        """0 when every input was ingested (or already was), 1 when some were rejected."""
        return 1 if self.rejected else 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.replaced)} replaced, "
                f"{len(self.skipped)} unchanged, {len(self.duplicates)} duplicates, "
                f"{len(self.rejected)} rejected; {self.triples} triples in "
                f"{self.seconds:.1f} s")


# ---------------------------------------------------------------- workers

_worker_nlp = None


def _init_worker() -> None:
    global _worker_nlp
    _worker_nlp = load_model()   # once per worker process, not per article


def _extract_in_worker(articles: list[Article]) -> list[Extraction | FailedExtraction]:
    assert _worker_nlp is not None
    return extract_batch(articles, _worker_nlp)


@dataclass
class FailedExtraction:
    """An article the extractors failed on: rejected with the reason, the batch goes on."""

    article: Article
    reason: str


def extract_one(article: Article, nlp, paragraphs: list[Paragraph] | None = None,
                furniture: list[tuple[int, int]] | None = None
                ) -> Extraction | FailedExtraction:
    """``extract``, with an exception turned into a FailedExtraction (and logged)."""
    try:
        return extract(article, nlp, paragraphs=paragraphs, furniture=furniture)
    except Exception as exc:  # one article the extractors cannot handle must not stop the batch
        log.exception("extraction of %s failed", article.source)
        return FailedExtraction(article, f"extraction failed: {type(exc).__name__}: {exc}")


def extract_batch(articles: list[Article], nlp) -> list[Extraction | FailedExtraction]:
    """``extract_one`` of each article, their lines parsed in one stream (``parse_many``)."""
    furniture = [furniture_ranges(a.text) for a in articles]
    try:
        parsed: list[list[Paragraph] | None] = list(
            parse_many(nlp, [a.text for a in articles], furniture))
    except Exception:  # an article the parser fails on: each parsed alone, to name it
        log.debug("parsing %d articles together failed; one by one", len(articles))
        parsed = [None] * len(articles)
    return [extract_one(article, nlp, paragraphs, ranges)
            for article, paragraphs, ranges in zip(articles, parsed, furniture)]


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily."""
    stream = iter(items)
    while batch := list(itertools.islice(stream, size)):
        yield batch


# Articles in flight per worker: enough to keep every worker busy, few enough that memory
# stays flat however long the input is (Pool.imap would read the whole input ahead).
WINDOW_PER_JOB = 8
# Articles parsed in one spaCy stream by one worker task (fuller batches: ~8 % faster).
ARTICLES_PER_TASK = 4
# Articles checked together by the quick check (kg.engines.quickcheck): its cost is per
# query, so checking a batch at once is ~4x cheaper than article by article.
CHECK_BATCH = 64


def in_order(items: Iterable[T], submit: Callable[[T], F], limit: int) -> Iterator[F]:
    """``submit(item)`` for each item, yielded in input order with at most ``limit`` in flight."""
    pending: deque[F] = deque()
    for item in items:
        pending.append(submit(item))
        if len(pending) >= limit:
            yield pending.popleft()
    while pending:
        yield pending.popleft()


def extractions(articles: Iterable[Article], jobs: int = 1
                ) -> Iterator[Extraction | FailedExtraction]:
    """Extractions in input order, computed in ``jobs`` worker processes when jobs > 1; an
    article the extractors fail on comes as a FailedExtraction."""
    # Nothing is loaded or started until there is an article to extract, so a rebuild with
    # nothing changed costs no model load and no worker start.
    stream = iter(articles)
    first = next(stream, None)
    if first is None:
        return
    articles = itertools.chain([first], stream)
    groups = batches(articles, ARTICLES_PER_TASK)
    if jobs <= 1:
        nlp = load_model()
        for group in groups:
            yield from extract_batch(group, nlp)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=_init_worker) as pool:
        for result in in_order(groups, lambda g: pool.apply_async(_extract_in_worker, (g,)),
                               max(2, jobs * WINDOW_PER_JOB // ARTICLES_PER_TASK)):
            yield from result.get()


# ---------------------------------------------------------------- build


def build(sources: Iterable[str | Path], config: Config, *, store: KGStore | None = None,
          progress: Callable[[str], None] | None = None) -> BuildReport:
    """Build (or update) the graph in the store from articles in ``sources``."""
    if store is None:
        from kg.backends import open_store

        with open_store(config.store) as own_store:
            return build(sources, config, store=own_store, progress=progress)
    started = time.perf_counter()
    iris = config.iris
    report = BuildReport()
    registry = load_registry(store, config)
    stored = {a.source: a for a in store.articles()}
    by_hash = {a.content_hash: a.source for a in stored.values() if a.content_hash}
    replacing: dict[str, str] = {}

    def pending() -> Iterator[Article]:
        for item in load(sources, config.max_article_bytes):
            if isinstance(item, Rejection):
                report.rejected.append({"source": item.source, "reason": item.reason})
                continue
            previous = stored.get(item.source)
            if previous is not None and previous.content_hash == item.id:
                report.skipped.append(item.source)
                continue
            if item.id in by_hash and by_hash[item.id] != item.source:
                report.duplicates.append({"source": item.source, "same_as": by_hash[item.id]})
                continue
            by_hash[item.id] = item.source
            if previous is not None:
                replacing[item.source] = previous.iri
            yield item

    checker = quick_checker(config)
    batch: list[_Emitted] = []

    marker = analysis_marker(store)

    def write_batch() -> None:
        failures = checker.check_articles([(e.source, e.graph, e.records) for e in batch]
                                          ) if checker is not None else {}
        if batch and marker is not None:
            marker.touch()   # before any article the analysis has not seen is stored
        for item in batch:
            if item.source in failures:
                report.rejected.append({"source": item.source,
                                        "reason": nonconforming(failures[item.source])})
                continue
            try:
                store.write_article(item.graph_iri, item.graph, str(iris.graph(ENTITY_GRAPH)),
                                    item.records, drop=item.drop)
            except Exception as exc:  # one broken article must not abort the batch
                if isinstance(exc, StoreError) and isinstance(exc.__cause__, OSError):
                    raise  # the store cannot be written (disk full, read-only): fatal, exit 2
                log.exception("article %s failed", item.source)
                report.rejected.append({"source": item.source, "reason": failure(exc)})
                continue
            stored_article(report, item.source, bool(item.drop), progress)
        batch.clear()

    if config.engine == "dask":
        # Extraction, emission, the check and the shards on the cluster; resolution here.
        from kg.engines.dask import build_on_cluster

        build_on_cluster(pending(), config, store=store, registry=registry,
                         replacing=replacing, report=report, marker=marker, progress=progress)
    else:
        for extraction in extractions(pending(), config.jobs):
            article = extraction.article
            if isinstance(extraction, FailedExtraction):
                report.rejected.append({"source": article.source, "reason": extraction.reason})
                continue
            try:
                graph, records = emit_article(registry, extraction, config)
            except Exception as exc:  # one broken article must not abort the batch
                log.exception("article %s failed", article.source)
                report.rejected.append({"source": article.source, "reason": failure(exc)})
                continue
            batch.append(_Emitted(article.source, str(iris.article(article.id)), graph, records,
                                  [replacing[article.source]] if article.source in replacing
                                  else []))
            if len(batch) >= CHECK_BATCH:
                write_batch()
        write_batch()
    if report.added or report.replaced or (marker is not None and marker.exists()):
        # Conclusions drawn across articles: statements, distortions, lineage (incremental).
        report.crosssource = asdict(analyse_crosssource(store, config))
    load_ontology(store)
    store.flush()
    if marker is not None:
        marker.unlink(missing_ok=True)
    report.seconds = time.perf_counter() - started
    report.triples = len(store)
    return report


def quick_checker(config: Config) -> QuickCheck | None:
    """The batch check the build runs, if any (none with --no-validate or --full-shacl)."""
    return default_check() if config.validate and not config.full_shacl else None


def failure(exc: Exception) -> str:
    """The rejection reason of an article that raised ``exc`` (emitting or storing it)."""
    return f"{type(exc).__name__}: {exc}"


def nonconforming(results: list) -> str:
    """The rejection reason of an article the quick check failed."""
    return "graph does not conform to the shapes:\n" + format_results(results[:10])


def stored_article(report: BuildReport, source: str, replaced: bool,
                   progress: Callable[[str], None] | None) -> None:
    """Count an article the store now holds, and say so."""
    (report.replaced if replaced else report.added).append(source)
    if progress is not None:
        progress(f"[{len(report.added) + len(report.replaced)}] {source}")


def analysis_marker(store: KGStore) -> Path | None:
    """A file beside an on-disk store that exists while it holds articles the cross-source
    analysis has not seen: a build killed after storing articles leaves it, and the next build
    runs the analysis even though it adds nothing."""
    path = getattr(store, "path", None)
    return path.with_name(path.name + ".analysis-pending") if isinstance(path, Path) else None


@dataclass
class _Emitted:
    """One article's graphs, emitted and waiting for the batch check and the store."""

    source: str
    graph_iri: str
    graph: Graph
    records: Graph
    drop: list[str]


class _ActorTypes(Mapping[str, str]):
    """Actor key -> class name, read from the registry on demand (no per-article copy)."""

    def __init__(self, registry: Registry) -> None:
        self._actors = registry.actors

    def __getitem__(self, key: str) -> str:
        return self._actors[key].type

    def __contains__(self, key: object) -> bool:
        return key in self._actors

    def __iter__(self) -> Iterator[str]:
        return iter(self._actors)

    def __len__(self) -> int:
        return len(self._actors)


def emit_article(registry: Registry, extraction: Extraction, config: Config
                 ) -> tuple[Graph, Graph]:
    """Resolve one extraction against the registry and emit its graph and actor records.

    With ``config.full_shacl`` the pair is checked by pyshacl here (slow: ~0.5 s per
    article); otherwise the build checks batches with ``kg.engines.quickcheck``.

    Raises:
        ValueError: full SHACL validation found violations.
    """
    outlet = resolve_article(registry, extraction)
    return emit_resolved(extraction, _ActorTypes(registry),
                         [registry.actors[k] for k in sorted(registry.touched)], outlet, config)


def resolve_article(registry: Registry, extraction: Extraction) -> str | None:
    """Give the extraction's mentions their actors (``registry.touched`` names them) and
    fold restatements; the outlet's actor key, if the article names its outlet."""
    registry.touched.clear()
    registry.resolve(extraction)
    finish(extraction)
    return (registry.resolve_name(extraction.article.outlet, "Organization")
            if extraction.article.outlet else None)


def emit_resolved(extraction: Extraction, types: Mapping[str, str], actors: list[Actor],
                  outlet: str | None, config: Config) -> tuple[Graph, Graph]:
    """The graph of a resolved extraction and the records of ``actors`` (its actors), checked
    by pyshacl with ``config.full_shacl`` (see ``emit_article``)."""
    iris = config.iris
    graph = emit.article_graph(extraction, iris, types, outlet=outlet)
    records = emit.entity_graph(actors, iris)
    if config.validate and config.full_shacl:
        from kg.validate import validate

        result = validate(graph + records)
        if not result.conforms:
            raise ValueError(f"graph does not conform to the shapes:\n{result.text}")
    return graph, records


def load_registry(store: KGStore, config: Config) -> Registry:
    """The registry of actors already in the store's entity graph."""
    registry = Registry(default_gazetteer())
    graph = str(config.iris.graph(ENTITY_GRAPH))
    prefix = str(config.iris.actor(""))
    rows = store.select(f"""SELECT ?e ?t ?label ?alt ?same WHERE {{ GRAPH <{graph}> {{
        ?e a ?t ; <{RDFS.label}> ?label .
        OPTIONAL {{ ?e <{SKOS.altLabel}> ?alt }} OPTIONAL {{ ?e <{OWL.sameAs}> ?same }} }} }}""")
    known: dict[str, dict] = {}
    for row in rows:
        if not row["e"].startswith(prefix) or not row["t"].startswith(str(NKG)):
            continue
        record = known.setdefault(row["e"], {"type": row["t"].removeprefix(str(NKG)),
                                             "label": row["label"], "alts": set(), "qid": None})
        if "alt" in row:
            record["alts"].add(row["alt"])
        if row.get("same", "").startswith(str(WD)):
            record["qid"] = row["same"].removeprefix(str(WD))
    for iri, record in known.items():
        registry.add_known(iri.removeprefix(prefix), record["type"], record["label"],
                           sorted(record["alts"]), record["qid"])
    return registry


def load_ontology(store: KGStore) -> None:
    """The ontology in its own graph, so analysts can read labels and class hierarchy."""
    if ONTOLOGY_FILE.is_file():
        graph = Graph()
        graph.parse(ONTOLOGY_FILE, format="turtle")
        store.put_graph(str(ONTOLOGY_IRI), graph)


__all__ = ["build", "BuildReport", "extractions", "emit_article", "emit_resolved",
           "in_order", "load_registry", "resolve_article", "RDF"]
