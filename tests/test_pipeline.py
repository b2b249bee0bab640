"""The whole pipeline on the seeds: stored graphs, contract queries, idempotence, scoring."""
from __future__ import annotations

import json
import re
import shutil

from kg.config import Config
from kg.pipeline import build
from kg.store import KGStore
from tests.conftest import EVAL, SEEDS, run_scorer

CONTRACT_QUERIES = {
    "recognitions": """
        SELECT ?recognizerLabel ?recognizedLabel ?article WHERE {
          ?r a nkg:Recognition ; nkg:recognizer ?x ; nkg:recognized ?y ; nkg:reportedIn ?article .
          ?x rdfs:label ?recognizerLabel . ?y rdfs:label ?recognizedLabel }""",
    "claims_with_evidence": """
        SELECT ?who ?text ?exact ?g WHERE { GRAPH ?g {
          ?c a nkg:Claim ; nkg:claimant ?p ; nkg:text ?text ; nkg:evidence ?s .
          ?s nif:anchorOf ?exact } ?p rdfs:label ?who }""",
    "wikidata_links": "SELECT ?e ?w WHERE { ?e owl:sameAs ?w }",
}


def test_every_seed_is_one_named_graph(seed_build):
    _, store, report = seed_build
    assert len(report.added) == 5 and not report.rejected
    articles = list(store.articles())
    assert len(articles) == 5
    for article in articles:
        assert article.iri in store.named_graphs()   # graph IRI = article IRI


def test_contract_queries_answer(seed_build):
    _, store, _ = seed_build
    rows = {name: store.select(q) for name, q in CONTRACT_QUERIES.items()}
    assert rows["recognitions"], "no recognition with labels"
    assert all(r["article"].startswith(Config().base + "article/") for r in rows["recognitions"])
    assert len(rows["claims_with_evidence"]) >= 20
    assert all(re.fullmatch(r"http://www\.wikidata\.org/entity/Q\d+", r["w"])
               for r in rows["wikidata_links"])


def test_evidence_offsets_reproduce_the_text(seed_build):
    _, store, _ = seed_build
    rows = store.select("""SELECT ?text ?b ?e ?exact WHERE { ?a nif:isString ?text .
        ?s nif:referenceContext ?a ; nif:beginIndex ?b ; nif:endIndex ?e ; nif:anchorOf ?exact }""")
    assert rows
    for row in rows:
        assert row["text"][int(row["b"]):int(row["e"])] == row["exact"]


def test_one_label_per_actor(seed_build):
    _, store, _ = seed_build
    rows = store.select("""SELECT ?e (COUNT(?l) AS ?n) WHERE { ?e a ?t ; rdfs:label ?l .
        VALUES ?t { nkg:Person nkg:Organization nkg:State } } GROUP BY ?e HAVING (?n != 1)""")
    assert rows == []


def test_rebuild_is_idempotent_and_a_changed_article_replaces_its_graph(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    config = Config(store=tmp_path / "store", validate=False)
    store = KGStore(config.store)
    first = build([seeds], config, store=store)
    quads = len(store)
    again = build([seeds], config, store=store)
    assert len(again.skipped) == 5 and not again.added and len(store) == quads
    changed = sorted(seeds.glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA closing line.\n",
                       encoding="utf-8")
    third = build([seeds], config, store=store)
    assert third.replaced == [str(changed.resolve())]
    assert len(list(store.articles())) == 5           # the old graph is gone
    assert len(first.added) == 5


def test_duplicate_text_under_another_name_is_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    original = sorted(SEEDS.glob("*.txt"))[0]
    shutil.copy(original, folder / "a.txt")
    shutil.copy(original, folder / "b.txt")
    config = Config(store=tmp_path / "store", validate=False)
    report = build([folder], config)
    assert len(report.added) == 1 and len(report.duplicates) == 1


def test_a_broken_article_does_not_stop_the_batch(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sorted(SEEDS.glob("*.txt"))[0], folder / "good.txt")
    (folder / "bad.txt").write_bytes(b"\x00\x01binary")
    report = build([folder], Config(store=tmp_path / "store", validate=False))
    assert len(report.added) == 1
    assert [r["source"].rsplit("/", 1)[-1] for r in report.rejected] == ["bad.txt"]
    assert report.exit_code == 1


def test_scorer_reads_the_export(seed_export):
    output = run_scorer("score.py", "--gold", str(EVAL / "dev"), "--graph", str(seed_export))
    last = output.strip().splitlines()[-1]
    assert last.startswith("overall ")
    assert "articles found 5/5" in output
    assert "evidence validity        1.000" in output


def test_jsonl_outlet_becomes_the_articles_publisher(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({
        "text": "Port strike ends\n\nDock workers returned to work on Monday, the union said.",
        "url": "https://example.org/strike", "outlet": "Reuters"}) + "\n", encoding="utf-8")
    with KGStore(tmp_path / "store") as store:
        build([feed], Config(store=tmp_path / "store"), store=store)
        rows = store.select("""SELECT DISTINCT ?label WHERE { ?a nkg:outlet ?o . ?o a nkg:Organization ;
                               rdfs:label ?label }""")
    assert [r["label"] for r in rows] == ["Reuters"]


# ---------------------------------------------------------------- extraction in batches

def _seed_articles() -> list:
    from kg.ingest import RawInput, to_article

    return [to_article(RawInput(str(p), p.read_text(encoding="utf-8"), "text/plain"))
            for p in sorted(SEEDS.glob("*.txt"))]


def test_articles_parsed_together_extract_as_parsed_alone(nlp):
    from kg.pipeline import extract_batch, extract_one

    articles = _seed_articles()
    together = extract_batch(articles, nlp)
    alone = [extract_one(article, nlp) for article in articles]
    assert [e.article.source for e in together] == [a.source for a in articles]
    assert sum(len(e.claims) for e in together) > 5
    assert together == alone


def test_furniture_lines_are_only_tokenised_and_extraction_does_not_change(nlp):
    from kg.extract import extract
    from kg.furniture import furniture_ranges
    from kg.nlp import parse

    articles = _seed_articles()
    tokens_only = 0
    for article in articles:
        furniture = furniture_ranges(article.text)
        assert furniture, f"{article.source} has page furniture to skip"
        skipped = parse(nlp, article.text, furniture)
        full = parse(nlp, article.text)
        assert [p.offset for p in skipped] == [p.offset for p in full]
        for mine, whole in zip(skipped, full):
            assert mine.doc.text == whole.doc.text
            in_furniture = any(mine.offset < end and begin < mine.offset + len(mine.doc.text)
                               for begin, end in furniture)
            if in_furniture:
                tokens_only += 1
                assert not mine.doc.has_annotation("DEP") and not mine.doc.ents
            else:
                assert mine.doc.to_json() == whole.doc.to_json()
        # What the extractors find is the same as when the furniture is parsed too.
        assert extract(article, nlp) == extract(article, nlp, paragraphs=full,
                                                furniture=furniture)
    assert tokens_only >= 10


def test_emitted_graphs_answer_as_rdflib_memory_graphs(nlp):
    """The emit store (kg.emit.EmitStore) holds and answers what rdflib's SimpleMemory does,
    on the seeds' article graphs and actor records: triples, length, membership, a subject's
    or predicate's triples, subjects, and removal."""
    from rdflib import Graph, URIRef

    from kg.gazetteer import default_gazetteer
    from kg.namespaces import NKG, RDF
    from kg.pipeline import emit_article, extract_one
    from kg.resolve import Registry

    registry = Registry(default_gazetteer())
    checked = 0
    for article in _seed_articles():
        for graph in emit_article(registry, extract_one(article, nlp), Config()):
            plain = Graph(store="SimpleMemory")
            for triple in graph:
                plain.add(triple)
            assert len(graph) == len(plain) > 0 and set(graph) == set(plain)
            subjects = sorted(set(plain.subjects()))
            assert sorted(set(graph.subjects())) == subjects
            for subject in subjects[:40]:
                assert set(graph.triples((subject, None, None))) == \
                    set(plain.triples((subject, None, None)))
                assert set(graph.triples((subject, RDF.type, None))) == \
                    set(plain.triples((subject, RDF.type, None)))
            assert set(graph.triples((None, RDF.type, NKG.Claim))) == \
                set(plain.triples((None, RDF.type, NKG.Claim)))
            first = next(iter(plain))
            assert first in graph and (first[0], first[1], URIRef("urn:x:absent")) not in graph
            graph.remove((first[0], None, None))
            plain.remove((first[0], None, None))
            assert set(graph) == set(plain) and len(graph) == len(plain)
            checked += 1
    assert checked == 10


def test_a_failing_article_in_a_batch_is_rejected_alone(nlp, monkeypatch):
    import kg.extract.actors as actors
    import kg.pipeline as pipeline
    from kg.pipeline import FailedExtraction, extract_batch

    articles = _seed_articles()
    broken = articles[2].source
    real = actors.extract

    def failing(ctx):
        if ctx.article.source == broken:
            raise RuntimeError("planted failure")
        return real(ctx)

    monkeypatch.setattr(actors, "extract", failing)
    results = extract_batch(articles, nlp)
    assert [isinstance(r, FailedExtraction) for r in results] == [False, False, True, False, False]
    assert "planted failure" in results[2].reason

    def parse_fails(*args, **kwargs):
        raise ValueError("the batch cannot be parsed")

    # When the batch cannot be parsed at once, each article is parsed alone.
    monkeypatch.setattr(pipeline, "parse_many", parse_fails)
    again = extract_batch(articles, nlp)
    assert [isinstance(r, FailedExtraction) for r in again] == [False, False, True, False, False]
