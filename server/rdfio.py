"""Serialising quads as a stream of byte chunks, for answers too large to build in memory.

N-Triples, N-Quads, Turtle and TriG are written in batches: each batch is a
complete document, and the batches concatenated are still one valid document
(prefixes are declared by the first batch only; later batches write full IRIs,
and a subject or graph block may recur). RDF/XML and JSON-LD cannot be cut
that way: they are written to a spooled temporary file (in memory up to
``SPOOL_BYTES``, on disk past it) and read back in chunks.

A triple format (Turtle, N-Triples, RDF/XML) writes each quad's triple: a
triple found in several graphs is written once per graph, which parsers merge
(an RDF graph is a set).
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice

import pyoxigraph as ox

BATCH_QUADS = 5_000
CHUNK_BYTES = 64 * 1024
SPOOL_BYTES = 8 * 1024 * 1024
CONCATENABLE = frozenset({ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS, ox.RdfFormat.TURTLE,
                          ox.RdfFormat.TRIG})
PREFIXED = frozenset({ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML,
                      ox.RdfFormat.JSON_LD})


def rdf_format(media_type: str) -> ox.RdfFormat:
    """The pyoxigraph format of a media type that negotiation chose."""
    return ox.RdfFormat.from_media_type(media_type)


def stream_quads(quads: Iterable[ox.Quad], fmt: ox.RdfFormat,
                 prefixes: Mapping[str, str] | None = None) -> Iterator[bytes]:
    """Serialise ``quads`` lazily as ``fmt``, yielding chunks of bytes.

    Quads are read from ``quads`` only as the chunks are consumed (except for
    RDF/XML and JSON-LD, see the module docstring). A triple format gets the
    quads' triples, their graph dropped.

    >>> q = ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"))
    >>> b"".join(stream_quads([q], ox.RdfFormat.N_TRIPLES))
    b'<http://e/s> <http://e/p> "o" .\\n'
    """
    items: Iterator[ox.Quad | ox.Triple] = iter(quads)
    if not fmt.supports_datasets:
        items = (quad.triple for quad in items)
    declared = dict(prefixes) if prefixes and fmt in PREFIXED else None
    if fmt in CONCATENABLE:
        yield from _batches(items, fmt, declared)
    else:
        yield from _spooled(items, fmt, declared)


def _batches(items: Iterator[ox.Quad | ox.Triple], fmt: ox.RdfFormat,
             prefixes: dict[str, str] | None) -> Iterator[bytes]:
    first = True
    while batch := list(islice(items, BATCH_QUADS)):
        yield ox.serialize(batch, format=fmt, prefixes=prefixes if first else None)
        first = False
    if first and prefixes:  # an empty answer still declares its prefixes
        yield ox.serialize([], format=fmt, prefixes=prefixes)


def _spooled(items: Iterator[ox.Quad | ox.Triple], fmt: ox.RdfFormat,
             prefixes: dict[str, str] | None) -> Iterator[bytes]:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        ox.serialize(items, spool, format=fmt, prefixes=prefixes)
        spool.seek(0)
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
