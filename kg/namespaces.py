"""RDF namespaces and the instance IRI scheme, in one place.

Every module builds terms from here (never by string concatenation of IRIs),
so the graph layout of ``QUERY-CONTRACT.md`` is defined exactly once.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD

NKG = Namespace("https://w3id.org/newskg/ontology#")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
WD = Namespace("http://www.wikidata.org/entity/")
SCHEMA = SDO
ONTOLOGY_IRI = URIRef("https://w3id.org/newskg/ontology")
DEFAULT_BASE = "https://w3id.org/newskg/id/"

PREFIXES: dict[str, Namespace] = {
    "nkg": NKG,
    "nif": NIF,
    "wd": WD,
    "dcterms": Namespace(str(DCTERMS)),
    "skos": Namespace(str(SKOS)),
    "owl": Namespace(str(OWL)),
    "rdfs": Namespace(str(RDFS)),
    "rdf": Namespace(str(RDF)),
    "xsd": Namespace(str(XSD)),
    "prov": Namespace(str(PROV)),
    "schema": Namespace(str(SDO)),
}

__all__ = ["NKG", "NIF", "WD", "SCHEMA", "DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SKOS",
           "XSD", "ONTOLOGY_IRI", "DEFAULT_BASE", "PREFIXES", "Iris", "slug",
           "sparql_prefixes"]


def slug(text: str) -> str:
    """A lowercase ASCII IRI segment for a name.

    >>> slug("Donetsk People’s Republic")
    'donetsk-peoples-republic'
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = re.sub(r"['`\u2019]", "", plain.lower())
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "x"


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, for queries built in code."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


@dataclass(frozen=True)
class Iris:
    """Instance IRIs under a configurable base (default ``https://w3id.org/newskg/id/``)."""

    base: str = DEFAULT_BASE

    def article(self, article_id: str) -> URIRef:
        """The article, which is also the IRI of its named graph."""
        return URIRef(f"{self.base}article/{article_id}")

    def actor(self, key: str) -> URIRef:
        """One IRI per real-world actor, whatever article names it."""
        return URIRef(f"{self.base}actor/{key}")

    def claim(self, article_id: str, begin: int, end: int, claimant: str | None = None
              ) -> URIRef:
        """A claim by its evidence span; the claimant tells apart two claims on one span."""
        suffix = f"-{claimant}" if claimant else ""
        return URIRef(f"{self.base}claim/{article_id}-{begin}-{end}{suffix}")

    def recognition(self, article_id: str, recognizer: str, recognized: str, begin: int
                    ) -> URIRef:
        return URIRef(f"{self.base}recognition/{article_id}-{recognizer}-{recognized}-{begin}")

    def span(self, article_id: str, begin: int, end: int) -> URIRef:
        """A NIF offset-based string, named after RFC 5147 ``#char=b,e``."""
        return URIRef(f"{self.base}article/{article_id}#char={begin},{end}")

    def graph(self, name: str) -> URIRef:
        """Named graphs that are not article graphs: ``entities``, ``crosssource``, ``builds``."""
        return URIRef(f"{self.base}graph/{name}")

    def statement(self, key: str) -> URIRef:
        return URIRef(f"{self.base}statement/{key}")

    def node(self, kind: str, key: str) -> URIRef:
        """Other analysis nodes (distortions, contradictions, derivations, build runs)."""
        return URIRef(f"{self.base}{kind}/{key}")
