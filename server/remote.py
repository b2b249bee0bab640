"""Serving from a SPARQL server (``--store sparql+http://…``): what the query workers query.

The endpoint opens a remote store as it opens the embedded one (``server.store``), and each
query worker forwards its queries to the server (``kg.backends.sparql_http.RemoteStore``). The
worker model and its time limit are unchanged: a query past the limit is answered 503 and its
worker killed, which closes the worker's connection to the server. On Virtuoso the query
also carries the limit as the server's own ``timeout`` (plus ``TIMEOUT_MARGIN_S``), so that
the server stops it too rather than running it to its own MaxQueryExecutionTime.

A SPARQL server speaks more than SPARQL 1.1, and some of it reaches out: Virtuoso calls its
SQL built-ins from a query (``bif:http_get(<url>)`` fetches any URL and returns the page),
and its ``DEFINE get:soft`` pragmas dereference FROM IRIs. So every query a worker forwards
is parsed by rdflib first, whichever path ``server.safety.quick_form`` let it take: it must
be SPARQL 1.1 (no DEFINE or other dialect), use no SERVICE, and call no function but the XSD
casts (the only ones pyoxigraph knows, so the embedded store answers the same queries); its
text may not mention ``bif:`` or ``sql:`` at all. The parse costs 6-15 ms per query (and,
like the embedded store's full parse, seconds for a VALUES block of tens of thousands of rows).
"""
from __future__ import annotations

from collections.abc import Mapping

from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import expandUnicodeEscapes

from kg.backends import open_store
from kg.backends.sparql_http import RemoteResultCut, RemoteStore
from server.errors import QueryRefused, QuerySyntaxError, ResultTooLarge
from server.safety import parse_checked, tree_nodes

XSD = "http://www.w3.org/2001/XMLSchema#"
EXTENSION_MARKS = ("bif:", "sql:")   # Virtuoso's SQL built-ins and procedures, by any name
TIMEOUT_MARGIN_S = 1.0
NOT_FORWARDED = ("this endpoint forwards queries to a SPARQL server and lets them call "
                 "SPARQL's own functions and the XSD casts only")


def open_remote(spec: str, timeout: float | None) -> GuardedStore:
    """The store a query worker queries: the SPARQL server named by ``spec``, told the time
    limit ``timeout`` (seconds).

    Raises:
        StoreError: the server cannot be reached.
    """
    remote: RemoteStore = open_store(spec, read_only=True).oxigraph
    if timeout:
        remote.query_timeout = timeout + TIMEOUT_MARGIN_S
    return GuardedStore(remote)


class GuardedStore:
    """A RemoteStore whose queries are checked (``check_query``) before they go out; its
    refusals and the server's are the endpoint's own errors (400)."""

    def __init__(self, remote: RemoteStore) -> None:
        self.remote = remote

    def query(self, sparql: str, *, base_iri: str | None = None,
              prefixes: Mapping[str, str] | None = None, **dataset: object):
        """``RemoteStore.query`` after ``check_query``.

        Raises:
            QuerySyntaxError: rdflib cannot parse the query, or the server refused it.
            QueryRefused: it calls a function this endpoint does not forward, or uses SERVICE.
            ResultTooLarge: the server cut the result at its row cap.
            OSError: the server cannot be reached or failed (the worker reports it, 500).
        """
        check_query(sparql, base=base_iri or "", prefixes=prefixes or {})
        try:
            return self.remote.query(sparql, base_iri=base_iri, prefixes=dict(prefixes or {}),
                                     **dataset)
        except RemoteResultCut as cut:
            if cut.cap:
                raise ResultTooLarge(f"the SPARQL store behind this endpoint returns at most "
                                     f"{cut.cap} rows; add LIMIT or narrow the query") from None
            raise
        except SyntaxError as exc:
            raise QuerySyntaxError("the SPARQL store behind this endpoint refused the query: "
                                   f"{server_message(exc)}") from None


def check_query(text: str, *, base: str, prefixes: Mapping[str, str]) -> None:
    """Refuse a query that is not plain SPARQL 1.1 or that could make the server reach out.

    Raises:
        QuerySyntaxError: rdflib cannot parse it, or it uses an undeclared prefix.
        QueryRefused: it mentions ``bif:``/``sql:``, calls a non-XSD function, or uses SERVICE.
    """
    lowered = expandUnicodeEscapes(text).lower()
    for mark in EXTENSION_MARKS:
        if mark in lowered:
            raise QueryRefused(f"'{mark}' names the SPARQL server's own built-ins, which this "
                               f"endpoint does not forward; {NOT_FORWARDED}")
    prologue, query = parse_checked(text, prefixes, update_hint=False)
    resolved = translatePrologue(prologue, base or None, dict(prefixes))
    for node in tree_nodes(query):
        if node.name == "Function":
            iri = str(resolved.absolutize(node.iri))
            if not iri.startswith(XSD):
                raise QueryRefused(f"the function <{iri}> is refused: {NOT_FORWARDED}")


def server_message(error: Exception) -> str:
    """The server's own words from a refusal, without its URL or the echoed query."""
    message = str(error).split(" refused the request: ", 1)[-1]
    return message.split("\nSPARQL query:", 1)[0].strip()[:1000]
