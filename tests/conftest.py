"""Shared fixtures: the spaCy model, the seed articles, a built seed store, the shared eval kit."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.config import Config
from kg.nlp import load_model
from kg.store import KGStore

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
EVAL = SHARED / "eval"
GOLD_SETS = REPO / "tests" / "gold"


@pytest.fixture(scope="session")
def nlp():
    """The English pipeline, loaded once per test session."""
    return load_model()


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory):
    """The seed articles built into a fresh on-disk store (once per session)."""
    from kg.pipeline import build

    directory = tmp_path_factory.mktemp("seed-store")
    config = Config(store=directory / "store")
    store = KGStore(config.store)
    report = build([SEEDS], config, store=store)
    return config, store, report


@pytest.fixture(scope="session")
def seed_export(seed_build, tmp_path_factory) -> Path:
    """The seed build exported as TriG, as `kg export` writes it."""
    _, store, _ = seed_build
    path = tmp_path_factory.mktemp("export") / "seeds.trig"
    store.export("trig", path)
    return path


@pytest.fixture(scope="session")
def gold_dataset():
    """The contract's worked example: ``gold_to_trig.py`` run on the shared dev gold."""
    import warnings

    from rdflib import Dataset

    if not (EVAL / "gold_to_trig.py").is_file():
        pytest.skip(f"shared evaluation folder not found at {EVAL} (expected ../shared "
                    "next to the repository)")
    result = subprocess.run(
        [sys.executable, "gold_to_trig.py", "dev", "--crosssource", "dev/crosssource.json"],
        cwd=EVAL, capture_output=True, text=True, encoding="utf-8", check=False)
    assert result.returncode == 0, result.stderr
    dataset = Dataset()
    with warnings.catch_warnings():
        # rdflib's own TriG parser still builds a (deprecated) ConjunctiveGraph.
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=result.stdout, format="trig")
    return dataset


def run_scorer(script: str, *args: str) -> str:
    """Run one of ../shared/eval's scorers and return its output (last line is the summary)."""
    if not (EVAL / script).is_file():
        pytest.skip(f"{EVAL / script} not found: the shared eval kit sits beside the repo")
    done = subprocess.run([sys.executable, str(EVAL / script), *args], cwd=EVAL,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout
