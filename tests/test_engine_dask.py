"""``kg build --engine dask`` on a local cluster of two worker processes (127.0.0.1)."""
from __future__ import annotations

import pytest

from kg.config import Config
from kg.pipeline import build
from kg.store import KGStore
from tests.conftest import SEEDS
from tests.test_scale_build import canonical

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes and a scheduler on 127.0.0.1, stopped afterwards."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=40) as local:
        yield local


def test_dask_build_equals_a_one_job_build(cluster, tmp_path):
    graphs, reports = [], []
    for name, extra in (("local", {"jobs": 1}),
                        ("dask", {"engine": "dask", "scheduler": cluster.scheduler_address})):
        config = Config(store=tmp_path / name, **extra)
        with KGStore(config.store) as store:
            reports.append(build([SEEDS], config, store=store))
            graphs.append(canonical(store))
    assert len(reports[1].added) == 5 and not reports[1].rejected
    assert graphs[0] == graphs[1]


def test_cli_refuses_dask_without_a_scheduler(tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    result = CliRunner().invoke(cli, ["build", str(SEEDS), "--store", str(tmp_path / "s"),
                                      "--engine", "dask"])
    assert result.exit_code == 2 and "--scheduler" in result.output
