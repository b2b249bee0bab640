"""The SHACL shapes accept the contract's worked example and catch each kind of defect.

Every file in ``tests/shapes_cases/`` (except ``_base.ttl``) adds one defect to the
conforming ``_base.ttl``; ``EXPECTED`` lists exactly which shapes report it, on which path.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, SH

from kg.errors import ValidationError
from kg.namespaces import PREFIXES
from kg.validate import NKGSH, SHAPES_PATH, ValidationReport, Violation, format_report, validate

CASES = Path(__file__).resolve().parent / "shapes_cases"
BASE = CASES / "_base.ttl"
SHARED = Path(__file__).resolve().parents[2] / "shared"

# Case file stem -> the (shape, path) pairs its defect must produce, and no others.
# Several defects are also reported by a second shape; the comment says why.
EXPECTED: dict[str, set[tuple[str, str | None]]] = {
    # Articles
    "article_blank_node": {("ArticleShape", None)},
    "article_without_text": {("Article-isString", "nif:isString")},
    "article_text_lang_tagged": {("Article-isString", "nif:isString")},
    "article_without_source": {("Article-source", "dcterms:source")},
    "article_two_titles": {("Article-title", "dcterms:title")},
    "article_date_as_string": {("Article-date", "dcterms:date")},
    "article_creator_organization": {("Article-creator", "dcterms:creator")},
    # The rdfs:range of nkg:mentions types the literal as an actor, which then lacks
    # a label and a Person/Organization/State type.
    "article_mentions_literal": {("Article-mentions", "nkg:mentions"),
                                 ("Actor-type", "rdf:type"), ("Actor-label", "rdfs:label")},
    "article_two_hashes": {("Article-contentHash", "nkg:contentHash")},
    "article_extracted_with_empty": {("Article-extractedWith", "nkg:extractedWith")},
    # Range inference makes the literal an organisation, which lacks a label.
    "article_outlet_literal": {("Article-outlet", "nkg:outlet"), ("Actor-label", "rdfs:label")},
    "article_derived_from_itself": {("DerivedFrom-notSelf", "nkg:derivedFrom")},
    # Range inference makes the literal an article, which is then checked as one.
    "derived_from_literal": {("DerivedFrom-article", "nkg:derivedFrom"), ("ArticleShape", None),
                             ("Article-isString", "nif:isString"),
                             ("Article-source", "dcterms:source")},
    # Actors
    "mention_untyped": {("Actor-type", "rdf:type")},
    "actor_two_types": {("Actor-type", "rdf:type")},
    "actor_two_labels": {("Actor-label", "rdfs:label")},
    "actor_altlabel_iri": {("Actor-altLabel", "skos:altLabel")},
    "bad_wikidata_iri": {("Actor-sameAs", "owl:sameAs")},
    "role_blank": {("Person-role", "nkg:role")},
    "state_recognizes_itself": {("Recognizes-notSelf", "nkg:recognizes")},
    "recognizes_literal": {("Recognizes-state", "nkg:recognizes"), ("Actor-label", "rdfs:label")},
    "statement_also_actor": {("DisjointTypes-type", "rdf:type")},
    # Claims (a missing article or span also breaks "evidence from the reporting article")
    "claim_without_claimant": {("Claim-claimant", "nkg:claimant")},
    "claim_two_claimants": {("Claim-claimant", "nkg:claimant"),
                            ("Statement-claimant", "^nkg:statement/nkg:claimant")},
    "claim_blank_text": {("Claim-text", "nkg:text")},
    "claim_without_article": {("Claim-reportedIn", "nkg:reportedIn"),
                              ("EvidenceInArticle", "nkg:evidence/nif:referenceContext")},
    "claim_about_literal": {("Claim-about", "nkg:about"),
                            ("Actor-type", "rdf:type"), ("Actor-label", "rdfs:label")},
    "claim_without_evidence": {("Claim-evidence", "nkg:evidence"),
                               ("EvidenceInArticle", "nkg:evidence/nif:referenceContext")},
    "claim_evidence_other_article": {("EvidenceInArticle", "nkg:evidence/nif:referenceContext")},
    "claim_bad_kind": {("Claim-claimKind", "nkg:claimKind")},
    "claim_cue_number": {("Claim-cue", "nkg:cue")},
    "claim_two_statements": {("Claim-statement", "nkg:statement")},
    # Recognitions and withdrawals
    "recognition_of_self": {("Recognition-notSelf", "nkg:recognized"),
                            ("RecognitionShortcutShape", "nkg:recognizes")},
    "recognition_without_recognizer": {("Recognition-recognizer", "nkg:recognizer")},
    "recognition_two_recognized": {("Recognition-recognized", "nkg:recognized")},
    # Range inference makes the person a state as well.
    "recognition_of_person": {("Actor-type", "rdf:type")},
    "recognition_without_article": {("Recognition-reportedIn", "nkg:reportedIn"),
                                    ("EvidenceInArticle", "nkg:evidence/nif:referenceContext")},
    "recognition_without_evidence": {("Recognition-evidence", "nkg:evidence"),
                                     ("EvidenceInArticle", "nkg:evidence/nif:referenceContext")},
    "recognition_without_shortcut": {("RecognitionShortcutShape", "nkg:recognizes")},
    "withdrawal_without_withdrawer": {("Withdrawal-withdrawer", "nkg:withdrawer")},
    "withdrawal_from_self": {("Withdrawal-withdrawnFrom", "nkg:withdrawnFrom")},
    "withdrawal_without_article": {("Withdrawal-reportedIn", "nkg:reportedIn"),
                                   ("EvidenceInArticle", "nkg:evidence/nif:referenceContext")},
    "withdrawal_without_evidence": {("Withdrawal-evidence", "nkg:evidence"),
                                    ("EvidenceInArticle", "nkg:evidence/nif:referenceContext")},
    # Evidence spans
    "span_offsets_wrong": {("Span-matchesText", "nif:anchorOf")},
    "span_begin_after_end": {("Span-order", "nif:beginIndex"),
                             ("Span-matchesText", "nif:anchorOf")},
    "span_begin_string": {("Span-beginIndex", "nif:beginIndex"), ("Span-order", "nif:beginIndex")},
    "span_end_negative": {("Span-endIndex", "nif:endIndex"), ("Span-order", "nif:beginIndex"),
                          ("Span-matchesText", "nif:anchorOf")},
    "span_without_end": {("Span-endIndex", "nif:endIndex")},
    "span_two_anchors": {("Span-anchorOf", "nif:anchorOf"), ("Span-matchesText", "nif:anchorOf")},
    "span_without_context": {("Span-referenceContext", "nif:referenceContext")},
    # Across articles
    "statement_blank_node": {("StatementShape", None), ("Claim-statement", "nkg:statement")},
    "statement_without_claims": {("Statement-claims", "^nkg:statement")},
    "statement_two_claimants": {("Statement-claimant", "^nkg:statement/nkg:claimant")},
    "distortion_bad_kind": {("Distortion-kind", "nkg:kind")},
    "distortion_without_claim": {("Distortion-claim", "nkg:claim")},
    "distortion_compared_to_itself": {("Distortion-comparedTo", "nkg:comparedTo")},
    "distortion_without_evidence": {("Distortion-evidence", "nkg:evidence")},
    "distortion_evidence_other_article": {("Distortion-evidenceInArticle", "nkg:evidence")},
    "contradiction_one_article": {("Contradiction-twoArticles",
                                   "nkg:evidence/nif:referenceContext")},
    "contradiction_one_span": {("Contradiction-evidence", "nkg:evidence"),
                               ("Contradiction-twoArticles", "nkg:evidence/nif:referenceContext")},
    "derivation_bad_kind": {("Derivation-kind", "nkg:kind")},
    "derivation_without_copy": {("Derivation-copy", "nkg:copy")},
    "derivation_of_itself": {("Derivation-source", "nkg:source"),
                             ("DerivationShortcutShape", "nkg:derivedFrom")},
    "derivation_without_shortcut": {("DerivationShortcutShape", "nkg:derivedFrom")},
}

# SHACL terms that select focus nodes or group constraints rather than constrain.
_NOT_CONSTRAINTS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
                    SH.property, SH.message, SH.severity, SH.deactivated}


def _names() -> Graph:
    """An empty graph whose namespace manager knows the project's prefixes."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


NAMES = _names()


def found(report: ValidationReport) -> set[tuple[str, str | None]]:
    """The (shape local name, path in prefixed notation) pairs of a report."""
    return {(_shape_name(v), None if v.path is None else v.path.n3(NAMES.namespace_manager))
            for v in report.violations}


def _shape_name(violation: Violation) -> str:
    shape = str(violation.shape)
    return shape.removeprefix(str(NKGSH)) if shape.startswith(str(NKGSH)) else shape


def case_graph(stem: str) -> Graph:
    """The conforming base graph plus one case's defect."""
    graph = Graph()
    graph.parse(BASE, format="turtle")
    graph.parse(CASES / f"{stem}.ttl", format="turtle")
    return graph


@pytest.fixture(scope="module")
def gold(gold_dataset) -> Dataset:
    """The contract's worked example, shared by the ontology and shape tests."""
    return gold_dataset


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    graph = Graph()
    graph.parse(SHAPES_PATH, format="turtle")
    return graph


def test_gold_dataset_conforms(gold: Dataset) -> None:
    report = validate(gold)
    assert report.conforms, format_report(report)
    assert report.violations == []


def test_base_case_conforms() -> None:
    report = validate(Graph().parse(BASE, format="turtle"))
    assert report.conforms, format_report(report)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_defect_is_caught(stem: str) -> None:
    report = validate(case_graph(stem))
    assert not report.conforms
    assert found(report) == EXPECTED[stem], format_report(report)


def test_every_case_file_has_an_expectation() -> None:
    files = {path.stem for path in CASES.glob("*.ttl") if path.name != BASE.name}
    assert files == set(EXPECTED)


def test_every_shape_is_exercised_by_a_case(shapes_graph: Graph) -> None:
    """Every named property shape, and node shape with own constraints, fails in a case."""
    exercised = {shape for expected in EXPECTED.values() for shape, _path in expected}
    missing = []
    for shape in set(shapes_graph.subjects(RDF.type, SH.PropertyShape)) | set(
            shapes_graph.subjects(RDF.type, SH.NodeShape)):
        if not isinstance(shape, URIRef):
            continue
        own = set(shapes_graph.predicates(shape)) - _NOT_CONSTRAINTS - {RDF.type}
        is_node_shape = (shape, RDF.type, SH.NodeShape) in shapes_graph
        if (not is_node_shape or own) and shape.removeprefix(str(NKGSH)) not in exercised:
            missing.append(shape)
    assert not missing, f"shapes no case makes fail: {sorted(missing)}"


def test_contract_terms_are_targeted_by_shapes(shapes_graph: Graph) -> None:
    """Every class and property the contract names is the target or path of some shape."""
    classes, properties = contract_terms()
    targeted_classes = set(shapes_graph.objects(None, SH.targetClass))
    paths = {term for predicate in (SH.path, SH.targetSubjectsOf, SH.targetObjectsOf,
                                    SH.inversePath)
             for term in shapes_graph.objects(None, predicate) if isinstance(term, URIRef)}
    paths |= {step for path_list in shapes_graph.objects(None, SH.path)
              for step in shapes_graph.items(path_list) if isinstance(step, URIRef)}
    assert classes and properties
    assert classes - targeted_classes == set()
    assert properties - paths == set()


def contract_terms() -> tuple[set[URIRef], set[URIRef]]:
    """The classes and properties named in the contract's code blocks."""
    contract = SHARED / "QUERY-CONTRACT.md"
    if not contract.is_file():
        pytest.skip(f"query contract not found at {contract}")
    blocks = re.findall(r"```\n(.*?)```", contract.read_text(encoding="utf-8"), flags=re.S)
    code = "\n".join(line for block in blocks for line in block.splitlines()
                     if not line.startswith("PREFIX"))
    prefixes = "|".join(("nkg", "dcterms", "nif", "rdfs", "skos", "owl"))
    terms = {NAMES.namespace_manager.expand_curie(curie)
             for curie in re.findall(rf"\b(?:{prefixes}):[A-Za-z]\w*", code)}
    classes = {term for term in terms if _local(term)[0].isupper()}
    return classes, terms - classes


def _local(term: URIRef) -> str:
    return re.split(r"[#/]", str(term))[-1]


def test_format_report_says_what_and_where() -> None:
    report = validate(case_graph("span_offsets_wrong"))
    text = format_report(report)
    assert text.startswith("Conforms: no (1 results)")
    assert "nkgsh:Span-matchesText" in text
    assert "<https://w3id.org/newskg/id/article/a1#char=61,88> nif:anchorOf" in text
    assert 'read "he border will stay closed."' in text


def test_missing_shapes_file_is_a_validation_error(tmp_path: Path) -> None:
    missing = tmp_path / "absent.shapes.ttl"
    with pytest.raises(ValidationError, match="absent.shapes.ttl does not exist"):
        validate(Graph(), shapes=missing)
