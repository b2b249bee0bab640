"""Emit: resolved findings → RDF, following QUERY-CONTRACT.md.

``article_graph`` builds one article's named graph; ``entity_graph`` builds the
records of actors (label, aliases, type, Wikidata) that merge all articles.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from kg.model import Claim, Extraction, Recognition, Span
from kg.namespaces import DCTERMS, NIF, NKG, OWL, PREFIXES, RDF, RDFS, SKOS, WD, XSD, Iris
from kg.resolve import Actor

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")


class EmitStore(SimpleMemory):
    """An rdflib store for emitted graphs: what emission, the quick check and the store
    writer ask of a graph (adds, membership, iteration, a subject's triples) from an
    insertion-ordered set and a subject index, without SimpleMemory's three indexes and
    the event it dispatches per added triple; its prefixes are SimpleMemory's."""

    def __init__(self, configuration: str | None = None,
                 identifier: URIRef | None = None) -> None:
        super().__init__(configuration, identifier)
        self._triples: dict[tuple, None] = {}
        self._by_subject: dict[Node, list[tuple]] = {}

    def add(self, triple: tuple, context: object, quoted: bool = False) -> None:
        if triple not in self._triples:
            self._triples[triple] = None
            self._by_subject.setdefault(triple[0], []).append(triple)

    def remove(self, pattern: tuple, context: object = None) -> None:
        for triple in list(self._matching(pattern)):
            del self._triples[triple]
            self._by_subject[triple[0]].remove(triple)

    def triples(self, pattern: tuple, context: object = None) -> Iterator[tuple]:
        for triple in self._matching(pattern):
            yield triple, iter(())

    def __len__(self, context: object = None) -> int:
        return len(self._triples)

    def _matching(self, pattern: tuple) -> Iterator[tuple]:
        s, p, o = pattern
        if s is not None and p is not None and o is not None:
            if pattern in self._triples:
                yield pattern
            return
        for triple in list(self._by_subject.get(s, ()) if s is not None else self._triples):
            if (p is None or triple[1] == p) and (o is None or triple[2] == o):
                yield triple


def new_graph(identifier: URIRef | None = None) -> Graph:
    """An empty graph with the project's prefixes (only those: rdflib's default set of 30
    cost 0.5 ms per graph, two graphs per article)."""
    graph = Graph(store=EmitStore(), identifier=identifier, bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def article_graph(extraction: Extraction, iris: Iris, types: dict[str, str],
                  outlet: str | None = None) -> Graph:
    """The article's own graph: metadata, text, mentions, roles, claims, recognitions.

    ``types`` maps actor keys to their class name, so each actor the article
    refers to is typed inside its graph too.
    """
    article = extraction.article
    node = iris.article(article.id)
    graph = new_graph(node)
    graph.add((node, RDF.type, NKG.Article))
    graph.add((node, RDF.type, NIF.Context))
    graph.add((node, NIF.isString, Literal(article.text)))
    graph.add((node, NKG.contentHash, Literal(article.id)))
    source = URIRef(article.source) if _URL.match(article.source) else Literal(article.source)
    graph.add((node, DCTERMS.source, source))
    if article.title:
        graph.add((node, DCTERMS.title, Literal(article.title)))
    if article.date:
        graph.add((node, DCTERMS.date, Literal(article.date, datatype=XSD.date)))
    if extraction.model:
        graph.add((node, NKG.extractedWith, Literal(extraction.model)))
    actors: set[str] = set()
    if outlet is not None:
        graph.add((node, NKG.outlet, iris.actor(outlet)))   # the publisher, not a mention
        actors.add(outlet)
    for mention in extraction.mentions:
        if mention.actor:
            graph.add((node, NKG.mentions, iris.actor(mention.actor)))
            actors.add(mention.actor)
            if mention.kind == "byline" and mention.type == "Person":
                graph.add((node, DCTERMS.creator, iris.actor(mention.actor)))
    for role in extraction.roles:
        if role.holder.actor:
            graph.add((iris.actor(role.holder.actor), NKG.role, Literal(role.role)))
            actors.add(role.holder.actor)
    for claim in extraction.claims:
        actors |= _add_claim(graph, iris, article.id, node, claim)
    for recognition in extraction.recognitions:
        actors |= _add_recognition(graph, iris, article.id, node, recognition)
    for key in sorted(actors):
        if key in types:
            graph.add((iris.actor(key), RDF.type, NKG[types[key]]))
    return graph


def add_span(graph: Graph, iris: Iris, article_id: str, article: URIRef, span: Span) -> URIRef:
    """A NIF offset-based string for ``span`` of the article's text."""
    node = iris.span(article_id, span.begin, span.end)
    graph.add((node, RDF.type, NIF.OffsetBasedString))
    graph.add((node, NIF.referenceContext, article))
    graph.add((node, NIF.beginIndex, Literal(span.begin, datatype=XSD.nonNegativeInteger)))
    graph.add((node, NIF.endIndex, Literal(span.end, datatype=XSD.nonNegativeInteger)))
    graph.add((node, NIF.anchorOf, Literal(span.text)))
    return node


def _add_claim(graph: Graph, iris: Iris, article_id: str, article: URIRef, claim: Claim
               ) -> set[str]:
    if not claim.claimant.actor:
        return set()
    node = iris.claim(article_id, claim.evidence.begin, claim.evidence.end)
    if (node, RDF.type, NKG.Claim) in graph:
        # Two speakers credited with the same words: one claim each.
        node = iris.claim(article_id, claim.evidence.begin, claim.evidence.end,
                          claim.claimant.actor)
        if (node, RDF.type, NKG.Claim) in graph:
            return set()   # the same speaker twice on the same words is one claim
    graph.add((node, RDF.type, NKG.Claim))
    graph.add((node, NKG.claimant, iris.actor(claim.claimant.actor)))
    graph.add((node, NKG.text, Literal(claim.text)))
    graph.add((node, NKG.reportedIn, article))
    graph.add((node, NKG.claimKind, Literal(claim.kind)))
    if claim.cue:
        graph.add((node, NKG.cue, Literal(claim.cue)))
    graph.add((node, NKG.evidence, add_span(graph, iris, article_id, article, claim.evidence)))
    about = {m.actor for m in claim.about if m.actor and m.actor != claim.claimant.actor}
    for key in sorted(about):
        graph.add((node, NKG.about, iris.actor(key)))
    graph.add((article, NKG.mentions, iris.actor(claim.claimant.actor)))
    return {claim.claimant.actor, *about}


def _add_recognition(graph: Graph, iris: Iris, article_id: str, article: URIRef,
                     recognition: Recognition) -> set[str]:
    recognizer, recognized = recognition.recognizer.actor, recognition.recognized.actor
    if not recognizer or not recognized or recognizer == recognized:
        return set()
    kind = "withdrawal" if recognition.withdrawn else "recognition"
    node = iris.node(kind, f"{article_id}-{recognizer}-{recognized}-{recognition.evidence.begin}")
    if recognition.withdrawn:
        # Its own properties: a query for recognitions never matches a withdrawal.
        graph.add((node, RDF.type, NKG.Withdrawal))
        graph.add((node, NKG.withdrawer, iris.actor(recognizer)))
        graph.add((node, NKG.withdrawnFrom, iris.actor(recognized)))
    else:
        graph.add((node, RDF.type, NKG.Recognition))
        graph.add((node, NKG.recognizer, iris.actor(recognizer)))
        graph.add((node, NKG.recognized, iris.actor(recognized)))
    graph.add((node, NKG.reportedIn, article))
    graph.add((node, NKG.evidence,
               add_span(graph, iris, article_id, article, recognition.evidence)))
    if not recognition.withdrawn:
        graph.add((iris.actor(recognizer), NKG.recognizes, iris.actor(recognized)))
    for key in (recognizer, recognized):
        graph.add((article, NKG.mentions, iris.actor(key)))
    return {recognizer, recognized}


def entity_graph(actors: Iterable[Actor], iris: Iris, identifier: URIRef | None = None
                 ) -> Graph:
    """Records that merge all articles: type, one label, every other name, Wikidata."""
    graph = new_graph(identifier)
    for actor in actors:
        node = iris.actor(actor.key)
        graph.add((node, RDF.type, NKG[actor.type]))
        label = actor.best_label()
        graph.add((node, RDFS.label, Literal(label)))
        for alt in actor.alt_labels():
            graph.add((node, SKOS.altLabel, Literal(alt)))
        if actor.wikidata:
            graph.add((node, OWL.sameAs, WD[actor.wikidata]))
    return graph
