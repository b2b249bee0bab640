"""Validate newskg graphs against ``shapes/newskg.shapes.ttl`` with ``ontology/newskg.ttl``.

One typed entry point, :func:`validate`, wraps pyshacl and returns a small frozen
report; :func:`format_report` renders it for people.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyshacl import validate as shacl_validate
from pyshacl.errors import ReportableRuntimeError, ValidationFailure
from rdflib import BNode, ConjunctiveGraph, Dataset, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, Path as PropertyPath, SequencePath
from rdflib.term import Node

from kg.errors import ValidationError
from kg.namespaces import PREFIXES

__all__ = ["Violation", "ValidationReport", "validate", "format_report",
           "SHAPES_PATH", "ONTOLOGY_PATH", "NKGSH"]

# The shapes' own namespace (a candidate for kg/namespaces.py).
NKGSH = Namespace("https://w3id.org/newskg/shapes#")

_REPO = Path(__file__).resolve().parent.parent
SHAPES_PATH = _REPO / "shapes" / "newskg.shapes.ttl"
ONTOLOGY_PATH = _REPO / "ontology" / "newskg.ttl"

# The only ontology axioms RDFS inference uses on instance data.
_RDFS_SCHEMA = (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range)

# sh:zeroOrMorePath and friends map to rdflib's path modifiers.
_PATH_MODIFIERS = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result: what failed (shape), where (focus, path), and why."""

    focus_node: Node
    path: URIRef | PropertyPath | None
    value: Node | None
    message: str
    severity: URIRef              # sh:Violation, sh:Warning or sh:Info
    shape: Node                   # the sh:sourceShape, a named shape in our shapes file
    component: str                # the constraint component's local name, e.g. "MinCount"


@dataclass(frozen=True)
class ValidationReport:
    """Whether the data conforms, every result, and pyshacl's own report text."""

    conforms: bool
    violations: list[Violation]
    text: str


def validate(data: Graph | Dataset, *, shapes: Path | None = None,
             ontology: Path | None = None) -> ValidationReport:
    """Validate ``data`` (a graph, or the union of a dataset's graphs) against the shapes.

    Args:
        data: the graph to check; for a Dataset every named graph is merged first.
        shapes: a SHACL file instead of the repository's ``shapes/newskg.shapes.ttl``.
        ontology: an OWL file instead of ``ontology/newskg.ttl``, used for RDFS inference.

    Returns:
        The report; results of severity sh:Warning or sh:Info do not make it non-conforming.

    Raises:
        ValidationError: the shapes or ontology cannot be read, or pyshacl cannot apply them.
    """
    shapes_graph = _load_graph((shapes or SHAPES_PATH).resolve())
    ontology_graph = _rdfs_schema((ontology or ONTOLOGY_PATH).resolve())
    try:
        conforms, results, text = shacl_validate(
            _union(data),
            shacl_graph=shapes_graph,
            ont_graph=ontology_graph,
            # RDFS lets sh:class nkg:Actor accept data that only says `a nkg:Person`.
            inference="rdfs",
            abort_on_first=False,
            allow_infos=True,
            allow_warnings=True,
            advanced=False,
            inplace=False,
        )
    except ReportableRuntimeError as exc:
        raise ValidationError(f"pyshacl could not apply the shapes in {shapes or SHAPES_PATH}: "
                              f"{exc.message}") from exc
    # pySHACL README "Errors": a Validation Failure comes back in the report slot.
    if isinstance(results, ValidationFailure):
        raise ValidationError(f"SHACL validation failure with shapes {shapes or SHAPES_PATH}: "
                              f"{results.message}")
    if not isinstance(results, Graph):
        raise ValidationError(f"pyshacl returned a {type(results).__name__} report, "
                              "expected an rdflib Graph")
    return ValidationReport(conforms=bool(conforms), violations=_violations(results), text=text)


def format_report(report: ValidationReport) -> str:
    """The report as readable text: a summary line, then one paragraph per result.

    >>> format_report(ValidationReport(conforms=True, violations=[], text=""))
    'Conforms: yes (0 results)'
    """
    names = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        names.bind(prefix, namespace)
    names.bind("nkgsh", NKGSH)
    lines = [f"Conforms: {'yes' if report.conforms else 'no'} ({len(report.violations)} results)"]
    for violation in sorted(report.violations, key=_sort_key):
        where = _n3(violation.focus_node, names)
        if violation.path is not None:
            where += f" {_n3(violation.path, names)}"
        lines.append(f"[{_local(violation.severity)}] {_n3(violation.shape, names)} "
                     f"({violation.component}) at {where}")
        if violation.value is not None:
            lines.append(f"    found: {_n3(violation.value, names)}")
        lines.append(f"    {violation.message}")
    return "\n".join(lines)


@lru_cache(maxsize=None)
def _load_graph(path: Path) -> Graph:
    """The Turtle file at ``path``, parsed once per process (callers must not modify it).

    pyshacl adds two RDFS axioms (owl:Class rdfs:subClassOf rdfs:Class and the like) to
    the shapes graph on every run; that is idempotent, so sharing the parsed graph is safe.
    """
    if not path.is_file():
        raise ValidationError(f"cannot validate: {path} does not exist; expected the newskg "
                              "shapes and ontology in the repository's shapes/ and ontology/ "
                              "folders")
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(f"cannot parse {path} as Turtle: {exc}") from exc
    return graph


@lru_cache(maxsize=None)
def _rdfs_schema(path: Path) -> Graph:
    """The subclass, subproperty, domain and range axioms of the ontology at ``path``.

    Labels, definitions and OWL axioms change no RDFS entailment about the data but
    double the time of pyshacl's inference, so they are left out. Blank-node classes
    (owl:unionOf domains) are left out too: typing data with an anonymous class helps no shape.
    """
    schema = Graph()
    for predicate in _RDFS_SCHEMA:
        for subject, obj in _load_graph(path).subject_objects(predicate):
            if isinstance(subject, URIRef) and isinstance(obj, URIRef):
                schema.add((subject, predicate, obj))
    return schema


def _union(data: Graph | Dataset) -> Graph:
    """One graph holding every triple of ``data``.

    pyshacl validates each named graph of a Dataset separately, but evidence spans
    (cross-source graph) point at article texts (article graphs), so the union is needed.
    """
    # Dataset subclasses ConjunctiveGraph in rdflib 7, but not necessarily later.
    if not isinstance(data, (Dataset, ConjunctiveGraph)):
        return data
    union = Graph()
    for prefix, namespace in data.namespaces():
        union.bind(prefix, namespace)
    for subject, predicate, obj, _context in data.quads((None, None, None, None)):
        union.add((subject, predicate, obj))
    return union


def _violations(results: Graph) -> list[Violation]:
    """Every sh:ValidationResult of a pyshacl report graph."""
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        path = results.value(result, SH.resultPath)
        component = results.value(result, SH.sourceConstraintComponent)
        found.append(Violation(
            focus_node=results.value(result, SH.focusNode),
            path=None if path is None else _property_path(results, path),
            value=results.value(result, SH.value),
            message=str(results.value(result, SH.resultMessage) or ""),
            severity=results.value(result, SH.resultSeverity, default=SH.Violation),
            shape=results.value(result, SH.sourceShape),
            component=_local(component).removesuffix("ConstraintComponent") if component else "",
        ))
    return found


def _property_path(graph: Graph, node: Node) -> URIRef | PropertyPath:
    """A SHACL property path (an IRI or a path node of ``graph``) as an rdflib path."""
    if isinstance(node, URIRef):
        return node
    if graph.value(node, RDF.first) is not None:
        return SequencePath(*(_property_path(graph, step) for step in Collection(graph, node)))
    if (inverse := graph.value(node, SH.inversePath)) is not None:
        return InvPath(_property_path(graph, inverse))
    if (alternatives := graph.value(node, SH.alternativePath)) is not None:
        return AlternativePath(*(_property_path(graph, step)
                                 for step in Collection(graph, alternatives)))
    for predicate, modifier in _PATH_MODIFIERS.items():
        if (inner := graph.value(node, predicate)) is not None:
            return MulPath(_property_path(graph, inner), modifier)
    raise ValidationError(f"unsupported SHACL property path {node!r} in a validation report")


def _n3(term: Node | PropertyPath, names: Graph) -> str:
    """A term in Turtle notation, shortened with the project's prefixes."""
    if isinstance(term, BNode):
        return "[]"
    return term.n3(names.namespace_manager)


def _local(iri: Node) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _sort_key(violation: Violation) -> tuple[str, str, str]:
    return (str(violation.shape), str(violation.focus_node), str(violation.value))
