"""Production serving with waitress (a thread per request; queries run in worker processes)."""
from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import waitress
from flask import Flask

from kg.backends import is_remote
from server.app import create_app
from server.store import backend

# Threads beyond the query workers, so that the service description, preflights and errors
# are still answered while every worker is busy.
SPARE_THREADS = 4


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 0) -> Any:
    """A waitress server for ``app`` bound to host:port (0: a free port), not yet running."""
    return waitress.create_server(app, host=host, port=port, ident="newskg",
                                  threads=app.config["QUERY_WORKERS"] + SPARE_THREADS)


def endpoint_urls(server: Any) -> list[str]:
    """The endpoint URL of every socket ``server`` listens on."""
    listening = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)]
    return [f"http://{f'[{host}]' if ':' in host else host}:{port}/sparql"
            for host, port in listening]


def serve(store_path: Path | str, *, host: str = "127.0.0.1", port: int = 8000,
          base: str | None = None, timeout: float = 30.0) -> None:
    """Serve the store at ``store_path`` (read-only) until interrupted (Ctrl-C or SIGTERM):
    a directory, or a SPARQL server as ``sparql+http://HOST:PORT/PATH`` (``kg.backends``).

    Prints ``Serving SPARQL endpoint on http://HOST:PORT/sparql`` once listening;
    ``port=0`` picks a free port, which the line shows.

    Raises:
        StoreError: the store cannot be opened.
        ServerConfigError: ``timeout`` is not positive.
        OSError: the address cannot be bound.
    """
    store = str(store_path) if is_remote(store_path) else Path(store_path)
    settings: dict[str, Any] = {"STORE": store, "QUERY_TIMEOUT": timeout}
    if base is not None:
        settings["BASE_IRI"] = base
    app = create_app(settings)
    served = backend(app)
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (a service manager's stop) unwinds like Ctrl-C, so the workers are killed too.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        served.pool.start()  # the first queries should not wait for workers to start
        server = make_server(app, host, port)
        for url in endpoint_urls(server):
            print(f"Serving SPARQL endpoint on {url}", flush=True)
        server.run()
    finally:
        served.close()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
