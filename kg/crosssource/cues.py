"""Cue words of the cross-article layer, read once from ``kg/data/crosssource_cues.json``.

The lists are general English (modal verbs, negations, number words, scope phrases); the
code never names a word of a story. Tests may swap the file through ``load_cues(path)``.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from kg.resources import data_file

CUES_FILE = "crosssource_cues.json"


@dataclass(frozen=True)
class Cues:
    stopwords: frozenset[str]
    negation_words: frozenset[str]
    negation_suffixes: tuple[str, ...]
    negation_prefixes: tuple[str, ...]
    potential: frozenset[str]
    potential_before_to: frozenset[str]
    offer_verbs: frozenset[str]
    future: frozenset[str]
    possible: frozenset[str]
    perfect: frozenset[str]
    be: frozenset[str]
    be_past: frozenset[str]
    irregular_past: frozenset[str]
    scope: dict[str, tuple[tuple[str, ...], ...]]     # class -> phrases as word tuples
    numbers: dict[str, float]
    multipliers: dict[str, float]
    ordinals: dict[str, int]
    count_nouns_excluded: frozenset[str]
    count_verbs: frozenset[str]
    denial_verbs: frozenset[str]
    attribution_verbs: frozenset[str]
    outlet_cues: tuple[str, ...]
    capitalised_function_words: frozenset[str]
    repeated_punctuation: tuple[str, ...]


def load_cues(path: str | Path | None = None) -> Cues:
    """The cues of a JSON file (default: the packaged one)."""
    raw = json.loads(Path(path or data_file(CUES_FILE)).read_text(encoding="utf-8"))
    modality, direction = raw["modality"], raw["direction"]

    def words(values) -> frozenset[str]:
        return frozenset(v.lower() for v in values)

    return Cues(
        stopwords=words(raw["stopwords"]),
        negation_words=words(raw["negation_words"]),
        negation_suffixes=tuple(raw["negation_suffixes"]),
        negation_prefixes=tuple(sorted(raw["negation_prefixes"], key=len, reverse=True)),
        potential=words(modality["potential"]),
        potential_before_to=words(modality["potential_before_to"]),
        offer_verbs=words(modality["offer_verbs"]),
        future=words(modality["future"]),
        possible=words(modality["possible"]),
        perfect=words(modality["perfect"]),
        be=words(modality["be"]),
        be_past=words(modality["be_past"]),
        irregular_past=words(modality["irregular_past"]),
        scope={name: tuple(tuple(p.split()) for p in phrases)
               for name, phrases in raw["scope"].items() if not name.startswith("_")},
        numbers={k: float(v) for k, v in raw["numbers"].items()},
        multipliers={k: float(v) for k, v in raw["multipliers"].items()},
        ordinals={k: int(v) for k, v in raw["ordinals"].items()},
        count_nouns_excluded=words(raw["count_nouns_excluded"]),
        count_verbs=words(raw["count_verbs"]),
        denial_verbs=words(raw["denial_verbs"]),
        attribution_verbs=words(raw["attribution_verbs"]),
        outlet_cues=tuple(raw["outlet_cues"]),
        capitalised_function_words=frozenset(direction["capitalised_function_words"]),
        repeated_punctuation=tuple(direction["repeated_punctuation"]),
    )


@functools.lru_cache(maxsize=1)
def cues() -> Cues:
    """The packaged cues, read once."""
    return load_cues()


__all__ = ["Cues", "cues", "load_cues"]
