"""What the HTML pages show of one resource, read with fixed SPARQL queries from the store.

Every query binds ``?this`` with a VALUES row of a checked IRI (never by pasting
request text into the query) and reads the union of all graphs. Lists are capped at ``MAX_ROWS``;
the page says when a list was cut. The functions return plain dataclasses; the
templates (autoescaped) turn them into HTML.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.namespaces import PREFIXES

MAX_ROWS = 500
EXCERPT_CHARS = 700        # a longer paragraph is cut to the sentence(s) around the span
CONTEXT_CHARS = 280        # at most this much on either side of the span
QUERY_PREFIXES = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
NKG = QUERY_PREFIXES["nkg"]
ACTOR_CLASSES = frozenset(NKG + name for name in ("Actor", "Person", "Organization", "State"))
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+")


@dataclass(frozen=True)
class Node:
    """An RDF term as a page shows it: an IRI with its label, or a literal."""

    value: str
    is_iri: bool
    label: str | None = None
    datatype: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ArticleRef:
    iri: str
    title: str | None = None
    date: str | None = None
    source: str | None = None
    outlet: Node | None = None


@dataclass(frozen=True)
class Evidence:
    """An evidence span with the paragraph (or sentences) around it, for highlighting."""

    iri: str
    begin: int
    end: int
    exact: str                 # the span's own text (nif:anchorOf, else the article's text)
    before: str = ""           # text of the excerpt before the span
    after: str = ""            # and after it
    cut_before: bool = False   # the excerpt does not start at the paragraph's start
    cut_after: bool = False
    verified: bool = True      # article text[begin:end] == nif:anchorOf


@dataclass
class Finding:
    """A claim or a recognition, with its article and evidence."""

    iri: str
    kind: str                              # "claim" or "recognition"
    text: str | None = None                # nkg:text (claims)
    claimant: Node | None = None
    recognizer: Node | None = None
    recognized: Node | None = None
    article: ArticleRef | None = None
    about: list[Node] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Property:
    predicate: Node
    value: Node
    graphs: tuple[str, ...]


@dataclass
class Resource:
    """Everything a page shows of one IRI."""

    iri: str
    label: str | None
    types: list[Node]
    same_as: list[Node]
    alt_labels: list[str]
    properties: list[Property]
    incoming: list[Property]          # (predicate, subject) of triples pointing here
    evidence: list[Evidence] = field(default_factory=list)
    truncated: set[str] = field(default_factory=set)   # names of lists cut at MAX_ROWS

    def is_a(self, *local_names: str) -> bool:
        return any(t.value == NKG + name for t in self.types for name in local_names)

    @property
    def is_actor(self) -> bool:
        return any(t.value in ACTOR_CLASSES for t in self.types)


class Lookup:
    """Queries for one request; remembers labels and article texts it has read."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._labels: dict[str, str | None] = {}
        self._texts: dict[str, str | None] = {}
        self._articles: dict[str, ArticleRef] = {}

    # -------------------------------------------------------------- basics

    def exists(self, iri: str) -> bool:
        """Whether the store has a triple with ``iri`` as subject, in any graph."""
        node = ox.NamedNode(iri)
        return next(iter(self.store.quads_for_pattern(node, None, None, None)), None) is not None

    def rows(self, query: str, this: str, limit: int = MAX_ROWS
             ) -> Iterator[ox.QuerySolution]:
        """Solutions of ``query`` (a SELECT with one ``WHERE {``) with ``?this`` bound to ``this``.

        ``this`` goes in as a VALUES row written by pyoxigraph (a NamedNode is a checked IRI,
        so it cannot end the IRI early); pyoxigraph's ``substitutions`` would need ``?this``
        in the projection.
        """
        head, where, body = query.partition("WHERE {")
        if not where:
            raise ValueError("a lookup query needs a 'WHERE {' group")
        bound = f"{head}WHERE {{ VALUES ?this {{ {ox.NamedNode(this)} }}{body}\nLIMIT {limit + 1}"
        return iter(self.store.query(bound, prefixes=QUERY_PREFIXES,
                                     use_default_graph_as_union=True))

    def resource(self, iri: str) -> Resource:
        node = ox.NamedNode(iri)
        outgoing: dict[tuple[ox.NamedNode, object], set[str]] = {}
        truncated: set[str] = set()
        for quad in self.store.quads_for_pattern(node, None, None, None):
            if len(outgoing) >= MAX_ROWS:
                truncated.add("properties")
                break
            graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            outgoing.setdefault((quad.predicate, quad.object), set()).add(graph)
        incoming: dict[tuple[ox.NamedNode, object], set[str]] = {}
        for quad in self.store.quads_for_pattern(None, None, node, None):
            if len(incoming) >= MAX_ROWS:
                truncated.add("incoming")
                break
            graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            incoming.setdefault((quad.predicate, quad.subject), set()).add(graph)
        terms = [p for p, _ in outgoing] + [o for _, o in outgoing] + \
                [p for p, _ in incoming] + [s for _, s in incoming]
        self.load_labels(t.value for t in terms if isinstance(t, ox.NamedNode))

        def values(predicate: str) -> list[ox.NamedNode | ox.Literal]:
            return sorted((o for p, o in outgoing if p.value == predicate), key=str)

        labels = [o.value for o in values(QUERY_PREFIXES["rdfs"] + "label")]
        return Resource(
            iri=iri, label=labels[0] if labels else None,
            types=[self.node(t) for t in values(QUERY_PREFIXES["rdf"] + "type")],
            same_as=[self.node(t) for t in values(QUERY_PREFIXES["owl"] + "sameAs")],
            alt_labels=sorted({o.value for o in values(QUERY_PREFIXES["skos"] + "altLabel")}),
            properties=sorted((Property(self.node(p), self.node(o), tuple(sorted(g)))
                               for (p, o), g in outgoing.items()), key=_property_order),
            incoming=sorted((Property(self.node(p), self.node(s), tuple(sorted(g)))
                             for (p, s), g in incoming.items()), key=_property_order),
            evidence=self.evidence_of(iri),
            truncated=truncated)

    def node(self, term: object) -> Node:
        """A page's view of an RDF term (labels of IRIs read by ``load_labels`` first)."""
        if isinstance(term, ox.NamedNode):
            if term.value not in self._labels:
                self.load_labels([term.value])
            return Node(term.value, True, self._labels.get(term.value))
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value if term.datatype else None
            return Node(term.value, False, datatype=datatype, language=term.language)
        return Node(str(term), False)

    def load_labels(self, iris: Iterable[str]) -> None:
        """Read the rdfs:label of every IRI not read yet (one query per batch)."""
        todo = sorted({iri for iri in iris if iri not in self._labels})
        for start in range(0, len(todo), 200):
            batch = todo[start:start + 200]
            values = " ".join(str(ox.NamedNode(iri)) for iri in batch)
            found: dict[str, str] = {}
            for row in self.store.query(
                    f"SELECT ?x (MIN(STR(?l)) AS ?label) WHERE {{ VALUES ?x {{ {values} }} "
                    "?x rdfs:label ?l } GROUP BY ?x", prefixes=QUERY_PREFIXES,
                    use_default_graph_as_union=True):
                found[row["x"].value] = row["label"].value
            for iri in batch:
                self._labels[iri] = found.get(iri)

    # -------------------------------------------------------------- texts and evidence

    def article_text(self, article: str) -> str | None:
        if article not in self._texts:
            rows = list(self.rows("SELECT ?text WHERE { ?this nif:isString ?text }", article, 1))
            self._texts[article] = rows[0]["text"].value if rows else None
        return self._texts[article]

    def evidence_of(self, iri: str) -> list[Evidence]:
        """The nkg:evidence spans of ``iri``, each with its excerpt."""
        rows = self.rows("""SELECT DISTINCT ?span ?b ?e ?exact ?ctx WHERE {
            ?this nkg:evidence ?span . ?span nif:beginIndex ?b ; nif:endIndex ?e .
            OPTIONAL { ?span nif:anchorOf ?exact } OPTIONAL { ?span nif:referenceContext ?ctx }
        } ORDER BY ?ctx ?b""", iri)
        return [self.make_evidence(row["span"], row["b"], row["e"], row["exact"], row["ctx"])
                for row in rows]

    def make_evidence(self, span: object, begin: object, end: object, exact: object,
                      context: object) -> Evidence:
        b, e = int(begin.value), int(end.value)
        anchor = exact.value if isinstance(exact, ox.Literal) else None
        text = self.article_text(context.value) if isinstance(context, ox.NamedNode) else None
        iri = span.value if isinstance(span, ox.NamedNode) else ""
        return excerpt(iri, text, b, e, anchor)

    # -------------------------------------------------------------- claims, recognitions

    def claims(self, where: str, this: str) -> tuple[list[Finding], bool]:
        """Claims matching ``where`` (a pattern on ``?c`` and ``?this``), with their evidence."""
        query = f"""SELECT DISTINCT ?c ?text ?claimant ?article ?span ?b ?e ?exact ?ctx WHERE {{
            {where}
            ?c a nkg:Claim .
            OPTIONAL {{ ?c nkg:text ?text }} OPTIONAL {{ ?c nkg:claimant ?claimant }}
            OPTIONAL {{ ?c nkg:reportedIn ?article }}
            OPTIONAL {{ ?c nkg:evidence ?span . ?span nif:beginIndex ?b ; nif:endIndex ?e .
                        OPTIONAL {{ ?span nif:anchorOf ?exact }}
                        OPTIONAL {{ ?span nif:referenceContext ?ctx }} }}
        }} ORDER BY ?article ?b ?c"""
        findings, cut = self._findings(query, this, "claim")
        self._add_about(findings)
        return findings, cut

    def recognitions(self, where: str, this: str) -> tuple[list[Finding], bool]:
        """Recognitions matching ``where`` (a pattern on ``?c`` and ``?this``)."""
        query = f"""SELECT DISTINCT ?c ?recognizer ?recognized ?article ?span ?b ?e ?exact ?ctx
        WHERE {{
            {where}
            ?c a nkg:Recognition .
            OPTIONAL {{ ?c nkg:recognizer ?recognizer }} OPTIONAL {{ ?c nkg:recognized ?recognized }}
            OPTIONAL {{ ?c nkg:reportedIn ?article }}
            OPTIONAL {{ ?c nkg:evidence ?span . ?span nif:beginIndex ?b ; nif:endIndex ?e .
                        OPTIONAL {{ ?span nif:anchorOf ?exact }}
                        OPTIONAL {{ ?span nif:referenceContext ?ctx }} }}
        }} ORDER BY ?article ?b ?c"""
        return self._findings(query, this, "recognition")

    def _findings(self, query: str, this: str, kind: str) -> tuple[list[Finding], bool]:
        rows = list(self.rows(query, this))
        cut = len(rows) > MAX_ROWS
        names = ("claimant",) if kind == "claim" else ("recognizer", "recognized")
        self.load_labels(row[name].value for row in rows[:MAX_ROWS] for name in names
                         if isinstance(row[name], ox.NamedNode))
        found: dict[str, Finding] = {}
        for row in rows[:MAX_ROWS]:
            iri = row["c"].value
            finding = found.get(iri)
            if finding is None:
                finding = found[iri] = Finding(iri, kind)
                if kind == "claim":
                    finding.text = row["text"].value if row["text"] is not None else None
                    finding.claimant = self._maybe(row["claimant"])
                else:
                    finding.recognizer = self._maybe(row["recognizer"])
                    finding.recognized = self._maybe(row["recognized"])
                if row["article"] is not None:
                    finding.article = self.article_ref(row["article"].value)
            if row["span"] is not None:
                evidence = self.make_evidence(row["span"], row["b"], row["e"], row["exact"],
                                              row["ctx"])
                if evidence not in finding.evidence:
                    finding.evidence.append(evidence)
        return list(found.values()), cut

    def _add_about(self, findings: list[Finding]) -> None:
        for finding in findings:
            rows = self.rows("SELECT DISTINCT ?x WHERE { ?this nkg:about ?x } ORDER BY ?x",
                             finding.iri, 50)
            finding.about = [self.node(row["x"]) for row in rows]

    def _maybe(self, term: object) -> Node | None:
        return self.node(term) if term is not None else None

    # -------------------------------------------------------------- articles, actors

    def article_ref(self, iri: str) -> ArticleRef:
        if iri not in self._articles:
            self._articles[iri] = self._read_article_ref(iri)
        return self._articles[iri]

    def _read_article_ref(self, iri: str) -> ArticleRef:
        rows = list(self.rows("""SELECT ?title ?date ?source ?outlet WHERE {
            OPTIONAL { ?this dcterms:title ?title } OPTIONAL { ?this dcterms:date ?date }
            OPTIONAL { ?this dcterms:source ?source } OPTIONAL { ?this nkg:outlet ?outlet }
        }""", iri, 1))
        if not rows:
            return ArticleRef(iri)
        row = rows[0]
        return ArticleRef(iri, _value(row["title"]), _value(row["date"]), _value(row["source"]),
                          self._maybe(row["outlet"]))

    def articles(self, where: str, this: str) -> tuple[list[ArticleRef], bool]:
        rows = list(self.rows(f"SELECT DISTINCT ?a WHERE {{ {where} }} ORDER BY ?a", this))
        return [self.article_ref(row["a"].value) for row in rows[:MAX_ROWS]], len(rows) > MAX_ROWS

    def roles(self, actor: str) -> list[tuple[str, list[ArticleRef]]]:
        """Each role of ``actor`` with the articles (graphs) that state it."""
        rows = self.rows("""SELECT DISTINCT ?role ?g WHERE {
            { GRAPH ?g { ?this nkg:role ?role } } UNION { ?this nkg:role ?role }
        } ORDER BY ?role ?g""", actor)
        roles: dict[str, list[ArticleRef]] = {}
        for row in rows:
            articles = roles.setdefault(row["role"].value, [])
            graph = row["g"]
            if graph is not None and self.exists_article(graph.value):
                ref = self.article_ref(graph.value)
                if ref not in articles:
                    articles.append(ref)
        return list(roles.items())

    def exists_article(self, iri: str) -> bool:
        return next(iter(self.rows("SELECT ?this WHERE { ?this a nkg:Article }", iri, 1)),
                    None) is not None

    def people(self, predicate: str, this: str) -> list[Node]:
        rows = self.rows(f"SELECT DISTINCT ?x WHERE {{ ?this {predicate} ?x }} ORDER BY ?x", this)
        return [self.node(row["x"]) for row in rows]


def excerpt(iri: str, text: str | None, begin: int, end: int, anchor: str | None) -> Evidence:
    """The span ``text[begin:end]`` with its paragraph around it (cut to sentences if long).

    >>> ev = excerpt("s", "First one.\\nHe said: stop it now. Then left.", 20, 27, "stop it")
    >>> (ev.before, ev.exact, ev.after, ev.verified)
    ('He said: ', 'stop it', ' now. Then left.', True)
    """
    if text is None or not 0 <= begin <= end <= len(text):
        return Evidence(iri, begin, end, anchor or "", verified=False)
    exact = text[begin:end]
    start = text.rfind("\n", 0, begin) + 1
    stop = text.find("\n", end)
    stop = len(text) if stop < 0 else stop
    cut_before = cut_after = False
    if stop - start > EXCERPT_CHARS:
        sentence_starts = [m.end() for m in _SENTENCE_END.finditer(text, start, begin)]
        if sentence_starts:
            start, cut_before = sentence_starts[-1], True
        following = _SENTENCE_END.search(text, end, stop)
        if following:
            stop, cut_after = following.end(), True
    if begin - start > CONTEXT_CHARS:
        start, cut_before = _word_boundary(text, begin - CONTEXT_CHARS, forward=True), True
    if stop - end > CONTEXT_CHARS:
        stop, cut_after = _word_boundary(text, end + CONTEXT_CHARS, forward=False), True
    return Evidence(iri, begin, end, exact, text[start:begin], text[end:stop].rstrip(),
                    cut_before, cut_after, verified=anchor is None or anchor == exact)


def _word_boundary(text: str, index: int, *, forward: bool) -> int:
    if forward:
        space = text.find(" ", index)
        return index if space < 0 else space + 1
    space = text.rfind(" ", 0, index)
    return index if space < 0 else space


def _value(term: object) -> str | None:
    return term.value if term is not None else None


def _property_order(prop: Property) -> tuple[str, str]:
    return (prop.predicate.value, prop.value.value)
