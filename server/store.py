"""The store behind the endpoint: opened once per app, with the worker pool that queries it.

The serving process holds the store itself (for the FROM checks, the N-Quads
that in-memory workers load, and updates); queries run in ``server.workers``, each worker with
its own read-only view. A read-only view is a snapshot taken when the worker
opens the store, so writes by other processes are seen after a restart.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app

from kg.store import KGStore
from server.workers import QueryPool, StoreSource

EXTENSION = "newskg"


@dataclass
class Backend:
    """What one app serves from: the store, its query workers, and the update lock."""

    store: KGStore
    pool: QueryPool
    update_lock: threading.Lock = field(default_factory=threading.Lock)
    cache: dict[str, object] = field(default_factory=dict)  # derived from the store (VoID counts)

    def source(self) -> StoreSource:
        """Where workers get the store's current content."""
        return StoreSource.of(self.store.oxigraph, self.store.path)

    def changed(self) -> None:
        """After a write: workers get the new content, derived values are recomputed."""
        self.pool.refresh(self.source())
        self.cache.clear()

    def close(self) -> None:
        self.pool.close()


def init_app(app: Flask) -> None:
    """Open the store (``STORE_OBJECT`` if given, else ``STORE`` read-only unless
    updates are enabled) and its worker pool, once for this app."""
    store = app.config.get("STORE_OBJECT")
    if store is None:
        store = KGStore(Path(app.config["STORE"]), read_only=not app.config["ENABLE_UPDATE"])
    pool = QueryPool(StoreSource.of(store.oxigraph, store.path), app.config["QUERY_WORKERS"])
    app.extensions[EXTENSION] = Backend(store, pool)


def backend(app: Flask | None = None) -> Backend:
    """The Backend of ``app`` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]


def get_store() -> KGStore:
    """The current app's store."""
    return backend().store


def get_pool() -> QueryPool:
    """The current app's query workers."""
    return backend().pool
