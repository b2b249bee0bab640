"""The VoID description of the dataset, at ``/.well-known/void`` (VoID 7, "well-known URI").

Counts are computed once per opened store (the first request asks for them)
and cached on the app's backend; an update clears the cache. They count quads:
a triple stated in two graphs counts twice, as the union default graph of the
endpoint returns it twice.

- ``void:triples``: quads in the store; ``void:entities``: distinct typed subjects.
- ``void:classPartition``: one per ``nkg:`` class, ``void:entities`` = its instances.
- ``void:propertyPartition``: one per property used, ``void:triples`` = its quads.
- Named graphs: ``void:documents`` counts the articles (one named graph each);
  a ``void:subset`` gathers the article graphs, and every other named graph is
  a ``void:subset`` of its own with its ``sd:name``. The description says the
  total number of named graphs too.
- A ``void:Linkset`` to Wikidata counts the distinct ``owl:sameAs`` links.

On a SPARQL server's store (``--store sparql+http://…``), the graphs the server keeps for
itself (``RemoteStore.server_graphs``: Virtuoso's ``virtrdf#``, its service description) are
left out of every count, as they are out of ``/data`` and ``/dump``.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request, url_for

from kg.namespaces import NKG, OWL, WD
from server.negotiation import GRAPH_FORMATS, choose_media_type
from server.protocol import read_params
from server.store import backend

bp = Blueprint("void", __name__)

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
W3C_FORMATS = "http://www.w3.org/ns/formats/"
VOCABULARIES = (str(NKG), "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#",
                "http://www.w3.org/2004/02/skos/core#", DCTERMS, str(OWL),
                "http://www.w3.org/2000/01/rdf-schema#")
PREFIXES = {"void": VOID, "sd": SD, "foaf": FOAF, "dcterms": DCTERMS, "nkg": str(NKG),
            "nif": VOCABULARIES[1], "skos": VOCABULARIES[2], "rdfs": VOCABULARIES[5],
            "owl": str(OWL), "formats": W3C_FORMATS, "xsd": "http://www.w3.org/2001/XMLSchema#"}
CACHE_KEY = "void-stats"
MAX_LISTED_GRAPHS = 100  # other (non-article) named graphs listed one by one
_LOCK = threading.Lock()


@dataclass(frozen=True)
class DatasetStats:
    """What VoID says of the store, counted once."""

    quads: int
    entities: int
    classes: int
    properties: int
    article_graphs: int
    article_quads: int
    other_graphs: tuple[tuple[str, int], ...]   # (graph IRI, quads), IRI order
    class_partitions: tuple[tuple[str, int], ...]     # nkg classes: (class, instances)
    property_partitions: tuple[tuple[str, int], ...]  # (property, quads)
    wikidata_links: int

    @property
    def named_graphs(self) -> int:
        return self.article_graphs + len(self.other_graphs)


def compute_stats(store: ox.Store, exclude: frozenset[str] = frozenset()) -> DatasetStats:
    """Count everything the VoID description states (full scans: call it once).

    ``exclude`` names graphs that are not the dataset's (a SPARQL server's own, which its
    union default graph holds too): the counts then read the other named graphs only.
    """
    def scoped(pattern: str) -> str:
        if not exclude:
            return pattern
        names = ", ".join(f"<{graph}>" for graph in sorted(exclude))
        return f"GRAPH ?graph {{ {pattern} }} FILTER(?graph NOT IN ({names}))"

    graph_sizes = {row["g"].value: int(row["n"].value) for row in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        if row["g"].value not in exclude}
    articles = {row["a"].value for row in store.query(
        f"SELECT DISTINCT ?a WHERE {{ GRAPH ?a {{ ?a a <{NKG.Article}> }} }}")}
    classes = _counts(store, "SELECT ?k (COUNT(DISTINCT ?s) AS ?n) "
                             f"WHERE {{ {scoped('?s a ?k')} }} GROUP BY ?k")
    properties = _counts(store, f"SELECT ?k (COUNT(*) AS ?n) WHERE {{ {scoped('?s ?k ?o')} }} "
                                "GROUP BY ?k")
    entities = _count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {scoped('?s a ?k')} }}")
    links = _count(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{
        {scoped(f'?s <{OWL.sameAs}> ?o')} FILTER(STRSTARTS(STR(?o), "{WD}")) }} }}""")
    return DatasetStats(
        quads=len(store), entities=entities, classes=len(classes), properties=len(properties),
        article_graphs=len(articles),
        article_quads=sum(n for g, n in graph_sizes.items() if g in articles),
        other_graphs=tuple(sorted((g, n) for g, n in graph_sizes.items() if g not in articles)),
        class_partitions=tuple(sorted((k, n) for k, n in classes.items()
                                      if k.startswith(str(NKG)))),
        property_partitions=tuple(sorted(properties.items())),
        wikidata_links=links)


def dataset_stats() -> DatasetStats:
    """The current app's counts, computed on first use and cached until the store changes."""
    cache = backend().cache
    stats = cache.get(CACHE_KEY)
    if stats is None:
        with _LOCK:  # concurrent first requests count once
            stats = cache.get(CACHE_KEY)
            if stats is None:
                served = backend()
                store = served.store.oxigraph
                stats = cache[CACHE_KEY] = compute_stats(store, store.server_graphs()) \
                    if served.remote else compute_stats(store)
    return stats


def dataset_iri() -> str:
    """The IRI of the dataset: a fragment of the VoID document (absolute, this host)."""
    return url_for("void.description", _external=True) + "#dataset"


def void_triples(stats: DatasetStats, *, document: str, endpoint: str, dump: str,
                 uri_space: str) -> list[ox.Triple]:
    """The VoID description of a dataset with ``stats``, at the absolute URL ``document``."""
    doc, ds = ox.NamedNode(document), ox.NamedNode(document + "#dataset")
    out = _Triples()
    out.add(doc, RDF_TYPE, _v("DatasetDescription"))
    out.add(doc, _dc("title"), ox.Literal("VoID description of the newskg knowledge graph"))
    out.add(doc, ox.NamedNode(FOAF + "primaryTopic"), ds)
    out.add(ds, RDF_TYPE, _v("Dataset"))
    out.add(ds, RDF_TYPE, ox.NamedNode(SD + "Dataset"))
    out.add(ds, _dc("title"), ox.Literal("newskg: who claimed what, and who recognises whom, "
                                         "in news articles"))
    out.add(ds, _dc("description"), ox.Literal(
        f"{stats.named_graphs} named graphs: {stats.article_graphs} article graphs (one per "
        f"article, named by the article's IRI) and {len(stats.other_graphs)} others. The "
        "SPARQL endpoint's default graph is the union of all graphs."))
    out.add(ds, _v("sparqlEndpoint"), ox.NamedNode(endpoint))
    for fmt in ("trig", "nq"):
        out.add(ds, _v("dataDump"), ox.NamedNode(f"{dump}?format={fmt}"))
    out.add(ds, _v("feature"), ox.NamedNode(W3C_FORMATS + "TriG"))
    out.add(ds, _v("feature"), ox.NamedNode(W3C_FORMATS + "N-Quads"))
    out.add(ds, _v("uriSpace"), ox.Literal(uri_space))
    for vocabulary in VOCABULARIES:
        out.add(ds, _v("vocabulary"), ox.NamedNode(vocabulary))
    for name, value in (("triples", stats.quads), ("entities", stats.entities),
                        ("classes", stats.classes), ("properties", stats.properties),
                        ("documents", stats.article_graphs)):
        out.add(ds, _v(name), _integer(value))
    for cls, count in stats.class_partitions:
        part = ox.BlankNode()
        out.add(ds, _v("classPartition"), part)
        out.add(part, _v("class"), ox.NamedNode(cls))
        out.add(part, _v("entities"), _integer(count))
    for prop, count in stats.property_partitions:
        part = ox.BlankNode()
        out.add(ds, _v("propertyPartition"), part)
        out.add(part, _v("property"), ox.NamedNode(prop))
        out.add(part, _v("triples"), _integer(count))
    articles = ox.NamedNode(document + "#article-graphs")
    out.add(ds, _v("subset"), articles)
    out.add(articles, RDF_TYPE, _v("Dataset"))
    out.add(articles, _dc("title"), ox.Literal("the article graphs"))
    out.add(articles, _v("documents"), _integer(stats.article_graphs))
    out.add(articles, _v("triples"), _integer(stats.article_quads))
    for index, (graph, count) in enumerate(stats.other_graphs[:MAX_LISTED_GRAPHS]):
        subset = ox.NamedNode(f"{document}#graph-{index}")
        out.add(ds, _v("subset"), subset)
        out.add(subset, RDF_TYPE, _v("Dataset"))
        out.add(subset, RDF_TYPE, ox.NamedNode(SD + "NamedGraph"))
        out.add(subset, ox.NamedNode(SD + "name"), ox.NamedNode(graph))
        out.add(subset, _v("triples"), _integer(count))
    links, wikidata = ox.NamedNode(document + "#wikidata-links"), ox.NamedNode(document + "#wikidata")
    out.add(ds, _v("subset"), links)
    out.add(links, RDF_TYPE, _v("Linkset"))
    out.add(links, _v("subjectsTarget"), ds)
    out.add(links, _v("objectsTarget"), wikidata)
    out.add(links, _v("linkPredicate"), ox.NamedNode(str(OWL.sameAs)))
    out.add(links, _v("triples"), _integer(stats.wikidata_links))
    out.add(wikidata, RDF_TYPE, _v("Dataset"))
    out.add(wikidata, _dc("title"), ox.Literal("Wikidata"))
    out.add(wikidata, ox.NamedNode(FOAF + "homepage"), ox.NamedNode("https://www.wikidata.org/"))
    out.add(wikidata, _v("uriSpace"), ox.Literal(str(WD)))
    out.add(wikidata, _v("sparqlEndpoint"), ox.NamedNode("https://query.wikidata.org/sparql"))
    return out.triples


@bp.route("/.well-known/void", methods=["GET", "HEAD"])
def description() -> Response:
    """The VoID description, in Turtle (default), JSON-LD or another RDF format by Accept."""
    formats = [value for key, value in read_params(request.query_string) if key == "format"]
    offered = (GRAPH_FORMATS[0], GRAPH_FORMATS[3], *GRAPH_FORMATS[1:3], *GRAPH_FORMATS[4:])
    media_type = choose_media_type(request.headers.get("Accept"), offered,
                                   formats[0] if formats else None)
    triples = void_triples(dataset_stats(), document=url_for("void.description", _external=True),
                           endpoint=url_for("sparql.endpoint", _external=True),
                           dump=url_for("graphstore.dump", _external=True),
                           uri_space=current_app.config["BASE_IRI"])
    body = ox.serialize(triples, format=ox.RdfFormat.from_media_type(media_type),
                        prefixes=PREFIXES)
    return Response(body, mimetype=media_type, headers={"Vary": "Accept"})


class _Triples:
    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode,
            o: ox.NamedNode | ox.BlankNode | ox.Literal) -> None:
        self.triples.append(ox.Triple(s, p, o))


def _v(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


def _dc(name: str) -> ox.NamedNode:
    return ox.NamedNode(DCTERMS + name)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


def _counts(store: ox.Store, query: str) -> dict[str, int]:
    return {row["k"].value: int(row["n"].value)
            for row in _rows(store, query) if isinstance(row["k"], ox.NamedNode)}


def _count(store: ox.Store, query: str) -> int:
    return int(next(_rows(store, query))["n"].value)


def _rows(store: ox.Store, query: str) -> Iterator[ox.QuerySolution]:
    return iter(store.query(query, use_default_graph_as_union=True))
