"""The endpoint's errors and the one table that maps them to HTTP status codes.

Every error a request can run into is raised as one of the classes below (or a
werkzeug ``HTTPException`` for routing and body-size errors) and turned into a
``text/plain`` answer here. Messages say what was found and what was expected;
nothing else is ever sent, so no traceback or file path reaches a client.
Unexpected exceptions are logged with their traceback and answered with 500.

Status choices that are this project's, not the SPARQL Protocol's:
a query that runs past ``QUERY_TIMEOUT`` is stopped and answered **503**
(the service would not finish it; a narrower query may succeed), and so is a
query that waited that long for a free worker; a result larger than
``MAX_RESULT_BYTES`` is **400** (the client must narrow the query or add LIMIT).
"""
from __future__ import annotations

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from kg.errors import KGError, QueryError, StoreError


class EndpointError(KGError):
    """Base class of the errors a SPARQL request can be answered with."""


class ProtocolError(EndpointError):
    """A request that breaks the SPARQL 1.1 Protocol (parameters, encoding, method)."""


class QuerySyntaxError(EndpointError):
    """A query or update that does not parse; the message is the parser's."""


class QueryRefused(EndpointError):
    """A well-formed operation this endpoint does not run (SERVICE, LOAD, remote FROM)."""


class ResultTooLarge(EndpointError):
    """A result that would be larger than ``MAX_RESULT_BYTES``."""


class MalformedAccept(EndpointError):
    """An Accept header that cannot be parsed."""


class UnknownFormat(EndpointError):
    """A ``format=`` value that names no format this endpoint knows."""


class NotAcceptable(EndpointError):
    """No offered media type fits the client's Accept header or ``format=``."""

    def __init__(self, wanted: str, offered: tuple[str, ...]) -> None:
        self.offered = offered
        super().__init__(f"no offered media type fits {wanted}; "
                         f"this operation can be answered as: {', '.join(offered)}")


class NotFound(EndpointError):
    """A graph (Graph Store Protocol) or an IRI (dereferencing) this store has no triples of."""


class UnsupportedMediaType(EndpointError):
    """A POST body whose Content-Type is not one the protocol allows."""


class UpdateForbidden(EndpointError):
    """An update on an endpoint where updates are disabled, or with a wrong token."""


class UpdateUnauthorized(EndpointError):
    """An update without a bearer token, on an endpoint that requires one."""


class QueryTimeout(EndpointError):
    """A query stopped at the time limit, or no worker became free in time."""


class WorkerFailure(EndpointError):
    """A query worker that died or failed unexpectedly (logged; the client sees 500)."""


class ServerConfigError(KGError):
    """A server setting the endpoint cannot run with (raised by create_app, not per request)."""


# Looked up along the exception's MRO, so a subclass maps like its parent unless listed.
STATUS: dict[type[Exception], int] = {
    ProtocolError: 400,
    QuerySyntaxError: 400,
    QueryRefused: 400,
    QueryError: 400,
    ResultTooLarge: 400,
    MalformedAccept: 400,
    UnknownFormat: 400,
    UpdateUnauthorized: 401,
    UpdateForbidden: 403,
    NotFound: 404,
    NotAcceptable: 406,
    UnsupportedMediaType: 415,
    StoreError: 500,
    WorkerFailure: 500,
    QueryTimeout: 503,
}

INTERNAL_ERROR = "the server failed while answering this request; the error has been logged"


def status_of(error: Exception) -> int:
    """The HTTP status for ``error``: the first class of its MRO in ``STATUS``, else 500."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def plain(status: int, message: str) -> Response:
    return Response(f"{message}\n", status=status, mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Register the handlers that turn every error into a plain-text answer."""

    @app.errorhandler(KGError)
    def handle_known(error: KGError) -> Response:
        status = status_of(error)
        if status >= 500 and not isinstance(error, QueryTimeout):
            # Store and worker messages may name files: log them, tell the client less.
            app.logger.error("%s while answering: %s", type(error).__name__, error)
            return plain(status, INTERNAL_ERROR)
        response = plain(status, str(error))
        if isinstance(error, UpdateUnauthorized):
            response.headers["WWW-Authenticate"] = 'Bearer realm="newskg"'
        return response

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Response:
        response = error.get_response()  # keeps headers such as Allow on a 405
        response.set_data(f"{error.code} {error.name}: {error.description}\n")
        response.mimetype = "text/plain"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        app.logger.exception("unexpected error while answering a request")
        return plain(500, INTERNAL_ERROR)
