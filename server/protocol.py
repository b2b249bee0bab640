"""Reading an HTTP request into the one SPARQL operation it carries (SPARQL 1.1 Protocol 2.1, 2.2).

``read_operation`` is pure: it takes the method, Content-Type, raw query string
and raw body, so each protocol rule can be tested without a server. Parameters
are decoded here, once, as strict UTF-8: werkzeug would replace invalid bytes
instead of refusing them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

import pyoxigraph as ox
from werkzeug.http import parse_options_header

from server.errors import ProtocolError, UnsupportedMediaType

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
POST_TYPES = (FORM, SPARQL_QUERY, SPARQL_UPDATE)


@dataclass(frozen=True)
class Operation:
    """A query, an update, or (``kind="description"``) a request for the service description."""

    kind: Literal["query", "update", "description"]
    text: str = ""
    default_graphs: tuple[str, ...] = ()   # default-graph-uri
    named_graphs: tuple[str, ...] = ()     # named-graph-uri
    using_graphs: tuple[str, ...] = ()     # using-graph-uri and using-named-graph-uri (updates)
    format: str | None = None              # format= override of the Accept header


def read_operation(method: str, content_type: str | None, query_string: bytes,
                   body: bytes) -> Operation:
    """The operation a protocol request carries.

    Args:
        method: GET, HEAD or POST.
        content_type: the Content-Type header (POST only), or None.
        query_string: the raw bytes after ``?`` in the URL.
        body: the raw request body (POST only).

    Raises:
        ProtocolError: not valid UTF-8, a parameter repeated, query with update,
            an update by GET, a POST without an operation, an invalid graph IRI (400).
        UnsupportedMediaType: a POST body that is none of the protocol's types (415).
    """
    params = _decode_params(query_string, "the URL query string")
    if method == "POST":
        params += _body_params(content_type, body)
    queries, updates = _values(params, "query"), _values(params, "update")
    if queries and updates:
        raise ProtocolError("a request carries either a query or an update, not both")
    for name, values in (("query", queries), ("update", updates)):
        if len(values) > 1:
            raise ProtocolError(f"exactly one {name} per request, got {len(values)}")
    if updates and method != "POST":
        raise ProtocolError("SPARQL Update must be sent by POST (form update= or "
                            f"{SPARQL_UPDATE}), not by {method}")
    formats = _values(params, "format")
    if len(formats) > 1:
        raise ProtocolError(f"at most one format= per request, got {len(formats)}")
    fields = {
        "default_graphs": _iris(params, "default-graph-uri"),
        "named_graphs": _iris(params, "named-graph-uri"),
        "using_graphs": _iris(params, "using-graph-uri") + _iris(params, "using-named-graph-uri"),
        "format": formats[0] if formats else None,
    }
    if queries:
        return Operation("query", queries[0], **fields)
    if updates:
        return Operation("update", updates[0], **fields)
    if method == "POST":
        raise ProtocolError("a POST must carry a query or an update (query=, update=, "
                            f"or a {SPARQL_QUERY} / {SPARQL_UPDATE} body)")
    return Operation("description", **fields)


def read_params(query_string: bytes) -> list[tuple[str, str]]:
    """The URL's parameters, decoded as strict UTF-8 (for the other routes of the server).

    Raises:
        ProtocolError: a byte or %-escape that is not UTF-8 (400).
    """
    return _decode_params(query_string, "the URL query string")


def _body_params(content_type: str | None, body: bytes) -> list[tuple[str, str]]:
    """The parameters a POST body adds, by its Content-Type."""
    media_type, options = parse_options_header(content_type or "")
    if media_type not in POST_TYPES:
        got = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
        raise UnsupportedMediaType(f"a POST body needs one of {', '.join(POST_TYPES)}; got {got}")
    charset = options.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(f"the request body must be UTF-8, got charset={charset}")
    if media_type == FORM:
        return _decode_params(body, "the form body")
    name = "query" if media_type == SPARQL_QUERY else "update"
    try:
        return [(name, body.decode("utf-8"))]
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the {media_type} body is not valid UTF-8 "
                            f"(byte {exc.start}: {body[exc.start:exc.start + 1]!r})") from None


def _decode_params(raw: bytes, where: str) -> list[tuple[str, str]]:
    """URL-encoded pairs, refusing bytes or %-escapes that are not UTF-8."""
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(f"{where} is not valid UTF-8 (after %-decoding)") from None


def _values(params: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in params if key == name]


def _iris(params: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    """The values of ``name``, each checked to be an absolute IRI."""
    iris = _values(params, name)
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise ProtocolError(f"{name}={iri!r} is not an absolute IRI: {exc}") from None
    return tuple(iris)
