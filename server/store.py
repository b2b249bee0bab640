"""The store behind the endpoint: opened once per app, with the worker pool that queries it.

The serving process holds the store itself (for the FROM checks, the N-Quads
that in-memory workers load, updates, and the reads of ``/data``, ``/dump``, VoID and
the pages); queries run in ``server.workers``, each worker with
its own read-only view. A read-only view is a snapshot taken when the worker
opens the store, so writes by other processes are seen after a restart.

``STORE`` may also name a SPARQL server (``sparql+http://HOST:PORT/sparql``,
``kg.backends``): the serving process then reads it over HTTP, and the workers forward
queries to it (``server.remote``), so they see its current content. Updates through the
endpoint are refused on such a store (``ServerConfigError`` when ``ENABLE_UPDATE`` is set):
write to the server itself.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app

from kg.backends import is_remote, open_store
from kg.backends.sparql_http import SparqlStore
from kg.store import KGStore
from server.errors import ServerConfigError
from server.workers import QueryPool, StoreSource

EXTENSION = "newskg"
REMOTE_UPDATES = ("ENABLE_UPDATE cannot be used with a sparql+http:// store: the endpoint "
                  "forwards queries to the SPARQL server and writes nothing to it; write to "
                  "the server itself (kg build/load --store sparql+http://…, or its own update "
                  "endpoint), or leave updates off")


@dataclass
class Backend:
    """What one app serves from: the store, its query workers, and the update lock."""

    store: KGStore
    pool: QueryPool
    update_lock: threading.Lock = field(default_factory=threading.Lock)
    cache: dict[str, object] = field(default_factory=dict)  # derived from the store (VoID counts)
    remote: bool = False   # the store is a SPARQL server (``SparqlStore``), not pyoxigraph
    query_timeout: float | None = None

    def source(self) -> StoreSource:
        """Where workers get the store's current content."""
        if self.remote:
            return StoreSource.of_server(self.store.spec, self.query_timeout)
        return StoreSource.of(self.store.oxigraph, self.store.path)

    def changed(self) -> None:
        """After a write: workers get the new content, derived values are recomputed."""
        self.pool.refresh(self.source())
        self.cache.clear()

    def close(self) -> None:
        self.pool.close()


def init_app(app: Flask) -> None:
    """Open the store (``STORE_OBJECT`` if given, else ``STORE``: a directory, read-only unless
    updates are enabled, or a ``sparql+http://`` server) and its worker pool, once for this app.

    Raises:
        ServerConfigError: updates are enabled on a SPARQL server's store.
        StoreError: the store cannot be opened.
    """
    store = app.config.get("STORE_OBJECT")
    remote = isinstance(store, SparqlStore) if store is not None else is_remote(
        app.config["STORE"])
    if remote and app.config["ENABLE_UPDATE"]:
        raise ServerConfigError(REMOTE_UPDATES)
    if store is None:
        setting = app.config["STORE"]
        store = open_store(setting, read_only=True) if remote else \
            KGStore(Path(setting), read_only=not app.config["ENABLE_UPDATE"])
    timeout = app.config["QUERY_TIMEOUT"]
    source = StoreSource.of_server(store.spec, timeout) if remote else \
        StoreSource.of(store.oxigraph, store.path)
    app.extensions[EXTENSION] = Backend(store, QueryPool(source, app.config["QUERY_WORKERS"]),
                                        remote=remote, query_timeout=timeout)


def backend(app: Flask | None = None) -> Backend:
    """The Backend of ``app`` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]


def get_store() -> KGStore:
    """The current app's store."""
    return backend().store


def get_pool() -> QueryPool:
    """The current app's query workers."""
    return backend().pool
