"""Data files shipped in ``kg/data``: gazetteer, cue words and furniture patterns, read once."""
from __future__ import annotations

import functools
import json
from pathlib import Path

from kg.errors import KGError

DATA = Path(__file__).resolve().parent / "data"


def data_file(name: str) -> Path:
    """The path of a data file, with a clear error when the package lacks it."""
    path = DATA / name
    if not path.is_file():
        raise KGError(f"data file {path} is missing; expected it in the kg package's data/")
    return path


@functools.lru_cache(maxsize=None)
def lines(name: str) -> tuple[str, ...]:
    """Non-empty lines of a text data file, ``#`` comments and surrounding blanks removed."""
    out = []
    for raw in data_file(name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return tuple(out)


@functools.lru_cache(maxsize=None)
def jsonl(name: str) -> tuple[dict, ...]:
    """Records of a JSONL data file; a bad line is an error naming the file and line."""
    records = []
    path = data_file(name)
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            records.append(json.loads(raw))
        except ValueError as exc:
            raise KGError(f"{path}:{number}: not a JSON object: {exc}") from exc
    return tuple(records)
