"""The query page's saved example queries, and the terms its editor completes.

Each example is tested (tests/test_server_examples.py) against the dev gold
graph, so a change of the query contract that breaks one shows up there.
The examples use ``SELECT DISTINCT`` where a triple may be stated in several
article graphs: the default graph is their union, which repeats it.
"""
from __future__ import annotations

from dataclasses import dataclass

from kg.namespaces import PREFIXES


@dataclass(frozen=True)
class Example:
    key: str
    title: str
    query: str


def _prologue(*names: str) -> str:
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in names)


EXAMPLES: tuple[Example, ...] = (
    Example("dpr-recognisers",
            "Which states recognise the Donetsk People's Republic, and which outlets said so?",
            _prologue("nkg", "rdfs", "dcterms") + """
SELECT DISTINCT ?state ?stateLabel ?article ?title ?outlet WHERE {
  ?dpr a nkg:State ; rdfs:label "Donetsk People's Republic" .
  ?recognition a nkg:Recognition ;
      nkg:recognizer ?state ; nkg:recognized ?dpr ; nkg:reportedIn ?article .
  OPTIONAL { ?state rdfs:label ?stateLabel }
  OPTIONAL { ?article dcterms:title ?title }
  # the outlet when the article came with one, else where it was read from
  OPTIONAL { ?article nkg:outlet/rdfs:label ?outletName }
  OPTIONAL { ?article dcterms:source ?source }
  BIND(COALESCE(?outletName, STR(?source)) AS ?outlet)
}
ORDER BY ?stateLabel ?article
"""),
    Example("korotchenko-claims",
            "Everything Igor Korotchenko claimed, with the words that support it",
            _prologue("nkg", "rdfs", "dcterms", "nif") + """
SELECT DISTINCT ?claim ?text ?evidence ?article ?title WHERE {
  ?korotchenko rdfs:label "Igor Korotchenko" .
  ?claim a nkg:Claim ; nkg:claimant ?korotchenko ;
      nkg:text ?text ; nkg:reportedIn ?article ; nkg:evidence ?span .
  ?span nif:anchorOf ?evidence .   # the claim's page shows it highlighted in its sentence
  OPTIONAL { ?article dcterms:title ?title }
}
ORDER BY ?article ?claim
"""),
    Example("changed-quotes",
            "Which outlets changed a quote when they copied a story?",
            _prologue("nkg", "rdfs", "dcterms", "nif") + """
SELECT DISTINCT ?copy ?copyTitle ?source ?sourceTitle ?claimant ?kind ?changed ?original
WHERE {
  ?distortion a nkg:Distortion ; nkg:claim ?report ; nkg:comparedTo ?sourceReport ;
      nkg:kind ?kind .
  ?report nkg:reportedIn ?copy .
  ?sourceReport nkg:reportedIn ?source .
  ?copy nkg:derivedFrom ?source .          # the changed report is in a copy of the source
  OPTIONAL { ?distortion nkg:evidence/nif:anchorOf ?changed }
  OPTIONAL { ?sourceReport nkg:text ?original }
  OPTIONAL { ?report nkg:claimant/rdfs:label ?claimant }
  OPTIONAL { ?copy dcterms:title ?copyTitle }
  OPTIONAL { ?source dcterms:title ?sourceTitle }
}
ORDER BY ?copy ?kind
"""),
    Example("claims-per-claimant",
            "Claims per claimant",
            _prologue("nkg", "rdfs") + """
SELECT ?claimant (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?claim) AS ?claims)
       (COUNT(DISTINCT ?article) AS ?articles)
WHERE {
  ?claim a nkg:Claim ; nkg:claimant ?claimant ; nkg:reportedIn ?article .
  OPTIONAL { ?claimant rdfs:label ?label }
}
GROUP BY ?claimant
ORDER BY DESC(?claims) ?claimant
"""),
    Example("recognitions",
            "Every recognition, with labels when known",
            _prologue("nkg", "rdfs") + """
SELECT DISTINCT ?recognition ?recognizer ?recognizerLabel ?recognized ?recognizedLabel ?article
WHERE {
  ?recognition a nkg:Recognition ; nkg:recognizer ?recognizer ;
      nkg:recognized ?recognized ; nkg:reportedIn ?article .
  OPTIONAL { ?recognizer rdfs:label ?recognizerLabel }
  OPTIONAL { ?recognized rdfs:label ?recognizedLabel }
}
ORDER BY ?recognizerLabel ?recognizedLabel ?article
"""),
    Example("provenance",
            "Provenance: which article graph states each recognition (GRAPH ?g)",
            _prologue("nkg", "rdfs", "dcterms") + """
SELECT DISTINCT ?graph ?title ?recognizerLabel ?recognizedLabel WHERE {
  GRAPH ?graph { ?recognizer nkg:recognizes ?recognized }
  OPTIONAL { ?graph dcterms:title ?title }
  OPTIONAL { ?recognizer rdfs:label ?recognizerLabel }
  OPTIONAL { ?recognized rdfs:label ?recognizedLabel }
}
ORDER BY ?graph ?recognizerLabel ?recognizedLabel
"""),
    Example("wikidata-links",
            "Actors linked to Wikidata",
            _prologue("nkg", "rdfs", "owl") + """
SELECT DISTINCT ?actor ?label ?type ?wikidata WHERE {
  ?actor owl:sameAs ?wikidata ; a ?type .
  FILTER(?type IN (nkg:Person, nkg:Organization, nkg:State))
  OPTIONAL { ?actor rdfs:label ?label }
}
ORDER BY ?type ?label
"""),
    Example("graph-sizes",
            "Named graphs and their size",
            _prologue("dcterms") + """
SELECT ?graph ?title (COUNT(*) AS ?triples) WHERE {
  GRAPH ?graph { ?s ?p ?o }
  OPTIONAL { ?graph dcterms:title ?title }
}
GROUP BY ?graph ?title
ORDER BY DESC(?triples)
"""),
)

# Contract terms (QUERY-CONTRACT.md) the editor offers after a prefix.
TERMS: tuple[str, ...] = (
    *(f"nkg:{name}" for name in (
        "Article", "Actor", "Person", "Organization", "State", "Claim", "Recognition",
        "Statement", "Distortion", "Contradiction", "Derivation", "mentions", "role",
        "claimant", "text", "reportedIn", "about", "evidence", "recognizer", "recognized",
        "recognizes", "statement", "claim", "comparedTo", "kind", "derivedFrom", "copy",
        "source", "outlet")),
    "rdfs:label", "skos:altLabel", "owl:sameAs", "rdf:type",
    "dcterms:source", "dcterms:title", "dcterms:date", "dcterms:creator",
    "nif:isString", "nif:beginIndex", "nif:endIndex", "nif:anchorOf", "nif:referenceContext",
)


def editor_config(endpoint: str, base: str) -> dict[str, object]:
    """What the query page's script needs: endpoint, base IRI, prefixes and terms."""
    return {"endpoint": endpoint, "base": base,
            "prefixes": {name: str(ns) for name, ns in PREFIXES.items()},
            "terms": list(TERMS)}
