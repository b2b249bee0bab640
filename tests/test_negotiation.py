"""choose_format: a (header, query form, expected) table, like rdflib-endpoint's test_parse_accept."""
from __future__ import annotations

import pytest

from server.errors import MalformedAccept, NotAcceptable, UnknownFormat
from server.negotiation import choose_format

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NT = "application/n-triples"
RDFXML = "application/rdf+xml"
JSONLD = "application/ld+json"
TRIG = "application/trig"
NQUADS = "application/n-quads"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
          "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")

ACCEPTED = [
    # no preference: JSON for results, Turtle for graphs
    (None, "SELECT", JSON),
    ("", "ASK", JSON),
    (None, "CONSTRUCT", TURTLE),
    (None, "DESCRIBE", TURTLE),
    ("*/*", "SELECT", JSON),
    ("*/*", "CONSTRUCT", TURTLE),
    # exact types
    (JSON, "SELECT", JSON),
    (XML, "SELECT", XML),
    (CSV, "SELECT", CSV),
    (TSV, "SELECT", TSV),
    (XML, "ASK", XML),
    (NT, "CONSTRUCT", NT),
    (RDFXML, "DESCRIBE", RDFXML),
    (JSONLD, "CONSTRUCT", JSONLD),
    (TRIG, "CONSTRUCT", TRIG),
    (NQUADS, "DESCRIBE", NQUADS),
    ("TEXT/CSV", "SELECT", CSV),                     # media types are case-insensitive
    ("text/csv; charset=utf-8", "SELECT", CSV),      # parameters other than q do not matter
    # q-values decide, not the order
    (f"{CSV};q=0.9, {JSON};q=0.1", "SELECT", CSV),
    (f"{CSV};q=0.1, {JSON};q=0.9", "SELECT", JSON),
    (f"{NT};q=0.5, {TURTLE};q=0.4", "CONSTRUCT", NT),
    (f"*/*, {JSON};q=0", "SELECT", XML),             # q=0 means "not this one"
    (f"text/*, {CSV};q=0", "SELECT", TSV),
    # type wildcards
    ("text/*", "SELECT", CSV),
    ("application/*", "SELECT", JSON),
    ("application/*", "CONSTRUCT", NT),
    ("text/*", "CONSTRUCT", TURTLE),
    (f"{TURTLE};q=0.5, */*;q=0.1", "SELECT", JSON),  # the wildcard still fits a SELECT
    # browsers: nothing offered matches text/html, so */* picks the default
    (FIREFOX, "SELECT", JSON),
    (FIREFOX, "CONSTRUCT", TURTLE),
    (CHROME, "ASK", JSON),
    # what SPARQLWrapper sends for JSON and for RDF/XML
    (f"{JSON},application/json,text/javascript,application/javascript", "SELECT", JSON),
    ("application/rdf+xml,application/xml,text/xml", "CONSTRUCT", RDFXML),
]


@pytest.mark.parametrize(("accept", "form", "expected"), ACCEPTED)
def test_accept_header(accept: str | None, form: str, expected: str) -> None:
    assert choose_format(accept, form, None) == expected


NOT_ACCEPTABLE = [
    ("image/png", "SELECT"),
    (TURTLE, "SELECT"),      # no silent fallback to a results format
    (CSV, "CONSTRUCT"),      # nor to an RDF format
    (CSV, "ASK"),            # CSV/TSV define no boolean
    ("text/html", "DESCRIBE"),
    (f"{JSON};q=0", "ASK"),
    ("*/csv", "SELECT"),     # well-formed tokens, but no type is called "*"
]


@pytest.mark.parametrize(("accept", "form"), NOT_ACCEPTABLE)
def test_not_acceptable_lists_offered_types(accept: str, form: str) -> None:
    with pytest.raises(NotAcceptable, match="can be answered as") as caught:
        choose_format(accept, form, None)
    assert caught.value.offered[0] in (JSON, TURTLE)


@pytest.mark.parametrize("accept", ["json", "*", "text/csv;q=abc", "text/csv;q=2", "a/b/c",
                                    "text/csv, ;q=0.5, json",
                                    "*; q=.2, */*; q=.2"])  # Java's default: q needs a 0
def test_malformed_accept(accept: str) -> None:
    with pytest.raises(MalformedAccept, match="malformed Accept header"):
        choose_format(accept, "SELECT", None)


OVERRIDES = [
    ("json", "SELECT", JSON),
    ("xml", "ASK", XML),
    ("csv", "SELECT", CSV),
    ("tsv", "SELECT", TSV),
    ("ttl", "CONSTRUCT", TURTLE),
    ("nt", "DESCRIBE", NT),
    ("rdfxml", "CONSTRUCT", RDFXML),
    ("jsonld", "CONSTRUCT", JSONLD),
    ("CSV", "SELECT", CSV),
    (TSV, "SELECT", TSV),    # a media type works too
]


@pytest.mark.parametrize(("override", "form", "expected"), OVERRIDES)
def test_format_override_beats_accept(override: str, form: str, expected: str) -> None:
    assert choose_format("image/png", form, override) == expected


def test_format_override_that_does_not_fit_the_form() -> None:
    with pytest.raises(NotAcceptable, match="format=csv"):
        choose_format(None, "CONSTRUCT", "csv")


def test_unknown_format_override() -> None:
    with pytest.raises(UnknownFormat, match="unknown format='yaml'; expected one of json"):
        choose_format(None, "SELECT", "yaml")
