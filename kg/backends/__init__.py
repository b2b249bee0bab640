"""Where the graph is stored: the embedded pyoxigraph store, or any SPARQL 1.1 server.

``open_store(spec)`` picks the backend from the store setting (``--store`` or
``NEWSKG_STORE``): a directory is the embedded store (``kg.store.KGStore``);
``sparql+http://HOST:PORT/PATH`` (or ``sparql+https://``) is a SPARQL 1.1 Query +
Update server (``kg.backends.sparql_http.SparqlStore``) with the same named-graph layout.
"""
from __future__ import annotations

import re
from pathlib import Path

from kg.store import KGStore

_REMOTE = re.compile(r"^sparql\+(https?):/+(.*)$")


def remote_url(spec: str | Path | None) -> str | None:
    """The http(s) URL of a ``sparql+http://…`` store setting, else None.

    A setting that went through ``pathlib.Path`` has lost one slash of ``//``; it is put back.
    """
    if spec is None:
        return None
    found = _REMOTE.match(str(spec))
    return f"{found.group(1)}://{found.group(2)}" if found else None


def is_remote(spec: str | Path | None) -> bool:
    return remote_url(spec) is not None


def open_store(spec: str | Path | None, *, read_only: bool = False) -> KGStore:
    """The store named by ``spec``: a SPARQL server for ``sparql+http://…``, else a directory."""
    url = remote_url(spec)
    if url is not None:
        from kg.backends.sparql_http import SparqlStore

        return SparqlStore(url, read_only=read_only)
    return KGStore(spec, read_only=read_only)


__all__ = ["open_store", "is_remote", "remote_url"]
