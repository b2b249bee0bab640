"""Content negotiation: which media type answers a query, from Accept or ``format=``.

A pure function over the formats tables below, following Oxigraph's rules:
q-values decide, ``*/*`` and ``type/*`` match, the server's order breaks ties,
nothing that fits gives 406 (never a silent fallback), and a header that does
not parse gives 400. Accept parsing is werkzeug's (``MIMEAccept``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.errors import MalformedAccept, NotAcceptable, UnknownFormat

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One serialisation: its ``format=`` name, media type and W3C format IRI."""

    name: str
    media_type: str
    w3c: str

    @property
    def iri(self) -> str:
        return W3C_FORMATS + self.w3c


# In order of preference: the first is the default and wins ties.
RESULT_FORMATS = (
    Format("json", "application/sparql-results+json", "SPARQL_Results_JSON"),
    Format("xml", "application/sparql-results+xml", "SPARQL_Results_XML"),
    Format("csv", "text/csv", "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", "SPARQL_Results_TSV"),
)
# CSV and TSV define no boolean result, so ASK offers only JSON and XML.
BOOLEAN_FORMATS = RESULT_FORMATS[:2]
GRAPH_FORMATS = (
    Format("ttl", "text/turtle", "Turtle"),
    Format("nt", "application/n-triples", "N-Triples"),
    Format("rdfxml", "application/rdf+xml", "RDF_XML"),
    Format("jsonld", "application/ld+json", "JSON-LD"),
    Format("trig", "application/trig", "TriG"),
    Format("nq", "application/n-quads", "N-Quads"),
)
ALL_FORMATS = RESULT_FORMATS + GRAPH_FORMATS
# Human-readable pages of dereferenced IRIs; not a SPARQL answer format, so not in ALL_FORMATS
# (the service description lists those), but ``format=html`` names it.
HTML = Format("html", "text/html", "HTML")
DATASET_FORMATS = GRAPH_FORMATS[4:]  # TriG, N-Quads: named graphs kept

FORMATS_BY_FORM: dict[str, tuple[Format, ...]] = {
    "SELECT": RESULT_FORMATS,
    "ASK": BOOLEAN_FORMATS,
    "CONSTRUCT": GRAPH_FORMATS,
    "DESCRIBE": GRAPH_FORMATS,
}

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_RANGE = re.compile(rf"\*/\*|{_TOKEN}/\*|{_TOKEN}/{_TOKEN}")


def choose_format(accept: str | None, query_form: str, format_override: str | None = None) -> str:
    """The media type to answer a ``query_form`` query with.

    Args:
        accept: the Accept header, or None when the request had none.
        query_form: SELECT, ASK, CONSTRUCT or DESCRIBE.
        format_override: a ``format=`` value (a name such as ``csv`` or a media
            type); when given, the Accept header is ignored.

    Returns:
        The chosen media type, without parameters.

    Raises:
        NotAcceptable: nothing offered for this form fits (406).
        MalformedAccept: the Accept header does not parse (400).
        UnknownFormat: ``format_override`` names no known format (400).

    >>> choose_format("text/csv;q=0.9, application/sparql-results+json;q=0.1", "SELECT")
    'text/csv'
    >>> choose_format(None, "CONSTRUCT", "nt")
    'application/n-triples'
    """
    return choose_media_type(accept, FORMATS_BY_FORM[query_form], format_override)


def choose_media_type(accept: str | None, offered: tuple[Format, ...],
                      format_override: str | None = None) -> str:
    """The media type among ``offered`` (in order of preference) that answers best.

    The rules of ``choose_format``, for any list of formats: the Graph Store
    Protocol, the dump, VoID and the resource pages (which offer ``HTML`` too).

    Raises:
        NotAcceptable, MalformedAccept, UnknownFormat: as ``choose_format``.

    >>> choose_media_type("text/html,*/*;q=0.8", (HTML,) + GRAPH_FORMATS)
    'text/html'
    >>> choose_media_type("*/*", (GRAPH_FORMATS[4], GRAPH_FORMATS[5]))
    'application/trig'
    """
    offered_types = tuple(f.media_type for f in offered)
    if format_override is not None:
        wanted = _format_named(format_override)
        if wanted not in offered:
            raise NotAcceptable(f"format={format_override}", offered_types)
        return wanted.media_type
    if accept is None or not accept.strip():
        return offered_types[0]
    best = parse_accept(accept).best_match(offered_types)
    if best is None:
        raise NotAcceptable(f"Accept: {accept}", offered_types)
    return best


def parse_accept(header: str) -> MIMEAccept:
    """Parse an Accept header, refusing what werkzeug would silently drop or misread.

    Media-range parameters other than q are dropped: every answer is UTF-8 and
    no format here has profiles, while werkzeug would refuse ``text/csv;charset=utf-8``
    as different from ``text/csv``.

    Raises:
        MalformedAccept: an item is not ``type/subtype`` or has an invalid q-value.
    """
    parsed = parse_accept_header(header, MIMEAccept)
    items = [item for item in header.split(",") if item.strip()]
    if len(parsed) != len(items):  # werkzeug drops items whose q is not a number in [0, 1]
        raise MalformedAccept(f"malformed Accept header {header!r}: a q-value is not a number "
                              f"between 0 and 1")
    ranges = []
    for value, quality in parsed:
        media_range = value.split(";", 1)[0].strip()
        if not _MEDIA_RANGE.fullmatch(media_range):
            raise MalformedAccept(f"malformed Accept header {header!r}: {media_range!r} is not "
                                  f"a media range such as text/csv, text/* or */*")
        ranges.append((media_range, quality))
    return MIMEAccept(ranges)


def _format_named(name: str) -> Format:
    """The format a ``format=`` value names, by short name or media type."""
    key = name.strip().lower()
    for fmt in (*ALL_FORMATS, HTML):
        if key in (fmt.name, fmt.media_type):
            return fmt
    raise UnknownFormat(f"unknown format={name!r}; expected one of "
                        f"{', '.join(f.name for f in ALL_FORMATS)} or their media types")
