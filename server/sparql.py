"""The /sparql endpoint: SPARQL 1.1 Protocol queries, guarded updates, the service description."""
from __future__ import annotations

import hmac

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request, url_for

from kg.namespaces import PREFIXES
from server.description import PREFIXES as SD_PREFIXES
from server.description import service_description
from server.errors import (ProtocolError, QuerySyntaxError, UpdateForbidden,
                           UpdateUnauthorized)
from server.negotiation import choose_format
from server.protocol import Operation, read_operation
from server.safety import ParsedQuery, check_update, quick_form, refuse_unknown_graphs
from server.store import backend
from server.workers import ParseJob, QueryJob

bp = Blueprint("sparql", __name__)

QUERY_PREFIXES = {prefix: str(ns) for prefix, ns in PREFIXES.items()}


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer one protocol request: a query, an update, or (GET alone) the service description."""
    body = request.get_data(cache=False) if request.method == "POST" else b""
    operation = read_operation(request.method, request.headers.get("Content-Type"),
                               request.query_string, body)
    if operation.kind == "query":
        return run_query(operation)
    if operation.kind == "update":
        return run_update(operation)
    return describe_service(operation)


def run_query(operation: Operation) -> Response:
    """Check and negotiate in this process, evaluate in a worker: one round trip for most
    queries, two for those that need the full parse first (``server.safety.quick_form``)."""
    config = current_app.config
    form = quick_form(operation.text)
    if form is not None:
        parsed = ParsedQuery(form, (), ())
    else:
        parsed = parse_query(operation.text, base=config["BASE_IRI"], prefixes=QUERY_PREFIXES)
    media_type = choose_format(request.headers.get("Accept"), parsed.form, operation.format)
    job = QueryJob(operation.text, media_type, config["BASE_IRI"], QUERY_PREFIXES,
                   config["MAX_RESULT_BYTES"], **dataset_of(operation, parsed),
                   checked=form is None)
    result = backend().pool.run(job, config["QUERY_TIMEOUT"])
    return Response(result, mimetype=media_type, headers={"Vary": "Accept"})


def parse_query(text: str, *, base: str, prefixes: dict[str, str]) -> ParsedQuery:
    """``server.safety.parse_query`` in a query worker, stopped at the time limit like a query
    (rdflib takes seconds to parse some large queries; this thread must not)."""
    return backend().pool.run(ParseJob(text, base, prefixes), current_app.config["QUERY_TIMEOUT"])


def dataset_of(operation: Operation, parsed: ParsedQuery) -> dict[str, object]:
    """The dataset arguments of a query (SPARQL 1.1 Protocol 2.1.4).

    A protocol dataset overrides the query's FROM: the default graph is the
    default-graph-uri graphs, else the union of the named-graph-uri graphs; the
    named graphs are exactly the named-graph-uri graphs. Without one, FROM and
    FROM NAMED apply when they name local graphs; without those either, the
    default graph is the union of all graphs.
    """
    if operation.default_graphs or operation.named_graphs:
        return {"union": False,
                "default_graphs": operation.default_graphs or operation.named_graphs,
                "named_graphs": operation.named_graphs}
    if parsed.has_dataset:
        store = backend().store.oxigraph

        def is_local(iri: str) -> bool:
            return store.contains_named_graph(ox.NamedNode(iri))

        refuse_unknown_graphs(parsed.from_graphs, is_local, "FROM")
        refuse_unknown_graphs(parsed.from_named_graphs, is_local, "FROM NAMED")
        return {"union": False}
    return {"union": True}


def run_update(operation: Operation) -> Response:
    """Run an update when updates are enabled and the bearer token matches; else 401/403."""
    config = current_app.config
    if not config["ENABLE_UPDATE"]:
        raise UpdateForbidden("SPARQL Update is disabled on this endpoint")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UpdateUnauthorized("SPARQL Update needs an 'Authorization: Bearer <token>' header")
    if not hmac.compare_digest(token.strip().encode(), config["UPDATE_TOKEN"].encode()):
        raise UpdateForbidden("the bearer token is not valid for SPARQL Update")
    if operation.using_graphs:
        raise ProtocolError("using-graph-uri and using-named-graph-uri are not supported; "
                            "put USING / USING NAMED in the update itself")
    check_update(operation.text)
    served = backend()
    with served.update_lock:
        try:
            served.store.oxigraph.update(operation.text, base_iri=config["BASE_IRI"],
                                         prefixes=QUERY_PREFIXES)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL Update syntax error: {exc}") from None
        served.store.flush()
        served.changed()  # workers hold snapshots: replace them; recount VoID
    return Response(status=204)


def describe_service(operation: Operation) -> Response:
    """The service description, in the RDF format the client accepts."""
    media_type = choose_format(request.headers.get("Accept"), "DESCRIBE", operation.format)
    triples = service_description(url_for("sparql.endpoint", _external=True),
                                  update=current_app.config["ENABLE_UPDATE"],
                                  void=url_for("void.description", _external=True))
    body = ox.serialize(triples, format=ox.RdfFormat.from_media_type(media_type),
                        prefixes=SD_PREFIXES)
    return Response(body, mimetype=media_type, headers={"Vary": "Accept"})
