"""The build's per-article check: the SHACL shapes compiled to SPARQL, run by pyoxigraph.

pyshacl needs 0.3–0.9 s for one article graph (RDFS inference and a Python
evaluation of every constraint for every focus node), which would make the check
of a 10k-article build take hours. This module reads ``shapes/newskg.shapes.ttl``
once, compiles each constraint into one SPARQL SELECT that returns the focus
nodes breaking it, and runs those queries over a batch of article graphs loaded
into an in-memory pyoxigraph store, after materialising the RDFS entailments
(subproperty, domain, range, subclass) of the ontology's schema. Cost therefore
grows with the number of triples, not with triples × shapes × Python calls.

What it guarantees, honestly:

- every constraint component used by the shapes file is compiled (``unsupported``
  lists any that is not, and ``tests/test_scale_check.py`` fails when the list is not
  empty), with the SHACL semantics the shapes rely on: value nodes as sets, errors in
  comparisons count as failures, ``sh:or`` of datatypes, qualified counts with ``sh:in``;
- on every defect case of ``tests/shapes_cases`` it rejects exactly when pyshacl does,
  and every shape it names is one pyshacl names too;
- it differs from pyshacl in one place: Oxigraph, like RDF 1.1, has no literal
  subjects, so a literal where an IRI belongs is reported once (by the property's own
  shape), not again through the types that range inference gives the literal.

``kg validate`` still runs the full pyshacl validation of the whole store.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

log = logging.getLogger(__name__)

_REPO = Path(__file__).resolve().parent.parent.parent
CHECK_BATCH_DEFAULT = 64   # articles per check in benchmarks (the build uses kg.pipeline.CHECK_BATCH)
SHAPES_PATH = _REPO / "shapes" / "newskg.shapes.ttl"
ONTOLOGY_PATH = _REPO / "ontology" / "newskg.ttl"

# Lexical forms pyshacl (through rdflib) accepts for the datatypes the shapes name; a
# literal with another lexical form is ill-typed and fails sh:datatype.
_LEXICAL = {
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.nonNegativeInteger: r"^(\+?[0-9]+|-0+)$",
    XSD.decimal: r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    XSD.boolean: r"^(true|false|1|0)$",
    XSD.date: r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.dateTime: r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T[0-9]{2}:[0-9]{2}:"
                  r"[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$",
}
_NODE_KINDS = {
    SH.IRI: "isIRI(?v)", SH.Literal: "isLiteral(?v)", SH.BlankNode: "isBlank(?v)",
    SH.BlankNodeOrIRI: "(isBlank(?v) || isIRI(?v))",
    SH.BlankNodeOrLiteral: "(isBlank(?v) || isLiteral(?v))",
    SH.IRIOrLiteral: "(isIRI(?v) || isLiteral(?v))",
}
_COMPARISONS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">",
                SH.maxExclusive: "<"}
_PAIRS = {SH.lessThan: "<", SH.lessThanOrEquals: "<="}
# Terms of a shape that are not constraints (or are handled with another one).
_NOT_CONSTRAINTS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
                    SH.property, SH.message, SH.severity, SH.deactivated, SH.path, SH.name,
                    SH.description, SH.order, SH.group, RDF.type, RDFS.label, RDFS.comment,
                    SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.flags,
                    SH.qualifiedValueShapesDisjoint}
_VALUE_CONSTRAINTS = {SH.datatype, SH.nodeKind, SH["class"], SH["in"], SH.pattern, SH.minLength,
                      SH.maxLength, SH["or"], SH["and"], SH["not"], *_COMPARISONS}


@dataclass(frozen=True)
class Result:
    """One failed constraint: the shape, the focus node, the path and the value (N-Triples)."""

    shape: str
    focus: str
    path: str | None
    value: str | None
    message: str
    violation: bool = True          # False for sh:Warning / sh:Info results


@dataclass(frozen=True)
class _Check:
    shape: str
    path: str | None
    query: str
    message: str
    violation: bool

    @property
    def has_value(self) -> bool:
        return " ?v " in self.query.split("WHERE", 1)[0] + " "


def _n(term: Node) -> str:
    return f"<{term}>"


def _string(text: str) -> str:
    """A SPARQL string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _lit(term: Node) -> str:
    """A SPARQL term for an RDF term of the shapes graph."""
    if isinstance(term, URIRef):
        return _n(term)
    if isinstance(term, Literal):
        return term.n3()
    raise ValueError(f"blank node {term} cannot be written in a query")


# ------------------------------------------------------------------ RDFS schema


@dataclass(frozen=True)
class _Schema:
    """The ontology's RDFS closure: super-properties, domain and range classes, superclasses."""

    super_properties: dict[ox.NamedNode, tuple[ox.NamedNode, ...]]
    domains: dict[ox.NamedNode, tuple[ox.NamedNode, ...]]
    ranges: dict[ox.NamedNode, tuple[ox.NamedNode, ...]]
    super_classes: dict[ox.NamedNode, tuple[ox.NamedNode, ...]]

    @classmethod
    def of(cls, ontology: Graph) -> _Schema:
        def closure(predicate: URIRef) -> dict[URIRef, set[URIRef]]:
            direct: dict[URIRef, set[URIRef]] = {}
            for s, o in ontology.subject_objects(predicate):
                if isinstance(s, URIRef) and isinstance(o, URIRef) and s != o:
                    direct.setdefault(s, set()).add(o)
            closed: dict[URIRef, set[URIRef]] = {}
            for start in direct:
                seen, todo = set(), list(direct[start])
                while todo:
                    item = todo.pop()
                    if item not in seen:
                        seen.add(item)
                        todo.extend(direct.get(item, ()))
                closed[start] = seen - {start}
            return closed

        sub_classes = closure(RDFS.subClassOf)
        sub_properties = closure(RDFS.subPropertyOf)

        def with_supers(classes: Iterable[URIRef]) -> set[URIRef]:
            out = set()
            for c in classes:
                out |= {c, *sub_classes.get(c, ())}
            return out

        def typed(predicate: URIRef) -> dict[URIRef, set[URIRef]]:
            direct: dict[URIRef, set[URIRef]] = {}
            for s, o in ontology.subject_objects(predicate):
                if isinstance(s, URIRef) and isinstance(o, URIRef):
                    direct.setdefault(s, set()).add(o)
            return {p: with_supers(cs) for p, cs in direct.items()}

        def ox_map(mapping: dict[URIRef, set[URIRef]]) -> dict[ox.NamedNode, tuple]:
            return {ox.NamedNode(str(k)): tuple(ox.NamedNode(str(v)) for v in sorted(vs))
                    for k, vs in mapping.items() if vs}

        return cls(ox_map(sub_properties), ox_map(typed(RDFS.domain)), ox_map(typed(RDFS.range)),
                   ox_map(sub_classes))

    @functools.cached_property
    def update(self) -> str:
        """The RDFS entailments (rdfs2, rdfs3, rdfs7, rdfs9) of a store's default graph, as one
        SPARQL Update (run in Rust: ~20 % of the check's time was a Python loop doing this).

        The order matters:
        superclasses of asserted types first (domain and range classes already include
        their superclasses), then super-properties, whose triples then get domains and
        ranges like the asserted ones.
        """
        def values(mapping: dict[ox.NamedNode, tuple[ox.NamedNode, ...]]) -> str:
            return " ".join(f"({k} {v})" for k, vs in sorted(mapping.items(), key=str)
                            for v in vs)

        rules = (   # (mapping, what it inserts, the pair its VALUES binds, the pattern)
            (self.super_classes, "?s a ?c", "?t ?c", "?s a ?t"),
            (self.super_properties, "?s ?q ?o", "?p ?q", "?s ?p ?o"),
            (self.domains, "?s a ?c", "?p ?c", "?s ?p ?o"),
            (self.ranges, "?o a ?c", "?p ?c", "?s ?p ?o FILTER(!isLiteral(?o))"),
        )
        operations = [f"INSERT {{ {insert} }} WHERE {{ VALUES ({pair}) {{ {values(mapping)} }} "
                      f"{pattern} }}" for mapping, insert, pair, pattern in rules if mapping]
        return " ;\n".join(operations)


# ------------------------------------------------------------------ compiling shapes


class _Compiler:
    """Compiles the shapes graph into one SPARQL query per constraint component."""

    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.checks: list[_Check] = []
        self.unsupported: list[str] = []

    def compile(self) -> None:
        node_shapes = set(self.g.subjects(RDF.type, SH.NodeShape))
        for predicate in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode):
            node_shapes |= set(self.g.subjects(predicate, None))
        for shape in sorted(node_shapes, key=str):
            if self.g.value(shape, SH.deactivated) == Literal(True):
                continue
            targets = self._targets(shape)
            if targets is None:
                continue
            self._shape_checks(shape, None, targets, shape)
            for prop in sorted(self.g.objects(shape, SH.property), key=str):
                if self.g.value(prop, SH.deactivated) == Literal(True):
                    continue
                path = self._path(self.g.value(prop, SH.path))
                self._shape_checks(prop, path, targets, prop)

    def _targets(self, shape: Node) -> str | None:
        parts = [f"{{ ?this a {_n(c)} }}" for c in self.g.objects(shape, SH.targetClass)]
        if (shape, RDF.type, RDFS.Class) in self.g:  # implicit class target
            parts.append(f"{{ ?this a {_n(shape)} }}")
        parts += [f"{{ ?this {_n(p)} ?_t }}" for p in self.g.objects(shape, SH.targetSubjectsOf)]
        parts += [f"{{ ?_t {_n(p)} ?this }}" for p in self.g.objects(shape, SH.targetObjectsOf)]
        parts += [f"{{ VALUES ?this {{ {_lit(n)} }} }}" for n in self.g.objects(shape, SH.targetNode)]
        if not parts:
            return None
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(sorted(parts)) + " } }"

    def _path(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return _n(node)
        if self.g.value(node, RDF.first) is not None:
            return "(" + " / ".join(self._path(step) for step in Collection(self.g, node)) + ")"
        if (inner := self.g.value(node, SH.inversePath)) is not None:
            return f"^{self._path(inner)}"
        if (alts := self.g.value(node, SH.alternativePath)) is not None:
            return "(" + " | ".join(self._path(step) for step in Collection(self.g, alts)) + ")"
        for predicate, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                                (SH.zeroOrOnePath, "?")):
            if (inner := self.g.value(node, predicate)) is not None:
                return f"({self._path(inner)}){mark}"
        raise ValueError(f"unsupported SHACL path {node!r}")

    def _add(self, shape: Node, path: str | None, query: str) -> None:
        severity = self.g.value(shape, SH.severity, default=SH.Violation)
        message = str(self.g.value(shape, SH.message) or "")
        self.checks.append(_Check(str(shape), path, query, message, severity == SH.Violation))

    def _shape_checks(self, shape: Node, path: str | None, targets: str, owner: Node) -> None:
        """Queries for the constraints of one node shape (path None) or property shape."""
        g = self.g
        value_pattern = f"?this {path} ?v ." if path else "BIND (?this AS ?v)"
        for predicate in sorted(set(g.predicates(shape, None)), key=str):
            if predicate in _NOT_CONSTRAINTS:
                continue
            objects = list(g.objects(shape, predicate))
            if predicate in _VALUE_CONSTRAINTS:
                condition = self._value_condition(shape, only=predicate)
                if condition is None:
                    continue
                self._add(owner, path, f"SELECT DISTINCT ?this ?v WHERE {{ {targets} "
                                       f"{value_pattern} FILTER (!COALESCE({condition}, false)) }}")
            elif predicate in (SH.minCount, SH.maxCount) and path:
                n = int(objects[0])
                if predicate == SH.minCount:
                    self._add(owner, path, f"SELECT ?this WHERE {{ {targets} OPTIONAL {{ "
                                           f"{value_pattern} }} }} GROUP BY ?this "
                                           f"HAVING (COUNT(DISTINCT ?v) < {n})")
                else:
                    self._add(owner, path, f"SELECT ?this WHERE {{ {targets} {value_pattern} }} "
                                           f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {n})")
            elif predicate == SH.qualifiedValueShape and path:
                condition = self._value_condition(objects[0])
                low = g.value(shape, SH.qualifiedMinCount)
                high = g.value(shape, SH.qualifiedMaxCount)
                tests = ([f"COUNT(DISTINCT ?v) < {int(low)}"] if low is not None else []) + \
                        ([f"COUNT(DISTINCT ?v) > {int(high)}"] if high is not None else [])
                if condition is None or not tests:
                    self.unsupported.append(f"{shape} sh:qualifiedValueShape")
                    continue
                self._add(owner, path, f"SELECT ?this WHERE {{ {targets} OPTIONAL {{ "
                                       f"{value_pattern} FILTER (COALESCE({condition}, false)) }} }} "
                                       f"GROUP BY ?this HAVING ({' || '.join(tests)})")
            elif predicate == SH.disjoint:
                for other in objects:
                    self._add(owner, path, f"SELECT DISTINCT ?this ?v WHERE {{ {targets} "
                                           f"{value_pattern} ?this {_n(other)} ?v }}")
            elif predicate == SH.equals:
                for other in objects:
                    self._add(owner, path, f"SELECT DISTINCT ?this ?v WHERE {{ {targets} {{ "
                                           f"{value_pattern} FILTER NOT EXISTS {{ ?this "
                                           f"{_n(other)} ?v }} }} UNION {{ ?this {_n(other)} ?v "
                                           f"FILTER NOT EXISTS {{ {value_pattern.rstrip(' .')} }} "
                                           f"}} }}")
            elif predicate in _PAIRS:
                for other in objects:
                    self._add(owner, path, f"SELECT DISTINCT ?this ?v WHERE {{ {targets} "
                                           f"{value_pattern} ?this {_n(other)} ?w FILTER "
                                           f"(!COALESCE(?v {_PAIRS[predicate]} ?w, false)) }}")
            elif predicate == SH.hasValue:
                for value in objects:
                    self._add(owner, path, f"SELECT ?this WHERE {{ {targets} FILTER NOT EXISTS "
                                           f"{{ {value_pattern} FILTER (sameTerm(?v, "
                                           f"{_lit(value)})) }} }}")
            elif predicate == SH.sparql:
                for constraint in objects:
                    self._sparql(owner, path, targets, constraint)
            else:
                self.unsupported.append(f"{shape} {predicate}")

    def _value_condition(self, shape: Node, only: URIRef | None = None) -> str | None:
        """A SPARQL expression over ``?v`` true when ``?v`` meets the shape's value constraints."""
        g = self.g
        parts: list[str] = []
        for predicate in sorted(set(g.predicates(shape, None)), key=str):
            if (only is not None and predicate != only) or predicate in _NOT_CONSTRAINTS:
                continue
            for obj in g.objects(shape, predicate):
                if predicate == SH.datatype:
                    test = f"(isLiteral(?v) && sameTerm(datatype(?v), {_n(obj)})"
                    if obj in _LEXICAL:
                        test += f" && regex(str(?v), {_string(_LEXICAL[obj])})"
                    if obj == XSD.string:
                        test += ' && lang(?v) = ""'
                    parts.append(test + ")")
                elif predicate == SH.nodeKind:
                    parts.append(_NODE_KINDS[obj])
                elif predicate == SH["class"]:
                    parts.append(f"EXISTS {{ ?v a {_n(obj)} }}")
                elif predicate == SH["in"]:
                    members = [f"sameTerm(?v, {_lit(m)})" for m in Collection(g, obj)]
                    parts.append("(" + " || ".join(members or ["false"]) + ")")
                elif predicate == SH.pattern:
                    flags = g.value(shape, SH.flags)
                    extra = f", {_string(str(flags))}" if flags else ""
                    parts.append(f"(!isBlank(?v) && regex(str(?v), {_string(str(obj))}{extra}))")
                elif predicate in (SH.minLength, SH.maxLength):
                    op = ">=" if predicate == SH.minLength else "<="
                    parts.append(f"(!isBlank(?v) && strlen(str(?v)) {op} {int(obj)})")
                elif predicate in _COMPARISONS:
                    parts.append(f"(?v {_COMPARISONS[predicate]} {_lit(obj)})")
                elif predicate in (SH["or"], SH["and"]):
                    members = [self._value_condition(m) for m in Collection(g, obj)]
                    if any(m is None for m in members):
                        return None
                    joiner = " || " if predicate == SH["or"] else " && "
                    parts.append("(" + joiner.join(f"COALESCE({m}, false)" for m in members) + ")")
                elif predicate == SH["not"]:
                    inner = self._value_condition(obj)
                    if inner is None:
                        return None
                    parts.append(f"(!COALESCE({inner}, false))")
                else:
                    self.unsupported.append(f"{shape} {predicate} (inside a value shape)")
                    return None
        if not parts:
            return "true"
        return "(" + " && ".join(parts) + ")"

    def _sparql(self, shape: Node, path: str | None, targets: str, constraint: Node) -> None:
        g = self.g
        select = g.value(constraint, SH.select)
        if select is None:
            self.unsupported.append(f"{shape} sh:sparql without sh:select")
            return
        prefixes = ""
        for source in g.objects(constraint, SH.prefixes):
            for declaration in g.objects(source, SH.declare):
                prefixes += (f"PREFIX {g.value(declaration, SH.prefix)}: "
                             f"<{g.value(declaration, SH.namespace)}>\n")
        body = str(select).replace("$this", "?this")
        if path:
            body = body.replace("$PATH", path)
        self.checks.append(_Check(str(shape), path,
                                  f"{prefixes}SELECT DISTINCT ?this WHERE {{ {targets} "
                                  f"{{ {body} }} }}",
                                  str(g.value(constraint, SH.message) or
                                      g.value(shape, SH.message) or ""),
                                  g.value(shape, SH.severity, default=SH.Violation)
                                  == SH.Violation))


# ------------------------------------------------------------------ running


def to_ox(graph: Iterable[tuple[Node, Node, Node]]) -> Iterator[ox.Quad]:
    """The triples of an rdflib graph (or any triples) as pyoxigraph quads in the default graph."""
    cache: dict[Node, object] = {}

    def term(node: Node):
        found = cache.get(node)
        if found is None:
            if isinstance(node, URIRef):
                found = ox.NamedNode(str(node))
            elif isinstance(node, BNode):
                found = ox.BlankNode(f"b{abs(hash(str(node)))}")
            elif node.language:
                found = ox.Literal(str(node), language=node.language)
            elif node.datatype is not None:
                found = ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
            else:
                found = ox.Literal(str(node))
            cache[node] = found
        return found

    for s, p, o in graph:
        yield ox.Quad(term(s), term(p), term(o))


class QuickCheck:
    """The shapes compiled once; ``check`` runs them over graphs in one in-memory store."""

    def __init__(self, shapes: Path = SHAPES_PATH, ontology: Path = ONTOLOGY_PATH) -> None:
        shapes_graph = Graph().parse(shapes, format="turtle")
        compiler = _Compiler(shapes_graph)
        compiler.compile()
        self.checks: tuple[_Check, ...] = tuple(compiler.checks)
        self.unsupported: tuple[str, ...] = tuple(compiler.unsupported)
        for item in self.unsupported:
            log.warning("quick check: constraint not compiled, left to `kg validate`: %s", item)
        self.schema = _Schema.of(Graph().parse(ontology, format="turtle"))

    def check(self, graphs: Iterable[Graph]) -> list[Result]:
        """Every failed constraint in the union of ``graphs``, with RDFS entailments."""
        store = ox.Store()
        for graph in graphs:
            store.extend(to_ox(graph))
        return self.check_store(self._entailed(store))

    def _entailed(self, store: ox.Store) -> ox.Store:
        """``store`` with the RDFS entailments of its default graph added."""
        if self.schema.update:
            store.update(self.schema.update)
        return store

    def check_store(self, store: ox.Store) -> list[Result]:
        """Run every compiled check over the default graph of ``store``."""
        results = []
        for check in self.checks:
            for solution in store.query(check.query):
                focus = solution["this"]
                value = solution["v"] if check.has_value else None
                results.append(Result(check.shape, str(focus), check.path,
                                      None if value is None else str(value), check.message,
                                      check.violation))
        return results

    def check_articles(self, items: Sequence[tuple[str, Graph, Graph]]
                       ) -> dict[str, list[Result]]:
        """Check a batch of (key, article graph, actor records); the keys that fail, and why.

        The batch is checked as one union, where an actor's records are the last ones in
        the batch (as the store will hold them). Only when that union fails is each
        article checked alone (with its own records), to say which one is at fault.
        """
        if not items:
            return {}
        latest: dict[Node, Graph] = {}
        for _, _, records in items:
            for subject in set(records.subjects()):
                latest[subject] = records
        store = ox.Store()
        for _, graph, _ in items:
            store.extend(to_ox(graph))
        for subject, records in latest.items():
            store.extend(to_ox(records.triples((subject, None, None))))
        self._entailed(store)
        if not [r for r in self.check_store(store) if r.violation]:
            return {}
        failed: dict[str, list[Result]] = {}
        for key, graph, records in items:
            found = [r for r in self.check([graph, records]) if r.violation]
            if found:
                failed[key] = found
        if not failed:  # only the combination fails: blame every article of the batch
            union = [r for r in self.check_store(store) if r.violation]
            failed = {key: union for key, _, _ in items}
        return failed


def format_results(results: Iterable[Result]) -> str:
    """Results as readable lines: shape, focus node, path, value, message."""
    lines = []
    for r in sorted(results, key=lambda r: (r.shape, r.focus, str(r.value))):
        where = r.focus + (f" {r.path}" if r.path else "")
        lines.append(f"[{'Violation' if r.violation else 'Warning'}] {r.shape} at {where}"
                     + (f"\n    found: {r.value}" if r.value is not None else "")
                     + f"\n    {r.message}")
    return "\n".join(lines)


@functools.lru_cache(maxsize=1)
def default_check() -> QuickCheck:
    """The repository's shapes and ontology, compiled once per process."""
    return QuickCheck()
