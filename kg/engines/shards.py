"""Per-article N-Quads shards: written where the article is emitted, bulk-loaded by the store.

``write_shards`` runs in a worker process (``kg.engines.dask``): it takes a batch of
resolved extractions (the client's resolution decisions: actor keys on the mentions,
the outlet, snapshots of the actors the article touched), emits each article's graph
and actor records with the pipeline's own ``emit_resolved``, runs the pipeline's quick
check on the batch, and writes every conforming graph to ``<dir>/<article-hash>.nq``
(a temporary name, then a rename, so a shard is whole or absent).

``load_shards`` runs in the client, batch by batch in input order:

1. drop the graph of each article to store (a killed build may have left part of it)
   and the old graph of an article it replaces;
2. ``store.bulk_load`` the shards, concatenated into one file (not transactional), and
   check the quad count;
3. one update: delete the old records of the batch's actors, insert their records as of
   the last stored article that touched them, and insert each article's
   ``nkg:contentHash`` triple, which the shards leave out. (A SPARQL server gets the
   drops, shards and records in updates of bounded size, the hash triples last:
   Virtuoso refuses a batch's worth in one update.)

Step 3 is the seal: ``store.articles()`` reads the hash to skip unchanged articles, so a
build killed before it leaves graphs without a hash, which the next build rebuilds
(reported as replaced; it drops the graph first). A build killed after it leaves a
consistent batch, as the local engine's per-article updates do. Not repaired: a graph
cut off before its ``dcterms:source`` triple, whose source is then rebuilt with other
text, stays in the store (the bulk loader takes a batch in one call, so this needs the
process killed inside that call). The entity graph ends as a ``--jobs 1`` build writes it:
there each stored article rewrites the records of the actors it touched, so an actor's
final record is its state after the last stored article that touched it, which is what
step 3 writes batch by batch.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph

from kg import emit
from kg.config import Config
from kg.errors import KGError, StoreError
from kg.model import Extraction
from kg.namespaces import NKG
from kg.resolve import Actor
from kg.store import KGStore

if TYPE_CHECKING:
    from kg.pipeline import BuildReport

log = logging.getLogger(__name__)

SUFFIX = ".nq"
PER_UPDATE = 50   # operations (actors, graphs) per update on a SPARQL server


@dataclass
class Resolved:
    """One article as the client resolved it: what a worker needs to emit its graph."""

    extraction: Extraction      # mentions carry their actor keys; restatements folded
    outlet: str | None          # the outlet's actor key
    actors: list[Actor]         # copies of the actors it touched, as resolution left them


@dataclass
class Pending:
    """What the client keeps of an article while a worker writes its shard."""

    source: str
    drop: list[str]             # the graph of the article this one replaces
    actors: list[Actor]


@dataclass
class Shard:
    """A worker's answer for one article: its shard, or why it was rejected."""

    source: str
    graph: str                  # the article graph's IRI
    path: str | None = None     # the shard file; None when rejected
    quads: int = 0
    seal: str = ""              # N-Triples of the nkg:contentHash triple, left out of the shard
    reason: str | None = None   # the rejection reason, as the local engine words it
    emitted: bool = False       # its graph was emitted (then checked: the local "batch")
    writer: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")


class _ResolvedTypes(Mapping[str, str]):
    """Actor key -> class name for the actors an article touched. Every actor an article
    refers to was touched while resolving it, so a missing key is a bug: it raises rather
    than silently leaving out a type triple (the client's registry answers all keys)."""

    def __init__(self, actors: list[Actor]) -> None:
        self._types = {actor.key: actor.type for actor in actors}

    def __getitem__(self, key: str) -> str:
        try:
            return self._types[key]
        except KeyError:
            raise KeyError(f"actor {key!r} was not resolved with the article") from None

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)


def write_shards(batch: list[Resolved], config: Config, directory: str) -> list[Shard]:
    """Emit, check and write the shards of a batch of resolved articles (in a worker).

    The batch is the one the local engine checks together (``kg.pipeline.CHECK_BATCH``
    articles in input order), so the quick check decides the same. One answer per item,
    in order.

    Raises:
        OSError: the shard directory cannot be written.
    """
    from kg.pipeline import emit_resolved, failure, nonconforming, quick_checker

    iris = config.iris
    shards: list[Shard] = []
    emitted: list[tuple[Shard, str, Graph, Graph]] = []
    for item in batch:
        article = item.extraction.article
        shard = Shard(article.source, str(iris.article(article.id)))
        shards.append(shard)
        try:
            graph, records = emit_resolved(item.extraction, _ResolvedTypes(item.actors),
                                           item.actors, item.outlet, config)
        except Exception as exc:  # one broken article must not abort the batch
            log.exception("article %s failed", article.source)
            shard.reason = failure(exc)
            continue
        shard.emitted = True
        emitted.append((shard, article.id, graph, records))
    checker = quick_checker(config)
    failures = checker.check_articles([(s.source, g, r) for s, _, g, r in emitted]
                                      ) if checker is not None else {}
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for shard, name, graph, _ in emitted:
        if shard.source in failures:
            shard.reason = nonconforming(failures[shard.source])
            continue
        write_shard(shard, graph, folder / f"{name}{SUFFIX}")
    return shards


def write_shard(shard: Shard, graph: Graph, path: Path) -> None:
    """``graph`` as N-Quads in its named graph at ``path`` (temporary name, then rename),
    without its ``nkg:contentHash`` triple, which goes to ``shard.seal``."""
    seal = Graph()
    for triple in list(graph.triples((None, NKG.contentHash, None))):
        graph.remove(triple)
        seal.add(triple)
    suffix = f"<{shard.graph}> .\n".encode()
    # N-Triples lines end in " .\n": the graph name goes before the dot.
    lines = [line[:-2] + suffix
             for line in graph.serialize(format="nt", encoding="utf-8").splitlines(keepends=True)
             if line.strip()]
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as stream:
        stream.writelines(lines)
    os.replace(temporary, path)
    shard.path, shard.quads = str(path), len(lines)
    shard.seal = seal.serialize(format="nt", encoding="utf-8").decode("utf-8")


def shard_directory(config: Config, store: KGStore) -> tuple[Path, bool]:
    """Where workers write shards, and whether the build owns (and removes) the folder:
    ``config.shards``, else ``<store>.shards`` beside an on-disk store, else a temporary
    folder named after a SPARQL store's URL (so the next build removes what a failed one
    left), else a new temporary folder (an in-memory store)."""
    if config.shards is not None:
        return Path(config.shards), False
    path = getattr(store, "path", None)
    if isinstance(path, Path):
        return path.with_name(path.name + ".shards"), True
    url = getattr(store, "url", None)
    if url:
        digest = hashlib.sha256(str(url).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"newskg-shards-{digest}", True
    return Path(tempfile.mkdtemp(prefix="newskg-shards-")), True


def remove_directory(directory: Path) -> None:
    """Remove a shard folder the build owns (with shards a killed build left)."""
    shutil.rmtree(directory, ignore_errors=True)


def load_shards(store: KGStore, config: Config, shards: list[Shard], items: list[Pending], *,
                report: BuildReport, marker: Path | None,
                progress: Callable[[str], None] | None) -> None:
    """Load one batch's shards into ``store`` and seal them (see the module note); report
    the batch's articles as the local engine does.

    Raises:
        KGError: a shard is not visible here (the folder is not shared with the workers).
        StoreError: the store cannot be written, or did not take every quad.
    """
    from kg.pipeline import stored_article

    if marker is not None and any(shard.emitted for shard in shards):
        marker.touch()   # before any article the analysis has not seen is stored
    loaded: list[tuple[Shard, Pending]] = []
    for shard, item in zip(shards, items, strict=True):
        if shard.reason is not None:
            report.rejected.append({"source": shard.source, "reason": shard.reason})
        else:
            loaded.append((shard, item))
    if not loaded:
        return
    for shard, _ in loaded:
        if not shard.path or not Path(shard.path).is_file():
            raise KGError(f"the shard {shard.path} that worker {shard.writer} wrote is not "
                          "here: on a cluster, --shards must be a folder that every worker "
                          "and this machine share")
    paths = [Path(shard.path) for shard, _ in loaded if shard.path]
    embedded = isinstance(store.oxigraph, ox.Store)
    _updates(store, [f"DROP SILENT GRAPH <{iri}>" for shard, item in loaded
                     for iri in (shard.graph, *item.drop)], embedded)
    count = _bulk_load(store, paths, embedded)
    expected = sum(shard.quads for shard, _ in loaded)
    if count != expected:
        raise StoreError(f"the store took {count} of the {expected} quads of "
                         f"{len(paths)} shards; the next build rebuilds these articles")
    _seal(store, config, loaded, embedded)
    for path in paths:
        path.unlink(missing_ok=True)
    for shard, item in loaded:
        stored_article(report, shard.source, bool(item.drop), progress)


def _seal(store: KGStore, config: Config, loaded: list[tuple[Shard, Pending]],
          embedded: bool) -> None:
    """Replace the records of the batch's actors with their latest state, then add the
    articles' hash triples: one update on the embedded store; on a SPARQL server,
    ``PER_UPDATE`` actors (their old records deleted, new ones inserted) or seals per
    update, the seals last."""
    from kg.pipeline import ENTITY_GRAPH

    latest: dict[str, Actor] = {}
    for _, item in loaded:
        for actor in item.actors:
            latest[actor.key] = actor
    actors = [latest[key] for key in sorted(latest)]
    entity = str(config.iris.graph(ENTITY_GRAPH))
    seals = {shard.graph: shard.seal for shard, _ in loaded}
    size = max(len(actors), 1) if embedded else PER_UPDATE
    for start in range(0, max(len(actors), 1), size):
        records = emit.entity_graph(actors[start:start + size], config.iris)
        operations = [f"DELETE WHERE {{ GRAPH <{entity}> {{ <{subject}> ?p ?o }} }}"
                      for subject in sorted({str(s) for s in records.subjects()})]
        inserts = {entity: records.serialize(format="nt", encoding="utf-8").decode("utf-8")}
        if embedded:
            inserts.update(seals)   # one update: records and seals together
        _update(store, " ;\n".join([*operations, _insert_data(inserts)]))
    if not embedded:
        graphs = sorted(seals)
        for start in range(0, len(graphs), PER_UPDATE):
            _update(store, _insert_data({g: seals[g] for g in graphs[start:start + PER_UPDATE]}))


def _insert_data(triples: dict[str, str]) -> str:
    """INSERT DATA of N-Triples text per graph."""
    return "INSERT DATA {\n" + "".join(f"GRAPH <{graph}> {{\n{text}\n}}\n"
                                        for graph, text in triples.items()) + "}"


def _updates(store: KGStore, operations: list[str], embedded: bool) -> None:
    """Update operations in one update on the embedded store, ``PER_UPDATE`` at a time
    on a SPARQL server."""
    size = max(len(operations), 1) if embedded else PER_UPDATE
    for start in range(0, len(operations), size):
        _update(store, " ;\n".join(operations[start:start + size]))


def _bulk_load(store: KGStore, paths: list[Path], embedded: bool) -> int:
    """``store.bulk_load`` of the shards, as one file into the embedded store: its bulk
    loader costs ~30 ms per call however small the input (a batch of 64 shards: 1.8 s one
    by one, 0.12 s as one file). rdflib labels blank nodes uniquely, so shards cannot
    share one by accident (article graphs have none today). A SPARQL server takes one
    update per shard, as big as the local engine's per article (Virtuoso refuses an
    update whose SQL translation passes 10,000 lines: a batch in one is too much)."""
    # lenient: the shards are newskg's own N-Quads, written by rdflib from checked graphs
    if not embedded:
        return store.bulk_load(paths, lenient=True)
    merged = paths[0].with_name(f".load-{os.getpid()}{SUFFIX}")
    try:
        with merged.open("wb") as out:
            for path in paths:
                with path.open("rb") as shard:
                    shutil.copyfileobj(shard, out)
        return store.bulk_load([merged], lenient=True)
    except OSError as exc:
        raise StoreError(f"cannot merge the shards in {merged.parent}: {exc}") from exc
    finally:
        merged.unlink(missing_ok=True)


def _update(store: KGStore, sparql: str) -> None:
    where = getattr(store, "url", None) or store.path
    try:
        store.oxigraph.update(sparql)
    except (OSError, SyntaxError) as exc:
        raise StoreError(f"cannot write to the store {where}: {exc}") from exc
