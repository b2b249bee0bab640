"""The kg command in-process: exit codes and outputs of build, validate, query, export."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from rdflib import Dataset

from kg.cli import cli
from tests.conftest import SEEDS


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def built(tmp_path, runner):
    store = tmp_path / "store"
    result = runner.invoke(cli, ["build", str(SEEDS), "--store", str(store), "-q",
                                 "--report", str(tmp_path / "report.json")])
    assert result.exit_code == 0, result.output
    return store, tmp_path


def test_build_reports_and_exits_zero(built):
    _, tmp_path = built
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["added"]) == 5 and report["rejected"] == []


def test_build_exit_one_when_an_input_is_rejected(tmp_path, runner):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sorted(SEEDS.glob("*.txt"))[0], folder / "ok.txt")
    (folder / "empty.txt").write_text("")
    result = runner.invoke(cli, ["build", str(folder), "--store", str(tmp_path / "s"), "-q"])
    assert result.exit_code == 1
    assert "empty.txt: empty article" in result.output


def test_validate_conforms(built, runner):
    store, _ = built
    result = runner.invoke(cli, ["validate", "--store", str(store)])
    assert result.exit_code == 0, result.output


def test_validate_exit_one_on_violations(tmp_path, runner):
    broken = tmp_path / "broken.ttl"
    broken.write_text("""@prefix nkg: <https://w3id.org/newskg/ontology#> .
        <http://example.org/c> a nkg:Claim .\n""")
    result = runner.invoke(cli, ["validate", "--graph-file", str(broken)])
    assert result.exit_code == 1


def test_validate_exit_two_without_store(tmp_path, runner):
    result = runner.invoke(cli, ["validate", "--store", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no store at" in result.output


def test_query_and_export(built, runner, tmp_path):
    store, _ = built
    result = runner.invoke(cli, ["query", "SELECT (COUNT(*) AS ?n) WHERE { ?a a nkg:Article }",
                                 "--store", str(store)])
    assert result.exit_code == 0 and result.output.splitlines()[1] == "5"
    bad = runner.invoke(cli, ["query", "SELECT WHERE {", "--store", str(store)])
    assert bad.exit_code == 2 and "syntax" in bad.output.lower()
    out = tmp_path / "all.trig"
    assert runner.invoke(cli, ["export", "--store", str(store), "--format", "trig",
                               "-o", str(out)]).exit_code == 0
    dataset = Dataset()
    dataset.parse(out, format="trig")
    assert len(list(dataset.graphs())) >= 6   # five articles, entities, ontology


def test_unexpected_fault_exits_two_with_one_line(monkeypatch, tmp_path, capsys):
    import kg.pipeline
    from kg.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("disk controller on fire")

    monkeypatch.setattr(kg.pipeline, "build", broken)
    monkeypatch.setattr("sys.argv", ["kg", "build", str(SEEDS), "--store", str(tmp_path / "s")])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unexpected RuntimeError: disk controller on fire" in err and "Traceback" not in err
