"""A store on any SPARQL 1.1 Query + Update server (Virtuoso, Fuseki, GraphDB, Oxigraph …).

``SparqlStore`` is a ``KGStore`` whose database is ``RemoteStore``: an object with the
part of pyoxigraph's ``Store`` API that newskg uses (``query``, ``update``, ``dump``,
``quads_for_pattern``, ``named_graphs``, ``contains_named_graph``, ``len``), answered over
HTTP. So the build, the cross-source layer, export and the endpoint (its query workers,
``/data``, ``/dump``, VoID and the pages) run unchanged on it, with the same layout: one
named graph per article, the entity graph, the ontology graph.

Settings, in the URL's query string: ``sparql+http://HOST:PORT/sparql`` uses
``/sparql`` for queries and updates; ``?update=/update`` names another update path and
``?user=U&password=P`` adds HTTP digest/basic credentials. The server must answer
queries without FROM over the union of its named graphs (Virtuoso and GraphDB do; Fuseki
needs ``tdb2:unionDefaultGraph true``; Oxigraph ``--union-default-graph``).

What the store reads as its named graphs leaves out the graphs a server keeps for itself
(Virtuoso's ``virtrdf#`` and ``ldp#``, any graph describing an ``sd:Service``); queries
sent through ``query`` still see them in the server's union default graph.

Server quirks handled here, found on Virtuoso 7.2: blank nodes come back in JSON results
as ``nodeID://b123`` (renamed ``b123``, and written ``<nodeID://b123>`` when a pattern
names one again); a CONSTRUCT asked for with JSON first is answered as a SELECT, so the
query form picks the Accept header; BASE may only come first, once; a result cut by the
server (its ``ResultSetMaxRows``, reported in ``X-SPARQL-MaxRows``, or its ``timeout``
reported as ``X-SQL-State``) is an error, never a silent partial answer. Reads of whole
graphs are paged, so that row cap never cuts them.

Atomicity is the server's: each article is still one SPARQL Update request
(drop, delete the touched records, insert), which Virtuoso runs in one transaction.
"""
from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from email.message import Message
from typing import IO, TypeVar

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.store import KGStore

TIMEOUT_S = 300.0
T = TypeVar("T")
UPDATE_TRIPLES = 1000   # per bulk-load update (Virtuoso refuses updates past ~10k SQL lines)
PAGE_ROWS = 10_000        # rows per request when a read is paged
_RESULTS_JSON = "application/sparql-results+json"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
# Graphs Virtuoso keeps for itself (its RDF views, the LDP vocabulary).
SERVER_GRAPHS = frozenset({"http://www.openlinksw.com/schemas/virtrdf#",
                           "http://www.w3.org/ns/ldp#"})
SD_SERVICE = "http://www.w3.org/ns/sparql-service-description#Service"
_IRIREF = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_DECLARATION = re.compile(rf"\s+|#[^\n]*(?:\n|$)|(BASE)\s*{_IRIREF}|"
                          rf"PREFIX\s*([^\s:<>#]*):\s*{_IRIREF}", re.IGNORECASE)
_FORM = re.compile(r"(?<![\w:?$])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:-])", re.IGNORECASE)
_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\s*(?:OFFSET\s+\d+\s*)?$|\bOFFSET\s+\d+\s+LIMIT\s+(\d+)\s*$",
                    re.IGNORECASE)
_VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')


class RemoteResultCut(OSError):
    """The server answered with part of the result only: ``cap`` rows (its row cap), or
    (``cap`` None) what it had found at its time limit."""

    def __init__(self, message: str, cap: int | None = None) -> None:
        super().__init__(message)
        self.cap = cap


def update_pieces(items: list[T], has_blank: Callable[[T], bool], size: int | None = None
                  ) -> list[list[T]]:
    """``items`` (triples or their lines) in pieces of at most ``size`` (``UPDATE_TRIPLES``
    unless given), one update (or load) each, except that the items with a blank node make
    one piece together: a blank node names one node only within one request."""
    size = size or UPDATE_TRIPLES
    plain = [item for item in items if not has_blank(item)]
    blank = [item for item in items if has_blank(item)]
    pieces = [plain[i:i + size] for i in range(0, len(plain), size)]
    return pieces + ([blank] if blank else [])


class RemoteStore:
    """pyoxigraph's Store API, the parts newskg uses, over the SPARQL 1.1 Protocol.

    ``timeout`` bounds each HTTP request; ``query_timeout`` (seconds), when set, is sent to a
    Virtuoso server as its own ``timeout`` for each query, so that a query abandoned by the
    caller does not run on there.
    """

    def __init__(self, url: str, update_url: str | None = None, user: str | None = None,
                 password: str | None = None, *, timeout: float = TIMEOUT_S,
                 query_timeout: float | None = None) -> None:
        self.url = url
        self.update_url = update_url or url
        self.timeout = timeout
        self.query_timeout = query_timeout
        self.server = ""          # the Server header of the last answer
        self._server_graphs: frozenset[str] | None = None
        handlers: list[urllib.request.BaseHandler] = []
        if user:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, self.url, user, password or "")
            manager.add_password(None, self.update_url, user, password or "")
            handlers += [urllib.request.HTTPDigestAuthHandler(manager),
                         urllib.request.HTTPBasicAuthHandler(manager)]
        self._opener = urllib.request.build_opener(*handlers)

    @property
    def is_virtuoso(self) -> bool:
        return "virtuoso" in self.server.lower()

    # ------------------------------------------------------------ protocol

    def _post(self, url: str, form: list[tuple[str, str]], accept: str
              ) -> tuple[bytes, str, Message]:
        body = urllib.parse.urlencode(form).encode("utf-8")
        request = urllib.request.Request(url, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                self.server = response.headers.get("Server", "")
                if response.headers.get("X-SQL-State"):
                    raise RemoteResultCut(
                        f"{url} stopped the query and sent part of its result only: "
                        f"{response.headers.get('X-SQL-State')} "
                        f"{(response.headers.get('X-SQL-Message') or '')[:300]}")
                return response.read(), response.headers.get("Content-Type", ""), \
                    response.headers
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:2000]
            if exc.code == 400:
                raise SyntaxError(f"{url} refused the request: {detail}") from exc
            raise OSError(f"{url} answered {exc.code}: {detail}") from exc
        except urllib.error.URLError as exc:
            raise OSError(f"cannot reach {url}: {exc.reason}") from exc

    def query(self, sparql: str, *, use_default_graph_as_union: bool = True,
              prefixes: dict[str, str] | None = None, base_iri: str | None = None,
              default_graph=None, named_graphs=None):
        """SELECT/ASK as ``ox.QuerySolutions``/``ox.QueryBoolean``; CONSTRUCT/DESCRIBE as
        ``ox.QueryTriples``, as pyoxigraph answers.

        The server's default graph is taken to be the union of its graphs (see the module
        note; ``use_default_graph_as_union`` is not sent); ``default_graph`` and
        ``named_graphs`` become protocol dataset parameters.

        Raises:
            SyntaxError: the server refused the query (400).
            OSError: the server cannot be reached, failed, or cut the result.
        """
        text, form = _with_prologue(sparql, prefixes, base_iri)
        form_params = [("query", text)]
        for graph in _graph_list(default_graph):
            form_params.append(("default-graph-uri", graph))
        for graph in _graph_list(named_graphs):
            form_params.append(("named-graph-uri", graph))
        if self.query_timeout and self.is_virtuoso:
            form_params.append(("timeout", str(int(self.query_timeout * 1000))))
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        data, media, headers = self._post(self.url, form_params,
                                          _GRAPH_ACCEPT if graph_form else _RESULTS_JSON)
        cap = _cap(headers.get("X-SPARQL-MaxRows"))
        if cap is not None and not _limited_to(text, cap):
            raise RemoteResultCut(f"the SPARQL store returns at most {cap} rows, and this "
                                  "result has more", cap)
        if graph_form or not ("json" in media or data.lstrip().startswith(b"{")):
            return _query_triples(data, base_iri)
        if b"nodeID://" in data:
            data = _VIRTUOSO_BNODE.sub(rb"\1", data)
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)

    def update(self, sparql: str, *, base_iri: str | None = None,
               prefixes: dict[str, str] | None = None) -> None:
        if base_iri or prefixes:
            sparql, _ = _with_prologue(sparql, prefixes, base_iri)
        self._post(self.update_url, [("update", sparql)], "*/*")

    def bulk_load(self, input: bytes, format: ox.RdfFormat = ox.RdfFormat.N_QUADS,
                  lenient: bool = False) -> None:
        """Insert a chunk of N-Quads (what ``KGStore.bulk_load`` hands over) in updates of at
        most ``UPDATE_TRIPLES`` triples: Virtuoso refuses an update whose SQL grows past
        10,000 lines. Triples with blank nodes go in one update, since a blank node names
        one node only within one request. INSERT … WHERE {} rather than INSERT DATA,
        because Virtuoso refuses blank nodes in INSERT DATA."""
        quads = list(ox.parse(input, format=format, lenient=lenient))
        for piece in update_pieces(quads, lambda q: isinstance(
                q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)):
            self._insert(piece)

    def _insert(self, quads: list[ox.Quad]) -> None:
        """One INSERT … WHERE {} update of ``quads``, graph by graph."""
        graphs: dict[str, list[ox.Triple]] = {}
        for quad in quads:
            name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
            graphs.setdefault(name, []).append(ox.Triple(quad.subject, quad.predicate,
                                                         quad.object))
        parts = []
        for name, triples in graphs.items():
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
            parts.append(f"GRAPH <{name}> {{\n{body}}}" if name else body)
        if parts:
            self.update("INSERT {\n" + "\n".join(parts) + "\n} WHERE { }")

    # ------------------------------------------------------------ reads

    def _rows(self, select: str, order: str) -> Iterator[ox.QuerySolution]:
        """Every solution of ``select`` (no LIMIT/ORDER BY of its own), paged: one request
        when the answer fits in a page, else pages ordered by ``order``, no larger than the
        server's row cap, so that the cap (or an unstable order) never loses or repeats a row."""
        page = PAGE_ROWS
        try:
            first = list(self.query(f"{select}\nLIMIT {page}"))
            if len(first) < page:
                yield from first
                return
        except RemoteResultCut as cut:
            if not cut.cap:
                raise
            page = cut.cap
        offset = 0
        while True:
            rows = list(self.query(f"{select}\nORDER BY {order}\nLIMIT {page} OFFSET {offset}"))
            yield from rows
            if len(rows) < page:
                return
            offset += page

    def _term(self, term: object) -> str | None:
        """A term as SPARQL writes it; a blank node only where the server can name it."""
        if isinstance(term, ox.BlankNode):
            return f"<nodeID://{term.value}>" if self.is_virtuoso else None
        return str(term)

    def quads_for_pattern(self, subject=None, predicate=None, object=None,
                          graph_name=None) -> Iterator[ox.Quad]:
        """The quads of the named graphs matching the pattern (None matches anything), read
        lazily. ``ox.DefaultGraph()`` matches nothing: the server's default graph is the
        union of its named graphs. A blank node matches only on Virtuoso, which can name it."""
        if isinstance(graph_name, ox.DefaultGraph):
            return
        if subject is None and predicate is None and object is None and graph_name is None:
            for graph in list(self.named_graphs()):   # graph by graph: small, unordered reads
                yield from self.quads_for_pattern(graph_name=graph)
            return
        written: dict[str, str] = {}
        for name, term in (("s", subject), ("p", predicate), ("o", object), ("g", graph_name)):
            if term is not None:
                text = self._term(term)
                if text is None:
                    return
                written[name] = text
        variables = [name for name in "gspo" if name not in written]
        slot = {name: written.get(name, f"?{name}") for name in "gspo"}
        pattern = f"GRAPH {slot['g']} {{ {slot['s']} {slot['p']} {slot['o']} }}"
        if not variables:
            if self.query(f"ASK {{ {pattern} }}"):
                yield ox.Quad(subject, predicate, object, graph_name)
            return
        hidden = self.server_graphs() if graph_name is None else frozenset()
        select = f"SELECT {' '.join('?' + v for v in variables)} WHERE {{ {pattern} }}"
        for row in self._rows(select, " ".join("?" + v for v in variables)):
            graph = graph_name if graph_name is not None else row["g"]
            if graph.value in hidden:
                continue
            yield ox.Quad(subject if subject is not None else row["s"],
                          predicate if predicate is not None else row["p"],
                          object if object is not None else row["o"], graph)

    def server_graphs(self) -> frozenset[str]:
        """The graphs the server keeps for itself, not the dataset's (read once)."""
        if self._server_graphs is None:
            described = {row["g"].value for row in self.query(
                f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s a <{SD_SERVICE}> }} }} GROUP BY ?g")}
            self._server_graphs = SERVER_GRAPHS | described
        return self._server_graphs

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        hidden = self.server_graphs()
        # GROUP BY rather than DISTINCT: Virtuoso 7.2 answers it in ms rather than a second.
        for solution in self._rows("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                                   "?g"):
            graph = solution["g"]
            if isinstance(graph, ox.NamedNode) and graph.value not in hidden:
                yield graph

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        if graph.value in self.server_graphs():
            return False
        return bool(self.query(f"ASK {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"))

    def quads(self, from_graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """Every quad of the named graphs (or of one graph)."""
        return self.quads_for_pattern(graph_name=from_graph)

    def dump(self, output: IO[bytes] | str | None = None, format: ox.RdfFormat | None = None,
             *, from_graph: ox.NamedNode | None = None, prefixes: dict | None = None
             ) -> bytes | None:
        quads = self.quads(from_graph)
        items: Iterator[ox.Quad | ox.Triple] = quads
        if format in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
            items = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        if output is None:
            return ox.serialize(items, format=format, prefixes=prefixes)
        ox.serialize(items, output, format=format, prefixes=prefixes)
        return None

    def __len__(self) -> int:
        hidden = ", ".join(f"<{g}>" for g in sorted(self.server_graphs()))
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                               f"FILTER(?g NOT IN ({hidden})) }}"))
        return int(rows[0]["n"].value) if rows else 0

    def flush(self) -> None:
        """Nothing to flush: every update is committed by the server."""


def _with_prologue(sparql: str, prefixes: Mapping[str, str] | None,
                   base_iri: str | None) -> tuple[str, str | None]:
    """``sparql`` with ``base_iri`` and the ``prefixes`` it uses but does not declare, and its
    form (SELECT, ASK, CONSTRUCT, DESCRIBE, or None for an update or an unknown form).

    BASE goes first (Virtuoso allows one BASE, before any PREFIX) unless the query has its
    own; the prefixes go after the query's own declarations, which they never override."""
    position, has_base, declared = 0, False, set()
    while (found := _DECLARATION.match(sparql, position)) and found.end() > position:
        if found.group(1):
            has_base = True
        elif found.group(2) is not None:
            declared.add(found.group(2))
        position = found.end()
    form = _FORM.match(sparql, position) or _FORM.search(sparql, position)
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in (prefixes or {}).items()
             if p not in declared and f"{p}:" in sparql]
    head = f"BASE <{base_iri}>\n" if base_iri and not has_base else ""
    middle = "\n" + "\n".join(lines) + "\n" if lines else ""
    text = head + sparql[:position] + middle + sparql[position:]
    return text, form.group(1).upper() if form else None


def _cap(header: str | None) -> int | None:
    try:
        return int(header) if header else None
    except ValueError:
        return 0


def _limited_to(sparql: str, cap: int) -> bool:
    """Whether the query ends with a LIMIT of at most ``cap`` (Virtuoso reports its cap
    whenever a result reaches it, also when the query's own LIMIT stopped it there)."""
    found = _LIMIT.search(sparql)
    return found is not None and int(found.group(1) or found.group(2)) <= cap


def _query_triples(data: bytes, base_iri: str | None) -> ox.QueryTriples:
    """N-Triples or Turtle as pyoxigraph's own CONSTRUCT answer (which
    ``ox.serialize`` and the endpoint's workers take), through an in-memory store.
    Blank-node labels are kept, so they match the server's in later patterns."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object)   # Store.load would rename them
                   for t in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=base_iri))
    return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")


def _graph_list(graphs) -> list[str]:
    if graphs is None:
        return []
    if isinstance(graphs, (ox.NamedNode, str)):
        graphs = [graphs]
    return [g.value if isinstance(g, ox.NamedNode) else str(g) for g in graphs]


class SparqlStore(KGStore):
    """A KGStore whose data lives on a SPARQL 1.1 server."""

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        parts = urllib.parse.urlsplit(url)
        options = dict(urllib.parse.parse_qsl(parts.query))
        endpoint = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        update = options.get("update")
        update_url = urllib.parse.urljoin(endpoint, update) if update else endpoint
        self.path = None
        self.url = endpoint
        self.spec = f"sparql+{url}"   # the store setting, options included (open_store takes it)
        self.read_only = read_only
        self._store = RemoteStore(endpoint, update_url, options.get("user"),
                                  options.get("password"))
        try:
            self._store.query("ASK { }")
        except (OSError, SyntaxError) as exc:
            raise StoreError(f"cannot open the SPARQL store at {endpoint}: {exc}") from exc

    def close(self) -> None:
        """Nothing to release: each request is its own connection."""

    def query(self, sparql: str, *, union: bool = True):
        from kg.namespaces import PREFIXES

        try:
            return self._store.query(sparql, prefixes={p: str(ns) for p, ns in PREFIXES.items()})
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(str(exc)) from exc

    def put_graph(self, graph_iri: str, graph) -> None:
        """Replace a named graph in one update; INSERT … WHERE {} rather than INSERT DATA,
        because Virtuoso refuses blank nodes (the ontology's OWL lists) in INSERT DATA."""
        payload = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
        try:
            self._store.update(f"DROP SILENT GRAPH <{graph_iri}> ;\n"
                               f"INSERT {{ GRAPH <{graph_iri}> {{\n{payload}\n}} }} WHERE {{ }}")
        except (OSError, SyntaxError) as exc:
            raise StoreError(f"cannot write graph <{graph_iri}> to {self.url}: {exc}") from exc
