"""The cross-source layer against the shared scorer, and its incrementality.

The gold-derived graphs (``gold_to_trig.py`` without ``--crosssource``) carry perfect claims,
so they measure this layer alone; the seed build measures it on extracted claims.
"""
from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.config import Config
from kg.crosssource import analyse, sidecar_path
from kg.crosssource.corpus import read_claims
from kg.store import KGStore
from tests.conftest import EVAL, GOLD_SETS, SEEDS, run_scorer

BAR_OVERALL, BAR_FIGURE = 0.85, 0.75
FIGURES = ("clusters", "distortions", "contradictions", "lineage")
CROSS = "https://w3id.org/newskg/id/graph/crosssource"


def parse(line: str) -> dict[str, float]:
    assert line.startswith("crosssource overall"), line
    values = dict(re.findall(r"(\w+) (\d\.\d+)", line))
    return {key: float(value) for key, value in values.items()}


def gold_store(folder: Path, tmp_path: Path) -> KGStore:
    trig = tmp_path / f"{folder.name}.trig"
    run_scorer("gold_to_trig.py", str(folder), "-o", str(trig))
    store = KGStore(None)
    store.oxigraph.load(path=str(trig), format=ox.RdfFormat.TRIG)
    return store


def score(store: KGStore, folder: Path, tmp_path: Path) -> dict[str, float]:
    export = tmp_path / "export.trig"
    store.export("trig", export)
    output = run_scorer("score_crosssource.py", "--gold", str(folder), "--crosssource",
                        str(folder / "crosssource.json"), "--graph", str(export))
    return parse(output.strip().splitlines()[-1])


@pytest.mark.parametrize("folder", [EVAL / "dev", GOLD_SETS / "extra_b"], ids=["dev", "extra_b"])
def test_the_bar_on_gold_claims(folder, tmp_path):
    if not (folder / "crosssource.json").is_file():
        pytest.skip(f"no cross-source gold in {folder}")
    store = gold_store(folder, tmp_path)
    analyse(store, Config(), state_path=False)
    figures = score(store, folder, tmp_path)
    assert figures["overall"] >= BAR_OVERALL, figures
    for name in FIGURES:
        assert figures[f"{name}_f1"] >= BAR_FIGURE, figures


@pytest.mark.slow
def test_seed_build_lineage_and_contradictions(tmp_path):
    """On extracted claims the figures move with the extractor; lineage and the outlets'
    contradictions do not depend on claims."""
    from kg.pipeline import build

    config = Config(store=tmp_path / "store", validate=False)
    store = KGStore(config.store)
    build([SEEDS], config, store=store)
    report = analyse(store, config)
    assert sidecar_path(config, store).is_file()
    assert report.derivations >= 2
    figures = score(store, EVAL / "dev", tmp_path)
    assert figures["lineage_f1"] >= BAR_FIGURE, figures
    assert figures["contradictions_f1"] >= BAR_FIGURE, figures


# ---------------------------------------------------------------- incrementality


def crosssource_triples(store: KGStore) -> set[str]:
    """The cross-source graph without its run-specific provenance."""
    quads = store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(CROSS))
    return {f"{q.subject} {q.predicate} {q.object}" for q in quads
            if "/analysis/" not in str(q.subject) and "wasGeneratedBy" not in str(q.predicate)}


def test_adding_an_article_compares_only_the_new_one(tmp_path):
    folder = EVAL / "dev"
    full = gold_store(folder, tmp_path)
    analyse(full, Config(), state_path=False)
    expected = crosssource_triples(full)

    store = gold_store(folder, tmp_path)
    articles = sorted(row["a"] for row in store.select(
        "SELECT ?a WHERE { GRAPH ?a { ?a a nkg:Article } }"))
    last = articles[-1]
    saved = store.oxigraph.dump(format=ox.RdfFormat.N_QUADS, from_graph=ox.NamedNode(last))
    store.remove_graph(last)
    state = tmp_path / "state.pickle"
    first = analyse(store, Config(), state_path=state)
    assert first.added == len(articles) - 1 and state.is_file()

    store.oxigraph.load(saved, format=ox.RdfFormat.N_QUADS, to_graph=ox.NamedNode(last))
    second = analyse(store, Config(), state_path=state)
    assert (second.added, second.removed, second.full_rebuild) == (1, 0, False)
    # the new article is verified against its LSH candidates only, never against every
    # article; its claims only against the claims of the same claimants elsewhere
    assert second.lineage_comparisons <= len(articles) - 1
    new_claims = [c for c in read_claims(store) if c.article == last]
    others = {}
    for claim in read_claims(store):
        if claim.article != last:
            others[claim.claimant] = others.get(claim.claimant, 0) + 1
    assert 0 < second.claim_comparisons <= sum(others.get(c.claimant, 0) for c in new_claims)
    assert 0 < second.triples_added and second.triples_added < len(expected)
    assert crosssource_triples(store) == expected

    third = analyse(store, Config(), state_path=state)      # nothing new: nothing compared
    assert (third.added, third.lineage_comparisons, third.claim_comparisons) == (0, 0, 0)
    assert crosssource_triples(store) == expected


def test_removing_an_article_removes_its_findings(tmp_path):
    store = gold_store(EVAL / "dev", tmp_path)
    state = tmp_path / "state.pickle"
    analyse(store, Config(), state_path=state)
    copies = store.select(f"""SELECT ?c WHERE {{ GRAPH <{CROSS}> {{ ?c nkg:derivedFrom ?s }} }}""")
    gone = copies[0]["c"]
    store.remove_graph(gone)
    report = analyse(store, Config(), state_path=state)
    assert report.removed == 1 and report.triples_removed > 0
    remaining = store.select(f"""SELECT ?x WHERE {{ GRAPH <{CROSS}> {{
        {{ <{gone}> ?p ?x }} UNION {{ ?x ?p <{gone}> }} }} }}""")
    assert remaining == []


def test_a_dropped_graph_is_rebuilt_from_the_whole_store(tmp_path):
    store = gold_store(EVAL / "dev", tmp_path)
    state = tmp_path / "state.pickle"
    analyse(store, Config(), state_path=state)
    expected = crosssource_triples(store)
    store.remove_graph(CROSS)
    report = analyse(store, Config(), state_path=state)
    assert report.full_rebuild and crosssource_triples(store) == expected
