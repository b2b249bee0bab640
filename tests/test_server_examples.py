"""Every saved example query of the query page, run through /sparql on the dev gold graph.

Each one must answer, and answer what gold.json / crosssource.json say it
should; a new example needs an entry in EXPECTED (a test fails without one).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fixtures_server import GOLD_DIR, NKG, dev_app, dev_client, dev_trig  # noqa: F401
from kg.namespaces import DEFAULT_BASE
from server.examples import EXAMPLES, Example
from server.store import backend

Rows = list[dict[str, str]]


def gold() -> dict:
    return json.loads((GOLD_DIR / "gold.json").read_text(encoding="utf-8"))


def crosssource() -> dict:
    return json.loads((GOLD_DIR / "crosssource.json").read_text(encoding="utf-8"))


def article(name: str) -> str:
    return f"{DEFAULT_BASE}article/{Path(name).stem}"


def label(key: str) -> str:
    return gold()["entities"][key]["label"]


def run(client: FlaskClient, query: str) -> Rows:
    response = client.post("/sparql", data={"query": query},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    bindings = response.json["results"]["bindings"]
    return [{name: term["value"] for name, term in row.items()} for row in bindings]


def check_dpr(rows: Rows, app: Flask) -> None:
    expected = {(label(r["recognizer"]), article(name)) for name, a in gold()["articles"].items()
                for r in a["recognitions"] if r["recognized"] == "dnr"}
    assert {(row["stateLabel"], row["article"]) for row in rows} == expected
    assert all(row.get("outlet") for row in rows)          # an outlet or, here, the source


def check_korotchenko(rows: Rows, app: Flask) -> None:
    expected = sorted(c["evidence"] for a in gold()["articles"].values() for c in a["claims"]
                      if c["claimant"] == "korotchenko")
    assert sorted(row["evidence"] for row in rows) == expected
    assert all(row["claim"].startswith(DEFAULT_BASE + "claim/") for row in rows)


def check_changed_quotes(rows: Rows, app: Flask) -> None:
    lineage = {(p["copy"], p["source"]) for p in crosssource()["lineage"]}
    expected = {(article(d["article"]), article(d["original_article"]), d["kind"], d["changed"])
                for d in crosssource()["distortions"]
                if (d["article"], d["original_article"]) in lineage}
    assert expected, "the gold has a distortion in a copied story"
    assert {(r["copy"], r["source"], r["kind"], r["changed"]) for r in rows} == expected
    assert all(r["original"] and r["claimant"] for r in rows)


def check_claims_per_claimant(rows: Rows, app: Flask) -> None:
    counts: dict[str, int] = {}
    for a in gold()["articles"].values():
        for c in a["claims"]:
            counts[c["claimant"]] = counts.get(c["claimant"], 0) + 1
    assert {row["name"]: int(row["claims"]) for row in rows} == \
        {label(key): n for key, n in counts.items()}
    assert rows[0]["name"] == label(max(counts, key=counts.get))   # ordered by count


def check_recognitions(rows: Rows, app: Flask) -> None:
    expected = sorted((label(r["recognizer"]), label(r["recognized"]), article(name))
                      for name, a in gold()["articles"].items() for r in a["recognitions"])
    assert sorted((r["recognizerLabel"], r["recognizedLabel"], r["article"]) for r in rows) \
        == expected


def check_provenance(rows: Rows, app: Flask) -> None:
    expected = {(article(name), label(r["recognizer"]), label(r["recognized"]))
                for name, a in gold()["articles"].items() for r in a["recognitions"]}
    assert {(r["graph"], r["recognizerLabel"], r["recognizedLabel"]) for r in rows} == expected


def check_wikidata(rows: Rows, app: Flask) -> None:
    expected = {f"http://www.wikidata.org/entity/{e['wikidata']}"
                for e in gold()["entities"].values() if e.get("wikidata")}
    assert {r["wikidata"] for r in rows} == expected
    assert {r["type"] for r in rows} <= {NKG + t for t in ("Person", "Organization", "State")}


def check_graph_sizes(rows: Rows, app: Flask) -> None:
    store = backend(app).store
    assert {r["graph"] for r in rows} == set(store.named_graphs())
    assert sum(int(r["triples"]) for r in rows) == len(store)
    assert all(r.get("title") for r in rows if r["graph"].startswith(DEFAULT_BASE + "article/"))


EXPECTED: dict[str, Callable[[Rows, Flask], None]] = {
    "dpr-recognisers": check_dpr,
    "korotchenko-claims": check_korotchenko,
    "changed-quotes": check_changed_quotes,
    "claims-per-claimant": check_claims_per_claimant,
    "recognitions": check_recognitions,
    "provenance": check_provenance,
    "wikidata-links": check_wikidata,
    "graph-sizes": check_graph_sizes,
}


def expected() -> dict[str, Callable[[Rows, Flask], None]]:
    """Every saved query's check: these, and the statement page's from their own module."""
    from test_server_statement_examples import CHECKS

    return {**EXPECTED, **CHECKS}


def test_every_example_has_a_check() -> None:
    assert [e.key for e in EXAMPLES] == list(expected())
    assert len({e.key for e in EXAMPLES}) == len(EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.key for e in EXAMPLES])
def test_example_answers(dev_app: Flask, dev_client: FlaskClient, example: Example) -> None:
    rows = run(dev_client, example.query)
    assert rows, f"{example.key} found nothing"
    expected()[example.key](rows, dev_app)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_example_downloads(dev_client: FlaskClient, fmt: str) -> None:
    """The page's download links: GET /sparql?query=...&format=..."""
    response = dev_client.get("/sparql", query_string={"query": EXAMPLES[0].query, "format": fmt})
    assert response.status_code == 200
    assert len(response.text.strip().splitlines()) > 1 or fmt == "json"
