"""Text utilities of the cross-article layer: tokens with offsets, folding, stems, sentences.

Everything here works on the article text exactly as stored (``nif:isString``), so every
token carries its character offsets and evidence spans can be cut from the original.
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kg.crosssource.cues import cues

# Numbers keep their separators ("100,000", "1.3"); words keep inner apostrophes ("shouldn't",
# "Poland's") but split at hyphens, so "Jong-un" and "Jong Un" give the same tokens.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th)?|[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"([.!?…]+[\"”’)\]]*)\s+|\s*\n+\s*")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")


def fold(text: str) -> str:
    """NFKD, diacritics stripped, casefolded, typographic apostrophes made ASCII."""
    if text.isascii():
        # Most words: casefold is lower() on ASCII, and "`" is the one apostrophe to map.
        return text.lower().replace("`", "'")
    plain = _COMBINING_BMP.sub("", unicodedata.normalize("NFKD", text))
    if _ASTRAL.search(plain):
        plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = plain.casefold()
    for apostrophe in _APOSTROPHE_FORMS:
        plain = plain.replace(apostrophe, "'")
    return plain


# Combining characters (diacritics) of the Basic Multilingual Plane as one character class,
# which the regex engine tests with a bitmap; the rare astral ones are stripped one by one.
_COMBINING_BMP = re.compile("[" + "".join(re.escape(chr(code)) for code in range(0x300, 0x10000)
                                          if unicodedata.combining(chr(code))) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
_APOSTROPHE_FORMS = "\u2019\u2018`\u02bc\u00b4"


@functools.lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> str:
    # A corpus repeats its words: each distinct one is folded once.
    return fold(word)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text with its offsets; ``norm`` is the folded form."""

    begin: int
    end: int
    text: str
    norm: str

    @property
    def is_number(self) -> bool:
        return bool(_NUMBER.match(self.norm))


def tokens(text: str, begin: int = 0, end: int | None = None) -> list[Token]:
    """The words of ``text[begin:end]`` with offsets into ``text``."""
    end = len(text) if end is None else end
    return [Token(m.start(), m.end(), m.group(0), _fold_word(m.group(0)))
            for m in _TOKEN.finditer(text, begin, end)]


def words(text: str) -> list[str]:
    """Folded words of a text."""
    return [_fold_word(word) for word in _TOKEN.findall(text)]


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light suffix-stripping stem, enough to equate offer/offers/offered/offering."""
    word = word.removesuffix("'s").removesuffix("'")
    if _NUMBER.match(word) or len(word) <= 4:
        return word
    for suffix in ("ations", "ation", "ings", "ing", "edly", "ies", "ied", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word


def is_stopword(word: str) -> bool:
    return word in cues().stopwords


def content_stems(text: str) -> list[str]:
    """Stems of the content words of a text (stopwords out, negations kept)."""
    return [stem(w) for w in words(text) if not is_stopword(w)]


@dataclass(frozen=True, slots=True)
class Sentence:
    begin: int
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """Sentences (and lines) of a text with offsets; blank pieces dropped."""
    out: list[Sentence] = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end(1) if match.group(1) else match.start()
        _add_sentence(out, text, position, end)
        position = match.end()
    _add_sentence(out, text, position, len(text))
    return out


def _add_sentence(out: list[Sentence], text: str, begin: int, end: int) -> None:
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    if end > begin:
        out.append(Sentence(begin, end, text[begin:end]))


def sentence_around(text: str, begin: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence(s) that hold ``text[begin:end]``."""
    first, last = begin, end
    for sentence in _sentences_of(text):
        if sentence.end > begin and sentence.begin < end:
            first, last = min(first, sentence.begin), max(last, sentence.end)
    return first, last


@functools.lru_cache(maxsize=32)
def _sentences_of(text: str) -> tuple[Sentence, ...]:
    # the claims of one article ask for their sentences one after another
    return tuple(sentences(text))


class Weights:
    """Inverse document frequencies of stems over a collection of short texts (claims)."""

    def __init__(self, df: Mapping[str, int], n: int):
        self.df = df
        self.n = n
        # Weights are read-only once made (a new one is made when df changes), so a
        # term's weight and a stem set's mass can be kept: claims are compared many times.
        self._weights: dict[str, float] = {}
        self._masses: dict[frozenset[str], float] = {}

    @classmethod
    def of(cls, documents: Iterable[Iterable[str]]) -> Weights:
        df: Counter[str] = Counter()
        n = 0
        for document in documents:
            n += 1
            df.update(set(document))
        return cls(df, n)

    def __call__(self, term: str) -> float:
        found = self._weights.get(term)
        if found is None:
            found = self._weights[term] = math.log((self.n + 1) / (self.df.get(term, 0) + 0.5)
                                                   ) + 0.1
        return found

    def mass(self, terms: Iterable[str]) -> float:
        if isinstance(terms, frozenset):
            found = self._masses.get(terms)
            if found is None:
                found = self._masses[terms] = sum(self(t) for t in terms)
            return found
        return sum(self(t) for t in set(terms))


def stems_match(a: str, b: str) -> bool:
    """Two stems of one word family ("independent", "independenc")."""
    if a == b:
        return True
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return common >= 6 and common >= 0.8 * min(len(a), len(b))


__all__ = ["Token", "Sentence", "Weights", "fold", "tokens", "words", "stem", "content_stems",
           "sentences", "sentence_around", "is_stopword", "stems_match"]
