"""The build on a Dask cluster: ``kg build --engine dask --scheduler tcp://HOST:PORT``.

Why Dask rather than Ray or Spark for this workload: the unit of work is one article
(a Python object in, a Python object out, ~0.15 s of spaCy each), there is no shuffle and
no dataframe, and the pipeline is already Python end to end. Dask's ``distributed``
gives exactly futures over a pool of Python worker processes, installs from PyPI with no
JVM (Spark) and no separate object store or raylet per node (Ray), starts a local
cluster in a second for tests, and its scheduler is one process an operator can run
beside an existing cluster. Spark would add a JVM and Py4J serialisation per article;
Ray would work as well but brings a heavier runtime for no feature this job uses.

What runs where, and why. Per article the local engine spends ~150 ms extracting and,
in the one client process, 15-20 ms more: ~4 ms resolving, 4-5 ms emitting, 1-3 ms on
the actor records, ~4 ms on the quick check (in batches) and 2.5-4 ms on the store
update (45 synthetic and seed articles). Only resolution must stay in the client, in
input order: which actor a name is depends on every earlier article. So:

1. Extraction: each worker process loads the spaCy model once (``kg.nlp.load_model`` is
   cached per process) and runs the same ``kg.pipeline.extract_one`` as ``--jobs``
   workers; the extraction comes back to the client (it must, to be resolved).
2. The client resolves each extraction against the registry (``resolve_article``) and
   copies the actors it touched. Every ``CHECK_BATCH`` articles it sends the resolved
   batch to a worker (``kg.engines.shards.write_shards``, ahead of the extractions in the
   queue), which emits the graphs and records with ``emit_resolved``, runs the quick check
   on the same batch the local engine checks, and writes each conforming article graph
   to ``<shards>/<article-hash>.nq``.
3. The client bulk-loads each batch's shards in input order, as one file (the bulk
   loader costs ~30 ms per call), and seals them (``kg.engines.shards.load_shards``:
   the actor records and the articles' hash triples in one update).

The client's share per article drops to resolution (~4 ms, growing with the registry),
~0.4 ms of pickling and 2-6 ms of loading, so one client keeps up with two to three
times more workers. Emitting in the client instead would keep its 15-20 ms, and sending
emitted graphs to workers only to write them costs as much as writing them. The graph
and the report are those of a ``--jobs 1`` build because every decision (resolution,
the check's batches, the records each stored article leaves) is made as there. One
corner differs: an article whose emission raises (a bug, reported as rejected either
way) leaves its check batch one short where the local engine fills it, which matters
only when a batch fails the check as a whole and no single article does.

The shard folder (``--shards``; default ``<store>.shards`` beside an on-disk store, a
temporary folder for a SPARQL store, removed after a successful build) is written by
the workers and read by the client: on a real cluster it must be a filesystem they all
mount at the same path (NFS, a cluster filesystem); with a local cluster any folder
works. The client keeps a bounded window of articles in flight per worker and at most
``WRITING`` batches waiting for their shards, so memory stays flat however long the
input is.
"""
from __future__ import annotations

import itertools
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kg.config import Config
from kg.errors import KGError
from kg.model import Article
from kg.resolve import Registry
from kg.store import KGStore

if TYPE_CHECKING:
    from kg.pipeline import BuildReport

log = logging.getLogger(__name__)

WRITING = 2   # resolved batches in the workers' hands while the client resolves the next


def _extract_remote(article: Article):
    """Runs on a Dask worker: the model is loaded on first use and kept by the process."""
    from kg.nlp import load_model
    from kg.pipeline import extract_one

    return extract_one(article, load_model())


def connect(scheduler: str | None):
    """A client of the scheduler at ``scheduler``.

    Raises:
        KGError: no scheduler address, or the scheduler cannot be reached.
    """
    if not scheduler:
        raise KGError("the dask engine needs a scheduler address (tcp://HOST:PORT)")
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is a declared dependency
        raise KGError("the dask engine needs the 'distributed' package") from exc
    try:
        return Client(scheduler, timeout="30s", set_as_default=False)
    except OSError as exc:
        raise KGError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc


def workers_of(client) -> int:
    return max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))


def dask_extractions(client, articles: Iterable[Article], window: int) -> Iterator:
    """Extractions of ``articles`` in input order, ``window`` at most in flight."""
    from kg.pipeline import in_order

    for future in in_order(articles, lambda a: client.submit(_extract_remote, a, pure=False),
                           window):
        result = future.result()
        future.release()  # the worker may forget it: memory stays bounded
        yield result


def build_on_cluster(articles: Iterable[Article], config: Config, *, store: KGStore,
                     registry: Registry, replacing: dict[str, str], report: BuildReport,
                     marker: Path | None, progress: Callable[[str], None] | None) -> None:
    """Extract, resolve, emit, check and store ``articles`` (what ``kg.pipeline.build``
    has to build) on the cluster at ``config.scheduler``, as the module note says.

    Raises:
        KGError: the scheduler cannot be reached, the workers cannot write the shard
            folder or this process cannot read it, or the store cannot be written.
    """
    from kg.engines.shards import (Pending, Resolved, load_shards, remove_directory,
                                   shard_directory, write_shards)
    from kg.pipeline import (CHECK_BATCH, WINDOW_PER_JOB, FailedExtraction, failure,
                             resolve_article)

    stream = iter(articles)
    first = next(stream, None)
    if first is None:
        return   # nothing to build: no connection, no shard folder
    client = connect(config.scheduler)
    directory, owned = shard_directory(config, store)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        client.close()
        raise KGError(f"cannot create the shard folder {directory}: {exc}") from exc
    writing: deque[tuple[object, list[Pending]]] = deque()
    batch: list[Resolved] = []
    kept: list[Pending] = []

    def submit() -> None:
        future = client.submit(write_shards, list(batch), config, str(directory),
                               pure=False, priority=1)
        writing.append((future, list(kept)))
        batch.clear()
        kept.clear()

    def load(limit: int) -> None:
        """Load the batches whose shards are written, in order; wait while over ``limit``."""
        while writing and (len(writing) > limit or writing[0][0].done()):
            future, items = writing.popleft()
            try:
                shards = future.result()
            except OSError as exc:
                raise KGError(f"a worker cannot write shards to {directory}: {exc} (on a "
                              "cluster, --shards must be a folder every worker and this "
                              "machine share)") from exc
            future.release()
            load_shards(store, config, shards, items, report=report, marker=marker,
                        progress=progress)

    try:
        window = workers_of(client) * WINDOW_PER_JOB
        for extraction in dask_extractions(client, itertools.chain([first], stream), window):
            source = extraction.article.source
            if isinstance(extraction, FailedExtraction):
                report.rejected.append({"source": source, "reason": extraction.reason})
                continue
            try:
                outlet = resolve_article(registry, extraction)
            except Exception as exc:  # one broken article must not abort the batch
                log.exception("article %s failed", source)
                report.rejected.append({"source": source, "reason": failure(exc)})
                continue
            # Copies: later articles change the registry's actors before the batch is sent.
            actors = [replace(registry.actors[key], names=Counter(registry.actors[key].names))
                      for key in sorted(registry.touched)]
            batch.append(Resolved(extraction, outlet, actors))
            kept.append(Pending(source, [replacing[source]] if source in replacing else [],
                                actors))
            if len(batch) >= CHECK_BATCH:
                submit()
            load(WRITING)
        if batch:
            submit()
        load(0)
    finally:
        client.close()
    if owned:
        remove_directory(directory)
