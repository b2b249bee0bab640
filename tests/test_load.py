"""The load test in its short CI form: bench/load.py, 16 clients for 10 s on loopback, 0 errors.

The 60-second figures in BENCHMARKS.md come from ``bench/load.py --write-benchmarks``.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures_server import dev_trig, disk_store  # noqa: F401  (fixtures)
from tests.conftest import REPO

LOAD = REPO / "bench" / "load.py"


def load_module():
    spec = importlib.util.spec_from_file_location("bench_load", LOAD)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module        # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # 10 s of load, ~13 s
def test_sixteen_clients_for_ten_seconds_see_no_error(disk_store: Path, tmp_path: Path) -> None:
    figures = tmp_path / "load.json"
    done = subprocess.run([sys.executable, str(LOAD), "--store", str(disk_store), "--clients",
                           "16", "--seconds", "10", "--json", str(figures)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(figures.read_text())
    assert result["errors"] == {}
    assert result["requests"] >= 100
    assert result["p50_ms"] <= result["p99_ms"] < 10_000
    assert len(result["per_kind"]) >= 15      # the mix reached every kind of request


def test_the_load_script_talks_to_loopback_only() -> None:
    module = load_module()
    for url in ("http://example.org/sparql", "http://10.0.0.1:8000/sparql",
                "https://127.0.0.1/sparql"):
        with pytest.raises(SystemExit, match="only talks to a loopback address"):
            module.run_load(url, clients=1, seconds=1, max_requests=1)


def test_the_benchmarks_section_is_replaced_and_nothing_else(tmp_path: Path) -> None:
    module = load_module()
    result = module.Result(clients=16, seconds=60.0, requests=1200, errors={}, p50_ms=100.0,
                           p90_ms=200.0, p99_ms=300.0, max_ms=400.0,
                           per_kind={"void": {"n": 1200, "p50_ms": 100.0, "p99_ms": 300.0,
                                              "errors": 0}},
                           store={"articles": 5, "quads": 1000, "graphs": 7})
    path = tmp_path / "BENCHMARKS.md"
    others = "# Benchmarks\n\nsomeone else's text\n\n<!-- lineage:begin -->\nx\n<!-- lineage:end -->\n"
    path.write_text(others, encoding="utf-8")
    module.write_benchmarks(result, path)
    first = path.read_text(encoding="utf-8")
    assert first.startswith(others.rstrip("\n")) and "1,200 requests, 20.0/s" in first
    result.requests = 2400
    module.write_benchmarks(result, path)
    second = path.read_text(encoding="utf-8")
    assert second.count(module.BEGIN) == 1 and "2,400 requests" in second
    assert "1,200 requests" not in second and second.startswith(others.rstrip("\n"))
