"""What the HTML pages show of one resource, read with fixed SPARQL queries from the store.

Every query binds ``?this`` with a VALUES row of a checked IRI (never by pasting
request text into the query) and reads the union of all graphs. Lists are capped at ``MAX_ROWS``;
the page says when a list was cut. The functions return plain dataclasses; the
templates (autoescaped) turn them into HTML.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher

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

    # -------------------------------------------------------------- statements (cross-source)

    def statement_view(self, iri: str) -> StatementView:
        """The reports of the statement ``iri`` lined up, diffed, and their lineage."""
        return _statement_view(self, iri)

    def statement_distortions(self, statement: str) -> list[DistortionView]:
        """Distortions of the reports of ``statement``, with their changed-words span."""
        rows = list(self.rows("""SELECT DISTINCT ?d ?c ?c0 ?kind ?note ?span ?b ?e ?exact ?ctx
        WHERE {
            ?c nkg:statement ?this . ?d nkg:claim ?c ; a nkg:Distortion .
            OPTIONAL { ?d nkg:comparedTo ?c0 } OPTIONAL { ?d nkg:kind ?kind }
            OPTIONAL { ?d rdfs:comment ?note }
            OPTIONAL { ?d nkg:evidence ?span . ?span nif:beginIndex ?b ; nif:endIndex ?e .
                       OPTIONAL { ?span nif:anchorOf ?exact }
                       OPTIONAL { ?span nif:referenceContext ?ctx } }
        } ORDER BY ?c ?b ?d""", statement))
        found: dict[str, DistortionView] = {}
        for row in rows[:MAX_ROWS]:
            iri = row["d"].value
            if iri in found:
                continue
            changed = (self.make_evidence(row["span"], row["b"], row["e"], row["exact"],
                                          row["ctx"]) if row["span"] is not None else None)
            note = _value(row["note"])
            found[iri] = DistortionView(iri, _value(row["kind"]) or "", row["c"].value,
                                        _value(row["c0"]), changed,
                                        _original_from_comment(note), note)
        return list(found.values())

    def derivations_among(self, articles: list[str]) -> list[tuple[str, str, str]]:
        """(copy, source, kind) of the lineage between these articles (kind "derived" for a
        bare nkg:derivedFrom), each pair once, its strongest kind first."""
        found: dict[tuple[str, str], list[str]] = {}
        wanted = set(articles)
        for start in range(0, len(articles), 200):
            values = " ".join(str(ox.NamedNode(a)) for a in articles[start:start + 200])
            for row in self.store.query(f"""SELECT DISTINCT ?copy ?source ?kind WHERE {{
                    VALUES ?copy {{ {values} }}
                    {{ ?copy nkg:derivedFrom ?source }}
                    UNION {{ ?l a nkg:Derivation ; nkg:copy ?copy ; nkg:source ?source }}
                    OPTIONAL {{ ?k a nkg:Derivation ; nkg:copy ?copy ; nkg:source ?source ;
                                   nkg:kind ?kind }}
                }} LIMIT {MAX_ROWS}""", prefixes=QUERY_PREFIXES, use_default_graph_as_union=True):
                pair = (row["copy"].value, row["source"].value)
                if pair[1] in wanted:
                    kinds = found.setdefault(pair, [])
                    kind = _value(row["kind"]) or "derived"
                    if kind not in kinds:
                        kinds.append(kind)
        order = ("near_copy", "spun_rewrite", "quotes_source", "derived", "shared_source")
        return [(copy, source, min(kinds, key=lambda k: (order.index(k) if k in order
                                                          else len(order), k)))
                for (copy, source), kinds in sorted(found.items())]


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


# ------------------------------------------------------------------ the statement page
#
# One row per report of a statement, each diffed word by word against the report it is
# compared with, the distortions found between them, and the lineage of the articles drawn
# as a small graph. Everything is plain data; statement.html (autoescaped) draws it.

DIFF_TOKEN = re.compile(r"\w+(?:[’'.,\-]\w+)*|[^\w\s]")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"})
_COMMENT_WORDS = re.compile(r"“(.*)” → “(.*)”\s*$", re.DOTALL)
DISTORTED_FROM = "the report it departs from"
UNDIRECTED_KINDS = frozenset({"shared_source"})   # two copies of one source: no direction
MAX_GRAPH_NODES = 40
NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 230, 64, 40, 84, 28
TITLE_CHARS = 28                                   # per line, two lines of title per node
DISTORTION_NOTES = {
    "modality": "an offer, intent or possibility told as a done deed (or back)",
    "entity_swap": "another actor, country or people named",
    "quantity": "the numbers differ",
    "scope": "'one of' made 'the only', 'some' made 'all' (or back)",
    "negation": "a negation added or dropped",
    "attribution": "the words credited to someone else",
}


@dataclass(frozen=True)
class DiffPart:
    """A run of words of a report: kept (``equal``), added (``insert``) or dropped (``delete``,
    words of the compared report), with the distortion kinds whose changed words it is."""

    op: str
    text: str
    space: str = ""                        # the white space after it
    kinds: tuple[str, ...] = ()


@dataclass
class DistortionView:
    iri: str
    kind: str
    claim: str
    compared_to: str | None
    changed: Evidence | None               # the changed words, in the changed report's article
    original: str | None = None            # the words they replace (from the analysis' comment)
    note: str | None = None                # rdfs:comment, when the analysis wrote one
    article: ArticleRef | None = None
    compared_article: ArticleRef | None = None

    @property
    def outlet(self) -> str:
        return display_outlet(self.article)

    @property
    def explanation(self) -> str:
        return DISTORTION_NOTES.get(self.kind, "")


@dataclass
class Report:
    """One report of a statement, lined up against the report it is compared with."""

    finding: Finding
    compared_to: Finding | None = None
    basis: str = ""                        # why that one: distortion, lineage or reference
    diff: list[DiffPart] = field(default_factory=list)
    distortions: list[DistortionView] = field(default_factory=list)
    layer: int = 0

    @property
    def is_reference(self) -> bool:
        return self.compared_to is None

    @property
    def outlet(self) -> str:
        return display_outlet(self.finding.article)

    @property
    def changed(self) -> bool:
        return any(part.op != "equal" for part in self.diff)


@dataclass(frozen=True)
class GraphNode:
    iri: str
    x: int
    y: int
    lines: tuple[str, ...]                 # the title, wrapped and cut
    caption: str                           # outlet or source, and date
    title: str                             # the full title (tooltip)
    classes: str = ""


@dataclass(frozen=True)
class GraphEdge:
    copy: str
    source: str
    kind: str
    x1: int
    y1: int
    x2: int
    y2: int
    label_x: int
    label_y: int
    directed: bool = True
    bends: tuple[tuple[int, int], ...] = ()   # around the boxes of the layers it crosses

    @property
    def path(self) -> str:
        """SVG path data from the copy to the source."""
        points = ((self.x1, self.y1), *self.bends, (self.x2, self.y2))
        return "M" + " L".join(f"{x},{y}" for x, y in points)


@dataclass
class LineageGraph:
    width: int
    height: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    cut: bool = False                      # more articles than MAX_GRAPH_NODES
    node_w: int = NODE_W
    node_h: int = NODE_H


@dataclass
class StatementView:
    reports: list[Report]
    cut: bool
    distortions: list[DistortionView]
    lineage: LineageGraph
    claimants: list[Node]
    outlets: int                           # distinct outlets (or sources) reporting it


def display_outlet(article: ArticleRef | None) -> str:
    """The outlet's label, else the host of a URL source, else the source's file name.

    >>> display_outlet(ArticleRef("a", source="https://www.example.com/news/1"))
    'www.example.com'
    >>> display_outlet(ArticleRef("a", source="/data/dev/000_52b3.txt"))
    '000_52b3.txt'
    >>> [display_outlet(ArticleRef("a", source=s)) for s in ("C:\\\\news\\\\a.txt", "Reuters")]
    ['a.txt', 'Reuters']
    """
    if article is None:
        return ""
    if article.outlet is not None:
        return article.outlet.label or article.outlet.value
    source = article.source or ""
    if "://" in source and not source.startswith("file:"):
        return source.split("://", 1)[1].split("/", 1)[0]
    if source.startswith(("/", "file:")) or re.match(r"[A-Za-z]:\\", source):   # a file
        return source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return source


def diff_tokens(text: str) -> list[tuple[str, int, int]]:
    """Words and punctuation marks of ``text`` with their offsets."""
    return [(m.group(), m.start(), m.end()) for m in DIFF_TOKEN.finditer(text)]


def word_diff(new: str, old: str, new_offset: int = 0,
              marks: Iterable[tuple[int, int, str]] = ()) -> list[DiffPart]:
    """``new`` against ``old`` word by word (difflib on case- and quote-folded tokens).

    ``marks`` are (begin, end, kind) character ranges of the new report's article (``new``
    starts at ``new_offset`` in it): the words inside carry that kind, changed or not.

    >>> [(p.op, p.text, p.kinds) for p in word_diff("has provided Russia with 100,000",
    ...                                             "has offered Russia 100,000", 10,
    ...                                             [(14, 22, "modality")])]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('equal', 'has', ()), ('delete', 'offered', ()), ('insert', 'provided', ('modality',)),
     ('equal', 'Russia', ()), ('insert', 'with', ()), ('equal', '100,000', ())]
    """
    new_toks, old_toks = diff_tokens(new), diff_tokens(old)
    marks = list(marks)

    def kinds(begin: int, end: int) -> tuple[str, ...]:
        a, b = begin + new_offset, end + new_offset
        return tuple(sorted({kind for mb, me, kind in marks if mb < b and a < me}))

    matcher = SequenceMatcher(None, [t[0].lower().translate(_FOLD) for t in old_toks],
                              [t[0].lower().translate(_FOLD) for t in new_toks], autojunk=False)
    # one entry per token: (op, side tokens, kinds); consecutive equal entries are merged below
    steps: list[tuple[str, str, int, int, tuple[str, ...]]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            steps += [("delete", "old", i, i + 1, ()) for i in range(i1, i2)]
        if op in ("insert", "replace", "equal"):
            kind = "equal" if op == "equal" else "insert"
            steps += [(kind, "new", j, j + 1, kinds(new_toks[j][1], new_toks[j][2]))
                      for j in range(j1, j2)]
    parts: list[DiffPart] = []
    runs: list[list[tuple[str, str, int, int, tuple[str, ...]]]] = []
    for step in steps:
        if runs and (runs[-1][-1][0], runs[-1][-1][4]) == (step[0], step[4]):
            runs[-1].append(step)
        else:
            runs.append([step])
    for index, run in enumerate(runs):
        op, side = run[0][0], run[0][1]
        toks, text = (old_toks, old) if side == "old" else (new_toks, new)
        begin, end = toks[run[0][2]][1], toks[run[-1][2]][2]
        # the space after: what the new text has before its next word (a dropped run: one)
        following = next((r for r in runs[index + 1:] if r[0][1] == "new"), None)
        if side == "old":   # a dropped word stands apart from the next, a mark does not
            after = runs[index + 1] if index + 1 < len(runs) else None
            next_text = new_toks[after[0][2]][0] if after and after[0][1] == "new" else "a"
            space = "" if not (text[end - 1].isalnum() and next_text[0].isalnum()) else " "
        else:
            stop = new_toks[following[0][2]][1] if following else end
            space = new[end:stop]
        parts.append(DiffPart(op, text[begin:end], space, run[0][4]))
    if parts and parts[-1].op == "delete":
        parts[-1] = DiffPart("delete", parts[-1].text, "", parts[-1].kinds)
    return parts


def lineage_graph(articles: list[ArticleRef], links: list[tuple[str, str, str]],
                  classes: dict[str, str]) -> LineageGraph:
    """Articles in layers, sources above their copies; an edge per (copy, source, kind).

    >>> g = lineage_graph([ArticleRef("a", "A"), ArticleRef("b", "B")],
    ...                   [("b", "a", "near_copy")], {})
    >>> [(n.iri, n.y) for n in g.nodes], [(e.copy, e.source, e.y1 > e.y2) for e in g.edges]
    ([('a', 28), ('b', 176)], [('b', 'a', True)])
    """
    cut = len(articles) > MAX_GRAPH_NODES
    articles = articles[:MAX_GRAPH_NODES]
    known = {a.iri for a in articles}
    links = [(c, s, k) for c, s, k in links if c in known and s in known and c != s]
    sources: dict[str, list[str]] = {a.iri: [] for a in articles}
    for copy, source, _ in links:
        sources[copy].append(source)
    layer = {a.iri: 0 for a in articles}
    for _ in range(len(articles)):         # longest path from a source; bounded if cyclic
        changed = False
        for copy, found in sources.items():
            want = max((layer[s] + 1 for s in found), default=0)
            if want > layer[copy] and want < len(articles):
                layer[copy], changed = want, True
        if not changed:
            break
    rows: dict[int, list[ArticleRef]] = {}
    for article in articles:
        rows.setdefault(layer[article.iri], []).append(article)
    width = max(len(r) for r in rows.values()) * (NODE_W + GAP_X) - GAP_X + 2 * MARGIN
    position: dict[str, tuple[int, int]] = {}
    nodes: list[GraphNode] = []
    for depth in sorted(rows):
        row = rows[depth]
        if depth:   # under the sources they copy (barycentre), to keep arrows short
            row.sort(key=lambda a: (sum(position[s][0] for s in sources[a.iri] if s in position)
                                    / max(1, sum(s in position for s in sources[a.iri]))
                                    if any(s in position for s in sources[a.iri]) else width,
                                    a.date or "", a.iri))
        else:
            row.sort(key=lambda a: (a.date or "9999", a.title or "", a.iri))
        span = len(row) * (NODE_W + GAP_X) - GAP_X
        x0 = (width - span) // 2
        for index, article in enumerate(row):
            x, y = x0 + index * (NODE_W + GAP_X), MARGIN + depth * (NODE_H + GAP_Y)
            position[article.iri] = (x, y)
            title = article.title or compact_path(article.iri)
            date = (article.date or "")[:10]
            outlet = cut_text(display_outlet(article), 34 - len(date) - 3 * bool(date))
            caption = " · ".join(p for p in (outlet, date) if p)
            nodes.append(GraphNode(article.iri, x, y, wrap(title, TITLE_CHARS, 2),
                                   caption, title,
                                   classes.get(article.iri, "")))
    height = MARGIN * 2 + (max(rows) + 1) * (NODE_H + GAP_Y) - GAP_Y
    # where edges leave and reach a box: spread along its top and bottom sides
    ends: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for copy, source, _ in links:
        (cx, cy), (sx, sy) = position[copy], position[source]
        if cy == sy:
            continue
        ends.setdefault((copy, "top" if cy > sy else "bottom"), []).append((sx, source))
        ends.setdefault((source, "bottom" if cy > sy else "top"), []).append((cx, copy))

    def anchor(iri: str, side: str, other: str) -> tuple[int, int]:
        x, y = position[iri]
        others = sorted(ends.get((iri, side), []))
        index = next(i for i, (_, o) in enumerate(others) if o == other)
        return (x + NODE_W * (index + 1) // (len(others) + 1),
                y if side == "top" else y + NODE_H)

    edges: list[GraphEdge] = []
    for copy, source, kind in links:
        (cx, cy), (sx, sy) = position[copy], position[source]
        bends: list[tuple[int, int]] = []
        if cy == sy:                       # side by side (only when cyclic): right to left
            left = cx < sx
            x1, x2 = (cx + NODE_W, sx) if left else (cx, sx + NODE_W)
            y1 = y2 = cy + NODE_H // 2
        else:
            down = cy > sy
            x1, y1 = anchor(copy, "top" if down else "bottom", source)
            x2, y2 = anchor(source, "bottom" if down else "top", copy)
            bends = _bends(x1, y1, x2, y2, rows, position)
        edges.append(GraphEdge(copy, source, kind, x1, y1, x2, y2, x1, y1,
                               kind not in UNDIRECTED_KINDS, tuple(bends)))
    edges = _place_labels(edges, [(x, y, x + NODE_W, y + NODE_H) for x, y in position.values()])
    return LineageGraph(width, height, nodes, edges, cut)


def _place_labels(edges: list[GraphEdge], boxes: list[tuple[int, int, int, int]]
                  ) -> list[GraphEdge]:
    """Each edge's label on its line, nearer the copy if it can, where it overlaps neither
    a box nor a label placed before (arrows first, then the dashed lines)."""
    taken = list(boxes)
    placed: dict[int, tuple[int, int]] = {}
    order = sorted(range(len(edges)), key=lambda i: (not edges[i].directed, i))
    for index in order:
        edge = edges[index]
        half_w, half_h = (len(edge.kind) * 6.3 + 8) / 2, 8
        points = [(edge.x1, edge.y1), *edge.bends, (edge.x2, edge.y2)]
        spot = None
        for fraction in (0.33, 0.45, 0.22, 0.56, 0.68, 0.12, 0.8, 0.9):
            x, y = _along(points, fraction)
            box = (x - half_w, y - half_h, x + half_w, y + half_h)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in taken):
                spot = (x, y)
                taken.append(box)
                break
        placed[index] = spot or _along(points, 0.33)
    return [GraphEdge(e.copy, e.source, e.kind, e.x1, e.y1, e.x2, e.y2, round(placed[i][0]),
                      round(placed[i][1]), e.directed, e.bends) for i, e in enumerate(edges)]


def _along(points: list[tuple[int, int]], fraction: float) -> tuple[float, float]:
    """The point at ``fraction`` of the length of a polyline."""
    lengths = [((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
               for (ax, ay), (bx, by) in itertools.pairwise(points)]
    left = fraction * sum(lengths)
    for ((ax, ay), (bx, by)), length in zip(itertools.pairwise(points), lengths, strict=True):
        if left <= length and length:
            return ax + (bx - ax) * left / length, ay + (by - ay) * left / length
        left -= length
    return points[-1]


def _bends(x1: int, y1: int, x2: int, y2: int, rows: dict[int, list[ArticleRef]],
           position: dict[str, tuple[int, int]]) -> list[tuple[int, int]]:
    """Where an edge that spans several layers passes the layers between its ends: through
    the gap nearest its straight line when that line would cross a box of the layer."""
    bends: list[tuple[int, int]] = []
    top, bottom = sorted((y1, y2))
    layers = [row for row in rows.values() if top < position[row[0].iri][1] < bottom]
    layers.sort(key=lambda row: position[row[0].iri][1], reverse=y1 > y2)   # from the copy
    for row in layers:
        row_top = position[row[0].iri][1]
        row_bottom = row_top + NODE_H
        boxes = sorted(position[a.iri][0] for a in row)
        # the straight line (from the last bend) across the layer's band
        fx, fy = bends[-1] if bends else (x1, y1)
        at = [fx + (x2 - fx) * (y - fy) / (y2 - fy) for y in (row_top, row_bottom)]
        low, high = min(at) - 6, max(at) + 6
        if not any(bx < high and low < bx + NODE_W for bx in boxes):
            continue
        gaps = [boxes[0] - GAP_X // 2, boxes[-1] + NODE_W + GAP_X // 2]
        gaps += [(a + NODE_W + b) // 2 for a, b in itertools.pairwise(boxes)]
        middle = (at[0] + at[1]) / 2
        gx = min(gaps, key=lambda g: (abs(g - middle), g))
        near, far = (row_bottom, row_top) if y1 > y2 else (row_top, row_bottom)
        bends += [(gx, near + (8 if y1 > y2 else -8)), (gx, far + (-8 if y1 > y2 else 8))]
    return bends


def wrap(text: str, width: int, lines: int) -> tuple[str, ...]:
    """``text`` in at most ``lines`` lines of ``width`` characters, the last cut with '…'.

    >>> wrap("North Korea offers Russia 100,000 volunteers to fight Ukraine", 20, 2)
    ('North Korea offers', 'Russia 100,000 volu…')
    """
    out: list[str] = []
    words = text.split()
    while words and len(out) < lines:
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= width:
            line += " " + words.pop(0)
        out.append(line)
    if words:
        out[-1] = cut_text(out[-1] + " " + " ".join(words), width)
    return tuple(cut_text(line, width) for line in out)


def cut_text(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def compact_path(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _statement_view(lookup: Lookup, iri: str) -> StatementView:
    reports, cut = lookup.claims("?c nkg:statement ?this .", iri)
    by_iri = {f.iri: f for f in reports}
    distortions = lookup.statement_distortions(iri)
    for distortion in distortions:          # a report compared with one outside the statement
        if distortion.compared_to and distortion.compared_to not in by_iri:
            found, _ = lookup.claims("BIND(?this AS ?c)", distortion.compared_to)
            if found:
                by_iri[distortion.compared_to] = found[0]
        other = by_iri.get(distortion.compared_to or "")
        distortion.compared_article = other.article if other else None
        own = by_iri.get(distortion.claim)
        distortion.article = own.article if own else None
    articles: list[ArticleRef] = []
    for finding in reports:
        if finding.article and finding.article not in articles:
            articles.append(finding.article)
    links = lookup.derivations_among([a.iri for a in articles])

    # what each report is compared with: the report its distortion names, else the report
    # in its article's lineage source, else the reference (the most compared-with report,
    # else the earliest report of an article that copies none of the others)
    plan: dict[str, tuple[str, str]] = {}
    for distortion in distortions:
        if distortion.compared_to in by_iri and distortion.claim in by_iri:
            plan.setdefault(distortion.claim, (distortion.compared_to, DISTORTED_FROM))
    report_in = {f.article.iri: f.iri for f in reports if f.article}
    directed = [(c, s, k) for c, s, k in links if k not in UNDIRECTED_KINDS]
    for finding in reports:
        if finding.iri in plan or not finding.article:
            continue
        for copy, source, kind in directed:
            if copy == finding.article.iri and source in report_in:
                plan[finding.iri] = (report_in[source], f"its source: {kind.replace('_', ' ')}")
                break
    counts: dict[str, int] = {}
    for target, basis in plan.values():
        if basis == DISTORTED_FROM:
            counts[target] = counts.get(target, 0) + 1
    copies = {c for c, _, _ in directed}
    reference = max(counts, key=lambda k: (counts[k], k)) if counts else None
    if reference is None and reports:
        originals = [f for f in reports if not (f.article and f.article.iri in copies)] or reports
        reference = min(originals, key=lambda f: ((f.article.date if f.article else None)
                                                  or "9999", f.iri)).iri
    for finding in reports:
        if finding.iri not in plan and finding.iri != reference and reference:
            plan[finding.iri] = (reference, "the reference report")

    classes: dict[str, str] = {}
    rows: list[Report] = []
    for finding in reports:
        target, basis = plan.get(finding.iri, (None, ""))
        other = by_iri.get(target) if target else None
        mine = [d for d in distortions if d.claim == finding.iri]
        report = Report(finding, other, basis, distortions=mine)
        if other is not None:
            new_ev, old_ev = _diff_text(finding), _diff_text(other)
            marks = [(d.changed.begin, d.changed.end, d.kind) for d in mine
                     if d.changed is not None and new_ev[2]]
            report.diff = word_diff(new_ev[0], old_ev[0], new_ev[1], marks)
        rows.append(report)
        if finding.article:
            names = classes.get(finding.article.iri, "").split()
            names += ["distorted"] * bool(mine) + ["reference"] * report.is_reference
            classes[finding.article.iri] = " ".join(dict.fromkeys(names))
    graph = lineage_graph(articles, links, classes)
    layer_of = {n.iri: n.y for n in graph.nodes}
    for report in rows:
        report.layer = layer_of.get(report.finding.article.iri if report.finding.article
                                    else "", 10 ** 6)
    rows.sort(key=lambda r: (not r.is_reference, r.layer,
                             (r.finding.article.date if r.finding.article else None) or "9999",
                             (r.finding.article.title if r.finding.article else None) or "",
                             r.finding.iri))
    claimants = list(dict.fromkeys(f.claimant for f in reports if f.claimant))
    return StatementView(rows, cut, distortions, graph, claimants,
                         len({display_outlet(a) or a.iri for a in articles}))


def _diff_text(finding: Finding) -> tuple[str, int, bool]:
    """What a report's diff reads: its first evidence span (offsets known) or its text."""
    if finding.evidence and finding.evidence[0].exact:
        ev = finding.evidence[0]
        return ev.exact, ev.begin, ev.verified
    return finding.text or "", 0, False


def _original_from_comment(comment: str | None) -> str | None:
    """The replaced words of kg.crosssource.emit's comment ``kind: “old” → “new”``."""
    match = _COMMENT_WORDS.search(comment or "")
    return match.group(1) if match else None
