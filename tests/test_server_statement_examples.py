"""The saved queries across articles, run through /sparql on the dev gold graph: which outlets
distorted a statement, which articles copy which, contradictions about an actor.

What they must answer is read from crosssource.json and gold.json. The checks are also
merged into test_server_examples.expected(), which requires a check for every saved query.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fixtures_server import GOLD_DIR, dev_app, dev_client, dev_trig  # noqa: F401
from kg.namespaces import DEFAULT_BASE
from server.examples import STATEMENT_SLOT, example, statement_query
from test_server_examples import Rows, article, crosssource, gold, run


def statement(key: str) -> str:
    return f"{DEFAULT_BASE}statement/{key}"


def check_statement_distortions(rows: Rows, app: Flask) -> None:
    cross = crosssource()
    lineage = {(p["copy"], p["source"]): p["relation"] for p in cross["lineage"]}
    expected = {(statement(d["cluster"]), d["kind"], d["changed"], article(d["article"]),
                 article(d["original_article"]),
                 lineage.get((d["article"], d["original_article"]), ""))
                for d in cross["distortions"]}
    assert {(r["statement"], r["kind"], r["changed"], r["article"], r["comparedArticle"],
             r.get("lineage", "")) for r in rows} == expected
    assert len(rows) == len(expected)
    claimants = {c["id"]: gold()["entities"][c["claimant"]]["label"] for c in cross["clusters"]}
    assert all(r["claimant"] == claimants[r["statement"].rsplit("/", 1)[1]] for r in rows)
    # the outlet, here the source file each article was read from
    assert all(r["outlet"].endswith(Path(r["article"]).name + ".txt") for r in rows)
    assert all(r["comparedOutlet"] and r["comparedText"] and r["title"] for r in rows)


def check_article_lineage(rows: Rows, app: Flask) -> None:
    titles = {name: a.get("title") for name, a in gold()["articles"].items()}
    expected = {(article(p["copy"]), p["relation"], article(p["source"]), titles[p["copy"]],
                 titles[p["source"]]) for p in crosssource()["lineage"]}
    assert {(r["copy"], r["kind"], r["source"], r.get("copyTitle"), r.get("sourceTitle"))
            for r in rows} == expected
    assert [r["kind"] for r in rows] == sorted(r["kind"] for r in rows)


def contradictions_about(label: str) -> set[tuple[str, str, str, str]]:
    """The gold contradictions one of whose sides overlaps a claim or recognition of the actor
    labelled ``label`` (both sides, as (article, text) pairs in IRI order)."""
    data = gold()
    key = next(k for k, e in data["entities"].items() if e["label"] == label)
    texts = {name: (GOLD_DIR / name).read_text(encoding="utf-8") for name in data["articles"]}

    def involves(name: str, text: str) -> bool:
        start = texts[name].find(text)
        end = start + len(text)
        a = data["articles"][name]
        for finding in a["claims"] + a["recognitions"]:
            actors = {finding.get(r) for r in ("claimant", "recognizer", "recognized")}
            if key not in actors | set(finding.get("about", [])):
                continue
            begin = texts[name].find(finding["evidence"])
            if begin < end and start < begin + len(finding["evidence"]):
                return True
        return False

    found = set()
    for c in crosssource()["contradictions"]:
        a, b = sorted((article(s["article"]), s["text"], s["article"]) for s in (c["a"], c["b"]))
        if involves(a[2], a[1]) or involves(b[2], b[1]):
            found.add((a[0], a[1], b[0], b[1]))
    return found


def check_contradictions_about(rows: Rows, app: Flask) -> None:
    expected = contradictions_about("Donetsk People's Republic")
    assert expected, "the dev gold has contradictions about the DPR"
    assert {(r["article1"], r["text1"], r["article2"], r["text2"]) for r in rows} == expected
    assert len(rows) == len(expected)
    assert all(r["title1"] and r["title2"] for r in rows)


CHECKS: dict[str, Callable[[Rows, Flask], None]] = {
    "statement-distortions": check_statement_distortions,
    "article-lineage": check_article_lineage,
    "contradictions-about": check_contradictions_about,
}
# test_server_examples runs every saved query with the check it finds here (and fails on a
# saved query without one); these are the cross-source ones.


@pytest.mark.parametrize("key", list(CHECKS))
def test_saved_query_answers(dev_app: Flask, dev_client: FlaskClient, key: str) -> None:
    rows = run(dev_client, example(key).query)
    assert rows, f"{key} found nothing"
    CHECKS[key](rows, dev_app)


def test_distortions_of_one_statement(dev_client: FlaskClient) -> None:
    assert STATEMENT_SLOT in example("statement-distortions").query
    for key in {d["cluster"] for d in crosssource()["distortions"]}:
        rows = run(dev_client, statement_query(statement(key)))
        expected = [d for d in crosssource()["distortions"] if d["cluster"] == key]
        assert sorted((r["kind"], r["changed"]) for r in rows) == \
            sorted((d["kind"], d["changed"]) for d in expected)
    undistorted = next(c["id"] for c in crosssource()["clusters"]
                       if c["id"] not in {d["cluster"] for d in crosssource()["distortions"]})
    assert run(dev_client, statement_query(statement(undistorted))) == []


@pytest.mark.parametrize("label, expect_any", [("Luhansk People's Republic", True),
                                               ("North Korea", True), ("Joe Biden", False)])
def test_contradictions_about_another_actor(dev_client: FlaskClient, label: str,
                                            expect_any: bool) -> None:
    query = example("contradictions-about").query
    assert query.count("\"Donetsk People's Republic\"") == 1
    rows = run(dev_client, query.replace("Donetsk People's Republic", label))
    expected = contradictions_about(label)
    assert bool(expected) == expect_any
    assert {(r["article1"], r["text1"], r["article2"], r["text2"]) for r in rows} == expected
