"""The ontology defines every contract term, stays OWL 2 DL, and HermiT finds it consistent.

HermiT (bundled with owlready2) needs ``java`` on PATH; owlready2 cannot read Turtle,
so the ontology (and the gold data) are handed to it as N-Triples.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import owlready2
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from kg.namespaces import NKG, ONTOLOGY_IRI, PREFIXES
from kg.validate import ONTOLOGY_PATH

SHARED = Path(__file__).resolve().parents[2] / "shared"
JAVA = shutil.which("java")
needs_java = pytest.mark.skipif(JAVA is None, reason="HermiT and the OWL API need java on PATH")

# Checks the OWL 2 DL profile with the OWL API that owlready2 ships for Pellet; run as a
# single-file Java program (Java 11+ compiles it on the fly).
DL_PROFILE_CHECK = """
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.*;
import org.semanticweb.owlapi.profiles.*;
import java.io.File;

public class DLProfileCheck {
    public static void main(String[] args) throws Exception {
        for (String path : args) {
            OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
            OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(path));
            OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
            for (OWLProfileViolation violation : report.getViolations()) {
                System.out.println(path + ": " + violation);
            }
        }
    }
}
"""


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    graph.parse(ONTOLOGY_PATH, format="turtle")
    return graph


@pytest.fixture(scope="module")
def gold(gold_dataset) -> Dataset:
    """The contract's worked example, shared by the ontology and shape tests."""
    return gold_dataset


def merged(ontology: Graph, *datasets: Dataset | Graph) -> Graph:
    """The ontology plus every triple of the given graphs, as one graph."""
    graph = Graph()
    graph += ontology
    for data in datasets:
        for subject, predicate, obj, *_context in (
                data.quads((None, None, None, None)) if isinstance(data, Dataset) else data):
            graph.add((subject, predicate, obj))
    return graph


def run_hermit(graph: Graph, folder: Path) -> owlready2.World:
    """Load ``graph`` into a fresh owlready2 world and classify it with HermiT."""
    path = folder / "ontology.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    owlready2.sync_reasoner(world, infer_property_values=False, debug=0)
    return world


def contract_nkg_terms() -> set[URIRef]:
    """The nkg: terms named in the code blocks of the shared query contract."""
    contract = SHARED / "QUERY-CONTRACT.md"
    if not contract.is_file():
        pytest.skip(f"query contract not found at {contract}")
    blocks = re.findall(r"```\n(.*?)```", contract.read_text(encoding="utf-8"), flags=re.S)
    names = {name for block in blocks for name in re.findall(r"\bnkg:([A-Za-z]\w*)", block)}
    return {NKG[name] for name in names}


def test_header(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) is not None


def test_contract_terms_are_defined(ontology: Graph) -> None:
    """Each contract term is declared, with its kind matching its use (class or property)."""
    terms = contract_nkg_terms()
    assert len(terms) >= 28  # 11 classes and 17 properties when this was written
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    for term in sorted(terms):
        declared = set(ontology.objects(term, RDF.type)) & kinds
        expected = {OWL.Class} if term.fragment[0].isupper() else kinds - {OWL.Class}
        assert declared and declared <= expected, f"{term} declared as {declared or 'nothing'}"


def test_every_nkg_term_has_label_and_definition(ontology: Graph) -> None:
    terms = {s for s in ontology.subjects() if isinstance(s, URIRef) and s.startswith(str(NKG))}
    required = {NKG[name] for name in ("Withdrawal", "withdrawer", "withdrawnFrom", "contentHash",
                                      "extractedWith", "outlet", "claimKind", "cue")}
    assert required <= terms
    undocumented = [term for term in sorted(terms)
                    if not isinstance(ontology.value(term, RDFS.label), Literal)
                    or not isinstance(ontology.value(term, SKOS.definition), Literal)]
    assert undocumented == []


def test_key_axioms(ontology: Graph) -> None:
    """The subclass and subproperty links the contract states, and the required disjointness."""
    for actor in (NKG.Person, NKG.Organization, NKG.State):
        assert (actor, RDFS.subClassOf, NKG.Actor) in ontology
    assert (NKG.derivedFrom, RDFS.subPropertyOf, PROV.wasDerivedFrom) in ontology
    disjoint_sets = [set(ontology.items(ontology.value(node, OWL.members)))
                     for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses)]
    assert {NKG.Person, NKG.Organization, NKG.State} in disjoint_sets
    assert any({NKG.Claim, NKG.Recognition, NKG.Article, NKG.Actor} <= members
               for members in disjoint_sets)


@needs_java
def test_ontology_is_consistent(ontology: Graph, tmp_path: Path) -> None:
    world = run_hermit(ontology, tmp_path)
    assert list(world.inconsistent_classes()) == []


@needs_java
def test_ontology_with_gold_data_is_consistent(ontology: Graph, gold: Dataset,
                                              tmp_path: Path) -> None:
    world = run_hermit(merged(ontology, gold), tmp_path)
    assert list(world.inconsistent_classes()) == []


@needs_java
@pytest.mark.parametrize("triples", [
    "<urn:x:berg> a nkg:Person , nkg:State .",
    "<urn:x:c> a nkg:Claim , nkg:Article .",
    "<urn:x:veltria> nkg:recognizes <urn:x:veltria> .",
], ids=["person-and-state", "claim-and-article", "self-recognition"])
def test_reasoner_rejects_contradicting_data(ontology: Graph, triples: str,
                                            tmp_path: Path) -> None:
    """The consistency tests above can fail: HermiT does reject data the ontology forbids."""
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    data = Graph().parse(data=prefixes + triples, format="turtle")
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        run_hermit(merged(ontology, data), tmp_path)


@needs_java
def test_ontology_and_gold_are_owl2_dl(ontology: Graph, gold: Dataset, tmp_path: Path) -> None:
    owlapi = Path(owlready2.__file__).parent / "pellet" / "owlapi-distribution-3.4.3-bin.jar"
    if not owlapi.is_file():
        pytest.skip(f"OWL API jar not found at {owlapi} (owlready2 layout changed)")
    source = tmp_path / "DLProfileCheck.java"
    source.write_text(DL_PROFILE_CHECK, encoding="utf-8")
    # Data only adds assertions, so a profile violation of the ontology shows here too.
    merged_nt = tmp_path / "merged.nt"
    merged(ontology, gold).serialize(merged_nt, format="nt", encoding="utf-8")
    result = subprocess.run([JAVA, "-cp", str(owlapi), str(source), str(merged_nt)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
