"""``kg build --engine dask`` on a local cluster of two worker processes (127.0.0.1): the
workers extract, emit, check and write per-article N-Quads shards, the client resolves and
bulk-loads them; the graph and the report are those of a ``--jobs 1`` build."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import kg.engines.shards as shards_module
from kg import pipeline
from kg.config import Config
from kg.ingest import load
from kg.pipeline import build
from kg.store import KGStore
from tests.conftest import SEEDS
from tests.test_scale_build import canonical
from tests.test_virtuoso_backend import virtuoso  # noqa: F401 - a SPARQL server fixture

distributed = pytest.importorskip("distributed")

CHANGED = "000_52b33edc6c768857.txt"


class Interrupted(Exception):
    """Stands for the build being killed."""


class RejectingOne:
    """The quick check, failing the article from ``CHANGED`` as well."""

    def __init__(self, real) -> None:
        self.real = real

    def check_articles(self, items):
        from kg.engines.quickcheck import Result

        failures = self.real.check_articles(items)
        for key, graph, _ in items:
            if key.endswith(CHANGED):
                failures[key] = [Result("Test", str(graph.identifier), None, None, "refused")]
        return failures


def reject_one(on: bool) -> None:
    """Make the quick check of this process (a worker, or the test) refuse one article."""
    if on:
        real = pipeline.quick_checker
        pipeline.quick_checker = lambda config: RejectingOne(real(config))
        pipeline.quick_checker.real = real
    else:
        pipeline.quick_checker = pipeline.quick_checker.real


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes and a scheduler on 127.0.0.1, stopped afterwards."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=40) as local:
        yield local


@pytest.fixture(scope="module")
def worker_pids(cluster) -> set[int]:
    with distributed.Client(cluster) as client:
        return set(client.run(os.getpid).values())


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    """The seeds built by the local engine with one job: the store (closed), its report
    and its canonical graph."""
    path = tmp_path_factory.mktemp("local") / "store"
    config = Config(store=path, jobs=1)
    with KGStore(path) as store:
        report = build([SEEDS], config, store=store)
        graph = canonical(store)
    return path, report, graph


def dask_config(cluster, store: Path, **extra) -> Config:
    return Config(store=store, engine="dask", scheduler=cluster.scheduler_address, **extra)


def same_report(one, other) -> bool:
    """Same articles added, replaced, skipped, duplicated and rejected (and why)."""
    return all(getattr(one, name) == getattr(other, name)
               for name in ("added", "replaced", "skipped", "duplicates")) and \
        sorted(map(str, one.rejected)) == sorted(map(str, other.rejected))


def test_dask_build_equals_a_one_job_build(cluster, worker_pids, local_build, tmp_path,
                                           monkeypatch):
    seen = []
    original = shards_module.load_shards

    def spy(store, config, shards, items, **kwargs):
        seen.extend((Path(s.path).name, s.path and Path(s.path).is_file(), s.writer)
                    for s in shards)
        return original(store, config, shards, items, **kwargs)

    monkeypatch.setattr(shards_module, "load_shards", spy)
    monkeypatch.setattr(pipeline, "CHECK_BATCH", 2)   # three batches: records carried over
    config = dask_config(cluster, tmp_path / "store")
    with KGStore(config.store) as store:
        report = build([SEEDS], config, store=store)
        graph = canonical(store)
    _, local_report, local_graph = local_build
    assert len(report.added) == 5 and not report.rejected
    assert same_report(report, local_report)
    assert graph == local_graph
    # One shard per article, named by its hash, there when loaded, written by the workers.
    hashes = {f"{article.id}.nq" for article in load([SEEDS], 5_000_000)}
    assert {name for name, _, _ in seen} == hashes and all(there for _, there, _ in seen)
    writers = {int(writer.rsplit(":", 1)[1]) for _, _, writer in seen}
    assert writers <= worker_pids and os.getpid() not in writers
    assert not (tmp_path / "store.shards").exists()   # removed after the load


def test_a_changed_article_replaces_its_graph_as_a_local_rebuild_does(cluster, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    with KGStore(tmp_path / "first") as store:
        build([corpus], Config(store=tmp_path / "first"), store=store)
    (corpus / CHANGED).write_text((SEEDS / CHANGED).read_text(encoding="utf-8") +
                                  "\nThe minister said the talks would resume on Monday.\n",
                                  encoding="utf-8")
    graphs, reports = [], []
    for config in (Config(store=tmp_path / "local", jobs=1),
                   dask_config(cluster, tmp_path / "dask")):
        shutil.copytree(tmp_path / "first", config.store)   # both start from the same store
        with KGStore(config.store) as store:
            reports.append(build([corpus], config, store=store))
            graphs.append(canonical(store))
    assert [Path(s).name for s in reports[1].replaced] == [CHANGED]
    assert len(reports[1].skipped) == 4 and not reports[1].added
    assert same_report(reports[0], reports[1])
    assert graphs[0] == graphs[1]


@pytest.mark.parametrize("where", ["after the load, before the seal", "halfway through the batch"])
def test_an_interrupted_load_is_repaired_by_the_next_build(cluster, local_build, tmp_path,
                                                           where):
    config = dask_config(cluster, tmp_path / "store", shards=tmp_path / "shards")
    with KGStore(config.store) as store:
        original = store.bulk_load

        def killed(paths, **kwargs):
            if where.startswith("after"):
                original(paths, **kwargs)
            else:   # the batch's first half: some articles whole, one cut, the rest absent
                lines = b"".join(Path(p).read_bytes() for p in paths).splitlines(keepends=True)
                half = tmp_path / "half.nq"
                half.write_bytes(b"".join(lines[:len(lines) // 2]))
                original([half], **kwargs)
            raise Interrupted

        store.bulk_load = killed
        with pytest.raises(Interrupted):
            build([SEEDS], config, store=store)
        del store.bulk_load
        assert len(store) > 0   # the store holds article graphs, but none is marked built
        assert all(article.content_hash is None for article in store.articles())
        assert len(list((tmp_path / "shards").glob("*.nq"))) == 5
        report = build([SEEDS], config, store=store)
        graph = canonical(store)
    assert sorted(report.added + report.replaced) == sorted(local_build[1].added)
    assert not report.rejected and not report.skipped
    assert graph == local_build[2]
    assert not list((tmp_path / "shards").glob("*"))   # loaded shards are removed


def test_an_article_the_check_rejects_is_reported_and_not_loaded(cluster, local_build,
                                                                tmp_path):
    graphs, reports, written = [], [], []
    with distributed.Client(cluster) as client:
        reject_one(True)
        client.run(reject_one, True)
        try:
            for config in (Config(store=tmp_path / "local", jobs=1),
                           dask_config(cluster, tmp_path / "dask", shards=tmp_path / "shards")):
                with KGStore(config.store) as store:
                    reports.append(build([SEEDS], config, store=store))
                    graphs.append(canonical(store))
                    written.append({a.source for a in store.articles()})
        finally:
            reject_one(False)
            client.run(reject_one, False)
    assert [Path(r["source"]).name for r in reports[1].rejected] == [CHANGED]
    assert "refused" in reports[1].rejected[0]["reason"] and len(reports[1].added) == 4
    assert same_report(reports[0], reports[1])
    assert not any(source.endswith(CHANGED) for source in written[1])
    assert graphs[0] == graphs[1]


def remote_graph(store) -> list[str]:
    """The newskg graphs of a SPARQL store as sorted lines, blank nodes and the record of
    the cross-source run left out (as ``canonical`` does for the embedded store)."""
    lines = []
    for graph in store.named_graphs():
        if graph.startswith("https://w3id.org/newskg/"):
            rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o "
                                "FILTER(!isBlank(?s) && !isBlank(?o)) } }")
            lines += [f"{r['s']} {r['p']} {r['o']} {graph}" for r in rows
                      if "/id/analysis/" not in r["s"]]
    return sorted(lines)


def test_dask_build_on_a_sparql_server_equals_a_local_build_there(cluster, virtuoso):  # noqa: F811
    from kg.backends import open_store

    graphs, reports = [], []
    for config in (Config(store=Path(virtuoso), jobs=1), dask_config(cluster, Path(virtuoso))):
        with open_store(config.store) as remote:
            for graph in remote.named_graphs():
                if graph.startswith("https://w3id.org/newskg/"):
                    remote.remove_graph(graph)
            reports.append(build([SEEDS], config, store=remote))
            graphs.append(remote_graph(remote))
    assert len(reports[1].added) == 5 and same_report(reports[0], reports[1])
    assert len(graphs[0]) > 1000 and graphs[0] == graphs[1]


def test_cli_builds_on_dask_with_a_shard_folder(cluster, local_build, tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    shards = tmp_path / "shards"
    result = CliRunner().invoke(cli, ["build", str(SEEDS), "--store", str(tmp_path / "s"),
                                      "--engine", "dask", "--scheduler",
                                      cluster.scheduler_address, "--shards", str(shards), "-q"])
    assert result.exit_code == 0, result.output
    assert "5 added" in result.output
    assert shards.is_dir() and not list(shards.iterdir())   # a given folder is kept, emptied
    with KGStore(tmp_path / "s", read_only=True) as store:
        assert canonical(store) == local_build[2]


def test_cli_refuses_dask_without_a_scheduler(tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    result = CliRunner().invoke(cli, ["build", str(SEEDS), "--store", str(tmp_path / "s"),
                                      "--engine", "dask"])
    assert result.exit_code == 2 and "--scheduler" in result.output
