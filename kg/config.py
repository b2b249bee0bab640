"""Typed configuration shared by the CLI, the server and the tests."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from kg.namespaces import DEFAULT_BASE, Iris

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STORE = REPO_ROOT / "var" / "store"


@dataclass(frozen=True)
class Config:
    """Where the store lives, which base IRI instances use, and build limits."""

    store: Path = DEFAULT_STORE
    base: str = DEFAULT_BASE
    validate: bool = True           # check every article graph against the shapes before storing it
    full_shacl: bool = False        # check with pyshacl (slow) instead of kg.engines.quickcheck
    max_article_bytes: int = 5_000_000   # larger inputs are rejected with a clear message
    jobs: int = 1
    engine: str = "local"           # extraction engine: "local" (--jobs processes) or "dask"
    scheduler: str | None = None    # the Dask scheduler address for engine "dask"
    shards: Path | None = None      # engine "dask": where workers write N-Quads shards (shared
                                    # by workers and client; default <store>.shards, removed after)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def iris(self) -> Iris:
        return Iris(self.base)

    def with_(self, **changes: object) -> Config:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def load_config(**overrides: object) -> Config:
    """Defaults, then ``NEWSKG_STORE`` / ``NEWSKG_BASE`` from the environment, then overrides."""
    values: dict[str, object] = {}
    if os.environ.get("NEWSKG_STORE"):
        values["store"] = Path(os.environ["NEWSKG_STORE"])
    if os.environ.get("NEWSKG_BASE"):
        values["base"] = os.environ["NEWSKG_BASE"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    if "store" in values:
        values["store"] = Path(values["store"])  # type: ignore[arg-type]
    return Config(**values)  # type: ignore[arg-type]
