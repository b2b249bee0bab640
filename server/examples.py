"""The query page's saved example queries, and the terms its editor completes.

Each example is tested (tests/test_server_examples.py) against the dev gold
graph, so a change of the query contract that breaks one shows up there.
The examples use ``SELECT DISTINCT`` where a triple may be stated in several
article graphs: the default graph is their union, which repeats it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.namespaces import PREFIXES


@dataclass(frozen=True)
class Example:
    key: str
    title: str
    query: str


# The line of the "statement-distortions" query that a statement's page fills in.
STATEMENT_SLOT = "# VALUES ?statement { <statement IRI> }"


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
    # ---- across articles (QUERY-CONTRACT.md "Across articles")
    Example("statement-distortions",
            "Which outlets distorted this statement? The changed words of every report",
            _prologue("nkg", "rdfs", "dcterms", "nif") + f"""
SELECT DISTINCT ?statement ?claimant ?kind ?changed ?article ?title ?outlet
       ?comparedArticle ?comparedOutlet ?comparedText ?lineage
WHERE {{
  {STATEMENT_SLOT}   # one statement only: its page fills this in
  ?distortion a nkg:Distortion ; nkg:claim ?report ; nkg:kind ?kind ;
      nkg:comparedTo ?compared .
  ?report nkg:statement ?statement ; nkg:reportedIn ?article .
  ?compared nkg:reportedIn ?comparedArticle .
  OPTIONAL {{ ?distortion nkg:evidence/nif:anchorOf ?changed }}     # the changed words
  OPTIONAL {{ ?compared nkg:text ?comparedText }}
  OPTIONAL {{ ?report nkg:claimant/rdfs:label ?claimant }}
  OPTIONAL {{ ?article dcterms:title ?title }}
  # the outlet when the article came with one, else where it was read from
  OPTIONAL {{ ?article nkg:outlet/rdfs:label ?outletName }}
  OPTIONAL {{ ?article dcterms:source ?source }}
  BIND(COALESCE(?outletName, STR(?source)) AS ?outlet)
  OPTIONAL {{ ?comparedArticle nkg:outlet/rdfs:label ?comparedOutletName }}
  OPTIONAL {{ ?comparedArticle dcterms:source ?comparedSource }}
  BIND(COALESCE(?comparedOutletName, STR(?comparedSource)) AS ?comparedOutlet)
  # is the distorting article a copy of the one it is compared with?
  OPTIONAL {{ ?derivation a nkg:Derivation ; nkg:copy ?article ;
                 nkg:source ?comparedArticle ; nkg:kind ?lineage }}
}}
ORDER BY ?statement ?article ?kind
"""),
    Example("article-lineage",
            "Which articles copy which? Near copies, spun rewrites, quotations, shared sources",
            _prologue("nkg", "rdfs", "dcterms") + """
SELECT DISTINCT ?copy ?copyTitle ?kind ?source ?sourceTitle ?copyOutlet ?sourceOutlet ?basis
WHERE {
  ?derivation a nkg:Derivation ; nkg:copy ?copy ; nkg:source ?source ; nkg:kind ?kind .
  OPTIONAL { ?derivation rdfs:comment ?basis }     # score, and how the direction was decided
  OPTIONAL { ?copy dcterms:title ?copyTitle }
  OPTIONAL { ?source dcterms:title ?sourceTitle }
  OPTIONAL { ?copy nkg:outlet/rdfs:label ?copyOutlet }
  OPTIONAL { ?source nkg:outlet/rdfs:label ?sourceOutlet }
}
ORDER BY ?kind ?copy ?source
"""),
    Example("contradictions-about",
            "Contradictions about the Donetsk People's Republic, with both sides' words",
            _prologue("nkg", "rdfs", "dcterms", "nif") + """
SELECT DISTINCT ?contradiction ?topic ?text1 ?article1 ?title1 ?text2 ?article2 ?title2
WHERE {
  ?x rdfs:label "Donetsk People's Republic" .      # X: any actor, by its label
  ?contradiction a nkg:Contradiction ; nkg:evidence ?span1, ?span2 .
  FILTER(STR(?span1) < STR(?span2))                # each pair once
  ?span1 nif:referenceContext ?article1 ; nif:anchorOf ?text1 .
  ?span2 nif:referenceContext ?article2 ; nif:anchorOf ?text2 .
  # about X: one side overlaps the words of a claim or a recognition that involves X
  FILTER EXISTS {
    ?contradiction nkg:evidence ?side .
    ?side nif:referenceContext ?article ; nif:beginIndex ?b ; nif:endIndex ?e .
    ?finding nkg:reportedIn ?article ; nkg:evidence ?words .
    { ?finding nkg:about ?x } UNION { ?finding nkg:claimant ?x }
    UNION { ?finding nkg:recognizer ?x } UNION { ?finding nkg:recognized ?x }
    ?words nif:beginIndex ?wb ; nif:endIndex ?we .
    FILTER(?wb < ?e && ?b < ?we)
  }
  OPTIONAL { ?contradiction rdfs:comment ?topic }
  OPTIONAL { ?article1 dcterms:title ?title1 }
  OPTIONAL { ?article2 dcterms:title ?title2 }
}
ORDER BY ?article1 ?article2
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


def example(key: str) -> Example:
    return next(e for e in EXAMPLES if e.key == key)


def statement_query(statement: str) -> str:
    """The "which outlets distorted this statement" query for one statement IRI."""
    values = f"VALUES ?statement {{ {ox.NamedNode(statement)} }}"
    return example("statement-distortions").query.replace(STATEMENT_SLOT, values, 1)


def editor_config(endpoint: str, base: str) -> dict[str, object]:
    """What the query page's script needs: endpoint, base IRI, prefixes and terms."""
    return {"endpoint": endpoint, "base": base,
            "prefixes": {name: str(ns) for name, ns in PREFIXES.items()},
            "terms": list(TERMS)}
