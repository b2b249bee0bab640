"""The extraction bar, measured by ../shared/eval/score.py on the dev set and on our own sets.

The dev bar is the extraction issue's; our own gold sets (other stories, written here)
must stay close to it, which is what shows the extractors generalise.
"""
from __future__ import annotations

import json

import pytest

from kg.config import Config
from kg.pipeline import build
from kg.store import KGStore
from tests.conftest import EVAL, GOLD_SETS, run_scorer


def score(gold: str, graph, tmp_path) -> dict:
    report = tmp_path / "score.json"
    output = run_scorer("score.py", "--gold", gold, "--graph", str(graph), "--json", str(report))
    figures = json.loads(report.read_text(encoding="utf-8"))
    figures["last_line"] = output.strip().splitlines()[-1]
    return figures


def f1(figures: dict, metric: str) -> float:
    return figures["metrics"][metric]["f1"]


def test_dev_set_meets_the_extraction_bar(seed_export, tmp_path):
    figures = score(str(EVAL / "dev"), seed_export, tmp_path)
    assert figures["overall"] >= 0.90, figures["last_line"]
    assert f1(figures, "claims") >= 0.85
    assert f1(figures, "recognitions") >= 0.90
    assert f1(figures, "mentions") >= 0.92
    assert f1(figures, "roles") >= 0.90
    assert figures["merging"]["fragmentation"] == 0, figures["merging"]["fragmented"]
    assert figures["merging"]["conflation"] == 0, figures["merging"]["conflated"]
    wikidata = figures["wikidata"]
    assert wikidata["fp"] == 0 and wikidata["recall"] >= 0.9, wikidata
    assert figures["evidence_validity"]["fraction"] == 1.0


@pytest.mark.parametrize("name", ["extra_a", "extra_b", "extra_c"])
def test_unseen_stories_stay_close_to_dev(name, tmp_path):
    gold = GOLD_SETS / name
    config = Config(store=tmp_path / "store", validate=False)
    with KGStore(config.store) as store:
        report = build([gold], config, store=store)
        assert not report.rejected, report.rejected
        export = tmp_path / f"{name}.trig"
        store.export("trig", export)
    figures = score(str(gold), export, tmp_path)
    assert figures["overall"] >= 0.84, figures["last_line"]
    assert f1(figures, "recognitions") >= 0.90, figures["last_line"]
    assert figures["wikidata"]["fp"] == 0, figures["wikidata"]["wrong"]   # never a wrong link
    assert figures["evidence_validity"]["fraction"] == 1.0
