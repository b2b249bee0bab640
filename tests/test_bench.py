"""bench/run.py's bookkeeping: its tables replace only their own section of BENCHMARKS.md."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import run  # noqa: E402


def test_a_run_replaces_its_section_and_keeps_the_notes(tmp_path: Path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\nHand-written notes.\n\n<!-- load:begin -->\nload\n"
                    "<!-- load:end -->\n", encoding="utf-8")
    run.write_benchmarks("### First run\n| a |\n", path)
    run.write_benchmarks("### Second run\n| b |\n", path)
    text = path.read_text(encoding="utf-8")
    assert "Hand-written notes." in text and "<!-- load:begin -->\nload\n" in text
    assert "Second run" in text and "First run" not in text
    assert text.count(run.BEGIN) == text.count(run.END) == 1


def test_the_percentile_and_median_helpers():
    assert run.median([3.0, 1.0, 2.0]) == 2.0
    assert run.p95([float(i) for i in range(101)]) == 95.0
