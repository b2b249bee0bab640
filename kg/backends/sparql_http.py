"""A store on any SPARQL 1.1 Query + Update server (Virtuoso, Fuseki, GraphDB, Oxigraph …).

``SparqlStore`` is a ``KGStore`` whose database is ``RemoteStore``: an object with the
part of pyoxigraph's ``Store`` API that newskg uses (``query``, ``update``, ``dump``,
``named_graphs``, ``contains_named_graph``, ``len``), answered over HTTP. So the build, the
cross-source layer, export and the endpoint's query workers run unchanged on it, with the
same layout: one named graph per article, the entity graph, the ontology graph.

Settings, in the URL's query string: ``sparql+http://HOST:PORT/sparql`` uses
``/sparql`` for queries and updates; ``?update=/update`` names another update path and
``?user=U&password=P`` adds HTTP digest/basic credentials. The server must answer
queries without FROM over the union of its named graphs (Virtuoso and GraphDB do; Fuseki
needs ``tdb2:unionDefaultGraph true``; Oxigraph ``--union-default-graph``).

Atomicity is the server's: each article is still one SPARQL Update request
(drop, delete the touched records, insert), which Virtuoso runs in one transaction.
"""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import IO

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.store import KGStore

TIMEOUT_S = 300.0
_RESULTS_JSON = "application/sparql-results+json"


class RemoteStore:
    """pyoxigraph's Store API, the parts newskg uses, over the SPARQL 1.1 Protocol."""

    def __init__(self, url: str, update_url: str | None = None, user: str | None = None,
                 password: str | None = None) -> None:
        self.url = url
        self.update_url = update_url or url
        handlers: list[urllib.request.BaseHandler] = []
        if user:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, self.url, user, password or "")
            manager.add_password(None, self.update_url, user, password or "")
            handlers += [urllib.request.HTTPDigestAuthHandler(manager),
                         urllib.request.HTTPBasicAuthHandler(manager)]
        self._opener = urllib.request.build_opener(*handlers)

    # ------------------------------------------------------------ protocol

    def _post(self, url: str, form: list[tuple[str, str]], accept: str) -> tuple[bytes, str]:
        body = urllib.parse.urlencode(form).encode("utf-8")
        request = urllib.request.Request(url, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        try:
            with self._opener.open(request, timeout=TIMEOUT_S) as response:
                return response.read(), response.headers.get("Content-Type", "")
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
        a list of ``ox.Triple``.

        The server's default graph is taken to be the union of its graphs (see the module
        note); ``default_graph`` and ``named_graphs`` become protocol dataset parameters.
        """
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        if base_iri:
            head = f"BASE <{base_iri}>\n" + head
        form = [("query", head + sparql)]
        for graph in _graph_list(default_graph):
            form.append(("default-graph-uri", graph))
        for graph in _graph_list(named_graphs):
            form.append(("named-graph-uri", graph))
        data, media = self._post(self.url, form,
                                 f"{_RESULTS_JSON}, application/n-triples;q=0.9, "
                                 "text/turtle;q=0.8")
        if "sparql-results+json" in media or data.lstrip().startswith(b"{"):
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        # N-Triples is Turtle; servers differ in which of the two they send.
        return [triple for triple in ox.parse(data, format=ox.RdfFormat.TURTLE)]

    def update(self, sparql: str) -> None:
        self._post(self.update_url, [("update", sparql)], "*/*")

    def bulk_load(self, input: bytes, format: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> None:
        """Insert a chunk of N-Quads with one update, graph by graph (what
        ``KGStore.bulk_load`` hands over). INSERT … WHERE {} rather than INSERT DATA,
        because Virtuoso refuses blank nodes in INSERT DATA."""
        graphs: dict[str, list[ox.Triple]] = {}
        for quad in ox.parse(input, format=format):
            name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
            graphs.setdefault(name, []).append(ox.Triple(quad.subject, quad.predicate,
                                                         quad.object))
        parts = []
        for name, triples in graphs.items():
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
            parts.append(f"GRAPH <{name}> {{\n{body}}}" if name else body)
        if parts:
            self.update("INSERT {\n" + "\n".join(parts) + "\n} WHERE { }")

    # ------------------------------------------------------------ store API

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        for solution in self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"):
            if isinstance(solution["g"], ox.NamedNode):
                yield solution["g"]

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self.query(f"ASK {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"))

    def quads(self, from_graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """Every quad of the named graphs (or of one graph)."""
        if from_graph is not None:
            for t in self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{from_graph.value}> "
                                "{ ?s ?p ?o } }"):
                yield ox.Quad(t.subject, t.predicate, t.object, from_graph)
            return
        for graph in list(self.named_graphs()):
            yield from self.quads(graph)

    def dump(self, output: IO[bytes] | str | None = None, format: ox.RdfFormat | None = None,
             *, from_graph: ox.NamedNode | None = None, prefixes: dict | None = None
             ) -> bytes | None:
        quads = list(self.quads(from_graph))
        if format in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
            items = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        else:
            items = quads
        if output is None:
            return ox.serialize(items, format=format)
        ox.serialize(items, output, format=format)
        return None

    def __len__(self) -> int:
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
        return int(rows[0]["n"].value) if rows else 0

    def flush(self) -> None:
        """Nothing to flush: every update is committed by the server."""


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

        used = {p: str(ns) for p, ns in PREFIXES.items() if f"{p}:" in sparql}
        try:
            return self._store.query(sparql, prefixes=used)
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
