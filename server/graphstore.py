"""The Graph Store Protocol, read side (``/data``), and the full dump (``/dump``).

``GET /data?graph=IRI`` answers one named graph, ``GET /data?default`` the
endpoint's default graph: **the union of all graphs**, as for queries
(QUERY-CONTRACT.md; the store's own default graph holds nothing of the
pipeline's). HEAD answers the same headers without a body, a graph the store
does not hold is 404, and writes (PUT, POST, DELETE) are 405: this endpoint is
read-only. ``GET /dump`` streams every quad as TriG or N-Quads.

Answers are streamed (``server.rdfio``), never built whole in memory; they
are read from the serving process's own view of the store, which needs no
query worker.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from flask import Blueprint, Response, request

from server.errors import NotFound, ProtocolError
from server.negotiation import DATASET_FORMATS, GRAPH_FORMATS, choose_media_type
from server.protocol import read_params
from server.rdfio import rdf_format, stream_quads
from server.sparql import QUERY_PREFIXES
from server.store import get_store

bp = Blueprint("graphstore", __name__)

DUMP_NAMES = {"application/trig": "newskg.trig", "application/n-quads": "newskg.nq"}


@bp.route("/data", methods=["GET", "HEAD"])
def graph_store() -> Response:
    """One graph (``?graph=IRI``) or the default graph (``?default``), in the RDF format asked for."""
    params = read_params(request.query_string)
    graphs = [value for key, value in params if key == "graph"]
    default = any(key == "default" for key, _ in params)
    if default == bool(graphs) or len(graphs) > 1:
        raise ProtocolError("name one graph: /data?default (the union of all graphs) or "
                            "/data?graph=<absolute IRI>; /dump has the whole dataset")
    media_type = choose_media_type(request.headers.get("Accept"), GRAPH_FORMATS,
                                   _format_param(params))
    store = get_store().oxigraph
    graph: ox.NamedNode | None = None
    if graphs:
        graph = _graph_node(graphs[0])
        if not store.contains_named_graph(graph):
            raise NotFound(f"no graph <{graph.value}> in this store; list the graphs with "
                           "SELECT DISTINCT ?g { GRAPH ?g {} }")
    quads = _as_default_graph(store.quads_for_pattern(None, None, None, graph))
    body = stream_quads(quads, rdf_format(media_type), QUERY_PREFIXES)
    return Response(body, mimetype=media_type, headers={"Vary": "Accept"})


@bp.route("/dump", methods=["GET", "HEAD"])
def dump() -> Response:
    """Every quad of the store, named graphs kept, as TriG (default) or N-Quads."""
    params = read_params(request.query_string)
    media_type = choose_media_type(request.headers.get("Accept"), DATASET_FORMATS,
                                   _format_param(params))
    store = get_store().oxigraph
    body = stream_quads(store.quads_for_pattern(None, None, None, None), rdf_format(media_type),
                        QUERY_PREFIXES)
    return Response(body, mimetype=media_type, headers={
        "Vary": "Accept",
        "Content-Disposition": f"attachment; filename={DUMP_NAMES[media_type]}"})


def _format_param(params: list[tuple[str, str]]) -> str | None:
    formats = [value for key, value in params if key == "format"]
    if len(formats) > 1:
        raise ProtocolError(f"at most one format= per request, got {len(formats)}")
    return formats[0] if formats else None


def _graph_node(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise ProtocolError(f"graph={iri!r} is not an absolute IRI: {exc}") from None


def _as_default_graph(quads: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
    """The quads' triples as one graph: TriG and N-Quads then write a graph, not a dataset."""
    for quad in quads:
        yield ox.Quad(quad.subject, quad.predicate, quad.object)
