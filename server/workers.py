"""Queries run in worker processes, so that one past its time limit can be killed.

pyoxigraph's Python API has no query timeout (and Oxigraph's own server timeout
does not stop every runaway query), so each query runs in one of a small pool of processes,
each holding its own read-only view of the store. The serving thread waits for
the answer up to the limit; past it, the worker is killed (SIGKILL) and its slot
is refilled by a fresh worker on next use, while the other workers keep
answering. Over a SPARQL server (``--store sparql+http://…``) a worker forwards its
queries there instead (``server.remote``); killing it closes that connection. Workers
also serialise the result (results are lazy: evaluation
happens while serialising) and stop once it grows past the size cap. They also
parse and check queries (``ParseJob``): rdflib's parser takes seconds on some
large queries (a VALUES block of 50,000 numbers takes 17 s), and that time must
be bounded by the limit too.

Workers start through the ``forkserver`` method: a fork is cheap, and forking
the serving process itself (which has threads) is not safe. As with any
non-fork start method, a worker imports the parent's ``__main__`` module, so a
script that creates the app must keep its top level under
``if __name__ == "__main__":`` (``python -m server``, console scripts and
pytest do).
"""
from __future__ import annotations

import multiprocessing
import queue
import threading
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KGError, StoreError
from server.errors import (QueryRefused, QuerySyntaxError, QueryTimeout, ResultTooLarge,
                           WorkerFailure)
from server.safety import ParsedQuery, parse_query

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["server.workers"])
START_TIMEOUT_S = 60.0   # opening a large store read-only can take a while
KILL_WAIT_S = 5.0


@dataclass(frozen=True)
class StoreSource:
    """Where a worker gets its store: a directory opened read-only, N-Quads to load
    (an in-memory store cannot be shared between processes), or a SPARQL server
    (``remote``, a ``sparql+http://`` store setting) that the worker forwards queries to,
    telling it the time limit ``timeout`` (``server.remote``)."""

    path: Path | None = None
    nquads: bytes = b""
    remote: str | None = None
    timeout: float | None = None

    @classmethod
    def of(cls, store: ox.Store, path: Path | None) -> StoreSource:
        if path is not None:
            return cls(path=path)
        return cls(nquads=store.dump(format=ox.RdfFormat.N_QUADS))

    @classmethod
    def of_server(cls, spec: str, timeout: float | None = None) -> StoreSource:
        """A SPARQL server's store setting (``kg.backends.is_remote(spec)``)."""
        return cls(remote=spec, timeout=timeout)

    def open(self) -> ox.Store:
        if self.remote is not None:
            from server.remote import open_remote

            return open_remote(self.remote, self.timeout)  # type: ignore[return-value]
        if self.path is not None:
            return ox.Store.read_only(str(self.path))
        store = ox.Store()
        store.load(self.nquads, format=ox.RdfFormat.N_QUADS)
        return store


@dataclass(frozen=True)
class QueryJob:
    """One query as a worker runs it: the text, its dataset and the answer's format."""

    query: str
    media_type: str
    base_iri: str
    prefixes: dict[str, str]
    max_bytes: int
    union: bool = True                           # default graph = union of all graphs
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    checked: bool = True   # parsed by server.safety already; else only quick_form vetted it


@dataclass(frozen=True)
class ParseJob:
    """A query for ``server.safety.parse_query``, run in a worker under the time limit."""

    query: str
    base_iri: str
    prefixes: dict[str, str]


class _CappedBuffer:
    """A binary sink that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise ResultTooLarge(f"the result is larger than {self.limit} bytes, this endpoint's "
                                 "limit; add LIMIT or narrow the query")
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes its writer when it is done."""


def execute(store: ox.Store, job: QueryJob) -> bytes:
    """Run ``job`` on ``store`` and serialise its result as ``job.media_type``.

    Raises:
        SyntaxError: pyoxigraph cannot parse the query.
        ResultTooLarge: the result exceeds ``job.max_bytes``.
    """
    dataset: dict[str, object] = {}
    if job.default_graphs is not None:
        dataset["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs is not None:
        dataset["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    results = store.query(job.query, base_iri=job.base_iri, prefixes=job.prefixes,
                          use_default_graph_as_union=job.union, **dataset)
    sink = _CappedBuffer(job.max_bytes)
    if isinstance(results, ox.QueryTriples):
        ox.serialize(results, sink, format=ox.RdfFormat.from_media_type(job.media_type),
                     prefixes=job.prefixes)
    else:
        results.serialize(sink, format=ox.QueryResultsFormat.from_media_type(job.media_type))
    return b"".join(sink.chunks)


def _worker_main(conn: Connection, source: StoreSource) -> None:
    """A worker's loop: open the store, then answer jobs until the pipe closes.

    Each answer is ("ok", bytes), ("ok", ParsedQuery) for a ParseJob, or ("error", kind,
    message); kinds are syntax, refused, too_large and internal (whose message is a
    traceback, for the log).
    """
    try:
        store = source.open()
    except (OSError, KGError) as exc:   # KGError: a SPARQL server that cannot be reached
        conn.send(("error", "store", f"cannot open the store read-only: {exc}"))
        return
    conn.send(("ready",))
    while True:
        try:
            job: QueryJob = conn.recv()
        except EOFError:
            return
        try:
            if isinstance(job, ParseJob):
                conn.send(("ok", parse_query(job.query, base=job.base_iri, prefixes=job.prefixes)))
            else:
                conn.send(("ok", execute(store, job)))
        except SyntaxError as exc:
            if isinstance(job, QueryJob) and not job.checked:
                # rdflib names the problem more plainly (an undeclared prefix, an update
                # sent as a query); parse_query raises QuerySyntaxError if it sees one.
                try:
                    parse_query(job.query, base=job.base_iri, prefixes=job.prefixes)
                except QuerySyntaxError as plainer:
                    conn.send(("error", "syntax", str(plainer)))
                    continue
            conn.send(("error", "syntax", f"SPARQL syntax error: {exc}"))
        except QuerySyntaxError as exc:
            conn.send(("error", "syntax", str(exc)))
        except QueryRefused as exc:
            conn.send(("error", "refused", str(exc)))
        except ResultTooLarge as exc:
            conn.send(("error", "too_large", str(exc)))
        except Exception:  # reported to the serving process, which logs it and answers 500
            conn.send(("error", "internal", traceback.format_exc()))


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, source: StoreSource, generation: int) -> None:
        self.generation = generation
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_worker_main, args=(child, source),
                                        name="newskg-query-worker", daemon=True)
        self.process.start()
        child.close()
        if not self.conn.poll(START_TIMEOUT_S):
            self.kill()
            raise WorkerFailure(f"a query worker did not start within {START_TIMEOUT_S:g} s")
        answer = self._receive()
        if answer[0] != "ready":
            self.kill()
            raise StoreError(answer[2])

    def run(self, job: QueryJob | ParseJob, timeout: float) -> bytes | ParsedQuery:
        """Send one job and wait for its answer.

        Raises:
            QueryTimeout: no answer within ``timeout`` (the caller kills the worker).
            WorkerFailure: the worker died or failed unexpectedly.
        """
        self.conn.send(job)
        if not self.conn.poll(timeout):
            raise QueryTimeout(f"the query ran past this endpoint's {timeout:g} s limit and was "
                               "stopped; narrow it (more specific patterns, LIMIT) and retry")
        answer = self._receive()
        if answer[0] == "ok":
            return answer[1]
        kind, message = answer[1], answer[2]
        if kind == "syntax":
            raise QuerySyntaxError(message)
        if kind == "refused":
            raise QueryRefused(message)
        if kind == "too_large":
            raise ResultTooLarge(message)
        raise WorkerFailure(f"query worker failed:\n{message}")

    def _receive(self) -> tuple:
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            raise WorkerFailure(f"query worker {self.process.pid} died "
                                f"(exit code {self.process.exitcode})") from None

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(KILL_WAIT_S)
        self.conn.close()


class QueryPool:
    """A fixed number of worker slots, each filled with a process on first use.

    Thread-safe: each serving thread takes a slot for the duration of one query.
    """

    def __init__(self, source: StoreSource, size: int) -> None:
        self._source = source
        self._generation = 0
        self._slots: queue.LifoQueue[_Worker | None] = queue.LifoQueue()  # warm workers first
        for _ in range(size):
            self._slots.put(None)
        self._size = size
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()

    def run(self, job: QueryJob | ParseJob, timeout: float) -> bytes | ParsedQuery:
        """Run ``job`` in a worker, waiting at most ``timeout`` for a free one and as long again
        for the answer: a QueryJob's serialised result, a ParseJob's ParsedQuery.

        Raises:
            QueryTimeout: no worker became free in time, or the query ran past ``timeout``.
            QuerySyntaxError, QueryRefused, ResultTooLarge: as the worker reports.
            WorkerFailure, StoreError: a worker could not start or died.
        """
        try:
            worker = self._slots.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(f"all {self._size} query workers stayed busy for {timeout:g} s; "
                               "retry later") from None
        try:
            worker = self._ready(worker)
        except BaseException:
            self._slots.put(None)
            raise
        try:
            return worker.run(job, timeout)
        except (QueryTimeout, WorkerFailure):
            self._discard(worker)
            worker = None
            raise
        finally:
            self._slots.put(worker)

    def start(self) -> None:
        """Start every worker now rather than on first use (for a server about to listen)."""
        taken = [self._slots.get() for _ in range(self._size)]
        try:
            for i, worker in enumerate(taken):
                taken[i] = None  # what goes back if _ready fails: it has discarded the old one
                taken[i] = self._ready(worker)
        finally:
            for worker in taken:
                self._slots.put(worker)

    def refresh(self, source: StoreSource) -> None:
        """Make later queries see ``source`` (after an update): workers are replaced on next use."""
        with self._lock:
            self._source = source
            self._generation += 1

    def close(self) -> None:
        """Kill every worker; the pool is not used afterwards."""
        with self._lock:
            workers, self._live = list(self._live), set()
        for worker in workers:
            worker.kill()

    def _ready(self, worker: _Worker | None) -> _Worker:
        """``worker`` if it is alive and current, else a new one in its place."""
        with self._lock:
            source, generation = self._source, self._generation
        if worker is not None and worker.alive() and worker.generation == generation:
            return worker
        if worker is not None:
            self._discard(worker)
        fresh = _Worker(source, generation)
        with self._lock:
            self._live.add(fresh)
        return fresh

    def _discard(self, worker: _Worker | None) -> None:
        if worker is None:
            return
        with self._lock:
            self._live.discard(worker)
        worker.kill()
