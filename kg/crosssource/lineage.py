"""Article lineage: which article is a near copy, spun rewrite, quotation of, or shares a
source with which.

Candidate pairs come from two MinHash LSH indexes (datasketch's MinHash, buckets in the
compact ``BandIndex``) so that an article is only ever verified against the few articles that
share wording with it, never the whole corpus:

* a document index over 2-shingles of the body's content words (function words dropped, so
  unrelated articles share next to nothing). A spun rewrite keeps about one such shingle in
  six (Jaccard ~0.15-0.25), a near copy most of them. The LSH is tuned for recall at that
  level (256 permutations, 128 bands of 2 rows); its hits are then filtered on the Jaccard
  estimated from the stored signatures (``DOC_MIN_JACCARD``), which costs microseconds, so
  the chance collisions of a large corpus never reach the text verification;
* a passage index over word 3-shingles of single sentences and quotations of at least
  ``MIN_PASSAGE_WORDS`` words (16 bands of 4 rows: near-verbatim passages), which finds
  articles that share a quotation or a sentence with otherwise different text (shared
  sources, quotations). A passage found in more than ``MAX_PASSAGE_FANOUT`` articles is
  boilerplate and proposes nothing.

Each candidate pair is then verified on the texts: verbatim and parallel sentences (aligned
with a word-level similarity), shared verbatim passages of 8 or more words, and quoting cues.
"""
from __future__ import annotations

import functools
import hashlib
import re
import struct
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from datasketch import MinHash
from rapidfuzz.distance import Indel
from rapidfuzz.process import cdist

from kg.crosssource.cues import cues
from kg.crosssource.model import Derivation, Doc
from kg.crosssource.text import Sentence, fold, sentences, words
from kg.furniture import furniture_ranges, in_ranges

SHINGLE = 3                   # words per passage shingle
DOC_SHINGLE = 2               # content words per document shingle
DOC_PERM = 256
DOC_BANDS = (128, 2)          # (bands, rows): P(candidate) 0.95 at J=0.15, 0.27 at J=0.05
DOC_MIN_JACCARD = 0.08        # estimated Jaccard a document hit needs to be verified
PASSAGE_PERM = 64
PASSAGE_BANDS = (16, 4)       # P(candidate) 0.99 at J=0.7, 0.12 at J=0.3, 0.002 at J=0.1
MIN_PASSAGE_WORDS = 8
MAX_PASSAGE_FANOUT = 50       # a passage in more articles than this is boilerplate
MAX_CANDIDATES = 24           # articles verified on the texts per new article, at most
MIN_SENTENCE_WORDS = 5

VERBATIM = 0.9                # word-level similarity of two sentences that are "the same"
PARALLEL = 0.5                # ... of a sentence and its spun rewrite
NEAR_COPY_SHARE = 0.5         # share of the smaller article's sentences found verbatim
SPUN_SHARE = 0.35             # share of the smaller article's sentences with a parallel one
SPUN_MIN_SENTENCES = 3
SHARED_MIN_PASSAGES = 2
CONTAINMENT_MARGIN = 0.1      # one article's share must exceed the other's by this much

_QUOTES = re.compile(r"[\"“”«»„]|(?<!\w)['‘]|['’](?!\w)")


def _hash32(data: bytes) -> int:
    return struct.unpack("<I", hashlib.blake2b(data, digest_size=4).digest())[0]


def _shingles(tokens: list[str], k: int = SHINGLE) -> set[bytes]:
    if len(tokens) < k:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i:i + k]).encode() for i in range(len(tokens) - k + 1)}


_TEMPLATES: dict[int, MinHash] = {}


def minhash(items: set[bytes], num_perm: int) -> MinHash:
    """A MinHash of byte strings, sharing one permutation table per size."""
    template = _TEMPLATES.get(num_perm)
    if template is None:
        template = _TEMPLATES[num_perm] = MinHash(num_perm=num_perm, seed=7)
    signature = MinHash(num_perm=num_perm, seed=7, permutations=template.permutations,
                        scheme=template.scheme, hashfunc=_hash32)
    if items:
        signature.update_batch(list(items))
    return signature


# ---------------------------------------------------------------- texts


@dataclass
class Body:
    """An article's body for lineage: sentences outside page furniture, as word lists."""

    sentences: list[Sentence]
    sentence_words: list[list[str]]
    words: list[str]
    text: str                      # the whole article text, furniture and all

    @classmethod
    def of(cls, text: str) -> Body:
        furniture = furniture_ranges(text)
        kept = [s for s in sentences(text) if not in_ranges(s.begin, s.end, furniture)]
        sentence_words = [words(s.text) for s in kept]
        return cls(kept, sentence_words, [w for ws in sentence_words for w in ws], text)

    @functools.cached_property
    def folded(self) -> str:
        """``fold`` of the whole text, where outlets named as sources are looked for."""
        return fold(self.text)

    @functools.cached_property
    def codes(self) -> str:
        """The words as one string, a character per word (``encode``)."""
        return encode(self.words)

    @functools.cached_property
    def run_hashes(self) -> np.ndarray:
        """A 64-bit hash of every run of ``MIN_PASSAGE_WORDS`` consecutive words, in order
        (4 KB per article, where the runs as strings took ~40 KB)."""
        return _run_hashes(self.codes)

    @functools.cached_property
    def sorted_run_hashes(self) -> np.ndarray:
        return np.sort(self.run_hashes)

    @functools.cached_property
    def comparable(self) -> tuple[list[list[str]], list[str]]:
        """The sentences long enough to align (``MIN_SENTENCE_WORDS``), and their codes."""
        kept = [ws for ws in self.sentence_words if len(ws) >= MIN_SENTENCE_WORDS]
        return kept, [encode(ws) for ws in kept]

    def content_words(self) -> list[str]:
        stop = cues().stopwords
        return [w for w in self.words if w not in stop]

    def passages(self) -> list[list[str]]:
        """Sentences and quotations of at least MIN_PASSAGE_WORDS words."""
        out = []
        for sentence in self.sentences:
            pieces = [sentence.text, *(p for p in _QUOTES.split(sentence.text) if p.strip())]
            for piece in dict.fromkeys(pieces):
                piece_words = words(piece)
                if len(piece_words) >= MIN_PASSAGE_WORDS:
                    out.append(piece_words)
        return out


# ---------------------------------------------------------------- index


@dataclass
class Signatures:
    """What the index needs of one article, computed once (in a lineage worker): its body's
    MinHash values and band keys, and each passage's band keys and words."""

    body: np.ndarray | None                # MinHash values of the body (DOC_PERM), if any
    body_keys: list[int]                   # its buckets in DOC_BANDS ([] without a body)
    passage_keys: list[list[int]]          # each passage's buckets in PASSAGE_BANDS
    passage_words: list[tuple[str, ...]]   # each passage's words, in the same order

    @classmethod
    def of(cls, body: Body) -> Signatures:
        content = body.content_words()
        whole = minhash(_shingles(content, DOC_SHINGLE), DOC_PERM).hashvalues \
            if len(content) >= DOC_SHINGLE else None
        seen: dict[tuple[str, ...], None] = {}
        passage_keys = []
        for passage in body.passages():
            if tuple(passage) not in seen:
                seen[tuple(passage)] = None
                passage_keys.append(band_keys(
                    minhash(_shingles(passage), PASSAGE_PERM).hashvalues, *PASSAGE_BANDS))
        return cls(whole, band_keys(whole, *DOC_BANDS) if whole is not None else [],
                   passage_keys, list(seen))


_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)   # odd: folding the rows loses nothing


@functools.lru_cache(maxsize=8)
def _salt(bands: int) -> np.ndarray:
    return np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(0xBF58476D1CE4E5B9)


def band_keys(hashvalues: np.ndarray, bands: int, rows: int) -> list[int]:
    """The bucket of each band of a MinHash signature: its ``rows`` values folded into one
    64-bit number, salted with the band."""
    table = hashvalues[: bands * rows].astype(np.uint64).reshape(bands, rows)
    with np.errstate(over="ignore"):        # wrapping 64-bit arithmetic is the point
        folded = _salt(bands).copy()
        for column in range(rows):
            folded = folded * _MULTIPLIER + table[:, column]
    return folded.tolist()


class BandIndex:
    """MinHash LSH buckets: items whose signatures agree on all rows of some band.

    The same banding as datasketch's ``MinHashLSH``, kept compact: a band's rows are folded
    into one 64-bit number (salted with the band), and one dict maps it to the item or a
    list of items. datasketch keeps a set and a bytes key per bucket (~330 bytes per band
    and item; ~70 here), which made the lineage index 124 KB per article.
    """

    def __init__(self, bands: int, rows: int) -> None:
        self.bands, self.rows = bands, rows
        self.buckets: dict[int, object] = {}

    def keys(self, hashvalues: np.ndarray) -> list[int]:
        """The bucket of each band of a signature (its MinHash ``hashvalues``)."""
        return band_keys(hashvalues, self.bands, self.rows)

    def insert(self, item: str, keys: list[int]) -> None:
        for key in keys:
            found = self.buckets.get(key)
            if found is None:
                self.buckets[key] = item
            elif isinstance(found, list):
                found.append(item)
            else:
                self.buckets[key] = [found, item]

    def query(self, keys: list[int]) -> set[str]:
        out: set[str] = set()
        for key in keys:
            found = self.buckets.get(key)
            if found is None:
                continue
            if isinstance(found, list):
                out.update(found)
            else:
                out.add(found)
        return out

    def remove(self, item: str, keys: list[int]) -> None:
        for key in keys:
            found = self.buckets.get(key)
            if isinstance(found, list):
                if item in found:
                    found.remove(item)
                if len(found) == 1:
                    self.buckets[key] = found[0]
                elif not found:
                    del self.buckets[key]
            elif found == item:
                del self.buckets[key]


def _doc_bands() -> BandIndex:
    return BandIndex(*DOC_BANDS)


def _passage_bands() -> BandIndex:
    return BandIndex(*PASSAGE_BANDS)


class SignatureMatrix:
    """Articles' document signatures as rows of one array, so that the signatures of a
    query's thousands of hits are gathered by one indexing operation, not a stack of
    arrays (at 10k formulaic articles the stacking alone took a minute)."""

    def __init__(self, width: int) -> None:
        self.matrix = np.zeros((0, width), dtype=np.uint32)
        self.row: dict[str, int] = {}
        self.free: list[int] = []

    def __contains__(self, iri: object) -> bool:
        return iri in self.row

    def __len__(self) -> int:
        return len(self.row)

    def put(self, iri: str, hashvalues: np.ndarray) -> None:
        if iri in self.row:
            index = self.row[iri]
        elif self.free:
            index = self.row[iri] = self.free.pop()
        else:
            index = self.row[iri] = len(self.row)
            if index >= self.matrix.shape[0]:   # grow by half: amortised O(1) per article
                grown = np.zeros((max(64, index + index // 2), self.matrix.shape[1]),
                                 dtype=np.uint32)
                grown[: self.matrix.shape[0]] = self.matrix
                self.matrix = grown
        self.matrix[index] = hashvalues

    def get(self, iri: str) -> np.ndarray | None:
        index = self.row.get(iri)
        return None if index is None else self.matrix[index]

    def pop(self, iri: str) -> np.ndarray | None:
        index = self.row.pop(iri, None)
        if index is None:
            return None
        self.free.append(index)
        return self.matrix[index].copy()

    def rows_of(self, iris: list[str]) -> np.ndarray:
        return self.matrix[np.fromiter((self.row[i] for i in iris), dtype=np.intp,
                                       count=len(iris))]


@dataclass
class LineageIndex:
    """The two LSH indexes over all analysed articles, kept between runs, with each
    article's body signature (for the Jaccard estimate that filters document hits)."""

    doc_bands: BandIndex = field(default_factory=_doc_bands)
    passage_bands: BandIndex = field(default_factory=_passage_bands)
    passage_keys: dict[str, list[int]] = field(default_factory=dict)   # article → buckets
    signatures: SignatureMatrix = field(default_factory=lambda: SignatureMatrix(DOC_PERM))
    articles: set[str] = field(default_factory=set)
    lsh_hits: int = 0             # document hits before the Jaccard filter (all queries)

    def candidates(self, iri: str, body: Body | Signatures) -> set[str]:
        """Articles already indexed that may share wording with this one: at most
        ``MAX_CANDIDATES``, those sharing the most passages, then the most shingles."""
        signatures = body if isinstance(body, Signatures) else Signatures.of(body)
        return self.candidates_and_boilerplate(iri, signatures)[0]

    def candidates_and_boilerplate(self, iri: str, signatures: Signatures
                                   ) -> tuple[set[str], tuple[tuple[str, ...], ...]]:
        """``candidates``, and the boilerplate of this article, from one pass over the
        passage index. Boilerplate: the word runs (``MIN_PASSAGE_WORDS`` long) of its
        passages that more than ``MAX_PASSAGE_FANOUT`` indexed articles share (stock phrases,
        disclaimers, wire boilerplate), which say nothing about who copied whom; given as
        those passages (``boilerplate_hashes`` hashes their runs where the texts are
        compared: word codes are per process)."""
        jaccard: dict[str, float] = {}
        if signatures.body is not None:
            hits = self.doc_bands.query(signatures.body_keys)
            self.lsh_hits += len(hits)
            others = [other for other in hits if other != iri and other in self.signatures]
            if others:
                # the estimated Jaccard of every hit in one numpy operation
                agree = self.signatures.rows_of(others) == signatures.body
                for other, estimate in zip(others, agree.mean(axis=1).tolist()):
                    if estimate >= DOC_MIN_JACCARD:
                        jaccard[other] = estimate
        shared: Counter[str] = Counter()
        common: list[tuple[str, ...]] = []
        for keys, words_ in zip(signatures.passage_keys, signatures.passage_words):
            hits = self.passage_bands.query(keys)
            hits.discard(iri)
            if len(hits) <= MAX_PASSAGE_FANOUT:
                shared.update(hits)
            else:
                common.append(words_)
        found = (set(jaccard) | set(shared)) - {iri}
        if len(found) > MAX_CANDIDATES:
            # Boilerplate-heavy corpora make every pair a candidate; a copy shares more with
            # its source than with anything else, so the best-ranked few are enough.
            found = set(sorted(found, key=lambda other: (-shared[other],
                                                         -jaccard.get(other, 0.0),
                                                         other))[:MAX_CANDIDATES])
        return found, tuple(common)

    def add(self, iri: str, body: Body | Signatures) -> None:
        signatures = body if isinstance(body, Signatures) else Signatures.of(body)
        if iri in self.articles:
            self.remove(iri)
        self.articles.add(iri)
        if signatures.body is not None:
            self.doc_bands.insert(iri, signatures.body_keys)
            self.signatures.put(iri, signatures.body)
        # an article is in a passage bucket once, however many of its passages fall in it
        keys = list(dict.fromkeys(key for passage in signatures.passage_keys
                                  for key in passage))
        self.passage_bands.insert(iri, keys)
        self.passage_keys[iri] = keys

    def remove(self, iri: str) -> None:
        if iri not in self.articles:
            return
        self.articles.discard(iri)
        signature = self.signatures.pop(iri)
        if signature is not None:
            self.doc_bands.remove(iri, self.doc_bands.keys(signature))
        self.passage_bands.remove(iri, self.passage_keys.pop(iri, []))


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class PairEvidence:
    """Measurements of two articles' shared wording."""

    verbatim_a: float            # share of a's sentences found verbatim in b
    verbatim_b: float
    parallel_a: float            # share of a's sentences with a parallel sentence in b
    parallel_b: float
    parallel_pairs: int
    passages: int                # separate shared verbatim passages of >= 8 words
    quotes_a: bool               # a names b's outlet as a source
    quotes_b: bool


# Each word becomes one character, so that rapidfuzz compares sentences as strings in one
# C++ call; the codes are shared by every text of the process, so each body is encoded once.
_CODES: dict[str, str] = {}
_FIRST_CODE = 0x100
_SURROGATES = range(0xD800, 0xE000)                                # not characters
_CODE_COUNT = 0x110000 - _FIRST_CODE - len(_SURROGATES)


def _code(word: str) -> str:
    found = _CODES.get(word)
    if found is None:
        # Past ~1.1M distinct words codes repeat: rare collisions, not errors.
        number = _FIRST_CODE + len(_CODES) % _CODE_COUNT
        if number >= _SURROGATES.start:
            number += len(_SURROGATES)
        found = _CODES[word] = chr(number)
    return found


def encode(sentence: list[str]) -> str:
    """A sentence's words as one string, a character per word."""
    return "".join(_code(w) for w in sentence)


def _best_both_ways(left: list[list[str]], right: list[list[str]],
                    left_codes: list[str] | None = None, right_codes: list[str] | None = None
                    ) -> tuple[list[tuple[float, int]], list[tuple[float, int]]]:
    """For each sentence of ``left`` its most similar sentence of ``right`` (word-level Indel
    similarity, first best on ties) with the score, or (0.0, -1) when none is comparable;
    and the same for ``right`` in ``left``, from one matrix (the similarity is symmetric).

    Sentences whose lengths differ by more than half the longer are not compared; the
    ``*_codes`` are the sentences already ``encode``d, when the caller keeps them.
    """
    if not left or not right:
        return [(0.0, -1)] * len(left), [(0.0, -1)] * len(right)
    scores = cdist(left_codes or [encode(ws) for ws in left],
                   right_codes or [encode(ws) for ws in right],
                   scorer=Indel.normalized_similarity, dtype=np.float64)
    len_left = np.array([len(ws) for ws in left])[:, None]
    len_right = np.array([len(ws) for ws in right])[None, :]
    comparable = np.abs(len_left - len_right) <= np.maximum(len_left, len_right) / 2
    scores = np.where(comparable, scores, 0.0)
    return _best_in_rows(scores), _best_in_rows(scores.T)


def _best_in_rows(scores: np.ndarray) -> list[tuple[float, int]]:
    where = scores.argmax(axis=1)
    best = scores[np.arange(scores.shape[0]), where]
    return [(score, index) if score > 0.0 else (0.0, -1)
            for score, index in zip(best.tolist(), where.tolist())]


def shared_passages(a: list[str], b: list[str], k: int = MIN_PASSAGE_WORDS,
                    ignore: set[tuple[str, ...]] | frozenset = frozenset()) -> int:
    """Separate runs of a's words that occur verbatim (k words or more) in b, not counting
    the k-word runs in ``ignore`` (boilerplate)."""
    return _shared_stretches(_run_hashes(encode(a), k), np.sort(_run_hashes(encode(b), k)),
                             _ignored(frozenset(ignore), k))


def _shared_runs(a: Body, b: Body, ignore: np.ndarray) -> int:
    """``shared_passages`` of two bodies, on their cached run hashes; ``ignore`` holds the
    sorted hashes of boilerplate runs."""
    return _shared_stretches(a.run_hashes, b.sorted_run_hashes, ignore)


NO_BOILERPLATE = np.zeros(0, dtype=np.uint64)


def boilerplate_hashes(passages: Sequence[Sequence[str]], k: int = MIN_PASSAGE_WORDS
                       ) -> np.ndarray:
    """The sorted hashes of every k-word run of ``passages``, as ``Body.run_hashes`` hashes
    the runs of a body in this process: boilerplate to compare bodies without."""
    if not passages:
        return NO_BOILERPLATE
    return np.unique(np.concatenate([_run_hashes(encode(list(p)), k) for p in passages]))


# Polynomial hashing of word codes: run i is sum(code[i + j] * P**(k - 1 - j)) mod 2**64.
_RUN_BASE = 0x100000001B3


@functools.lru_cache(maxsize=8)
def _powers(k: int) -> np.ndarray:
    return np.array([pow(_RUN_BASE, k - 1 - j, 1 << 64) for j in range(k)], dtype=np.uint64)


def _run_hashes(codes: str, k: int = MIN_PASSAGE_WORDS) -> np.ndarray:
    """The hash of each k-character window of ``codes`` (a character per word)."""
    if len(codes) < k:
        return np.zeros(0, dtype=np.uint64)
    points = np.frombuffer(codes.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    windows = np.lib.stride_tricks.sliding_window_view(points, k)
    with np.errstate(over="ignore"):            # wrapping 64-bit arithmetic is the point
        return (windows * _powers(k)).sum(axis=1, dtype=np.uint64)


@functools.lru_cache(maxsize=8)
def _ignored(runs: frozenset[tuple[str, ...]], k: int = MIN_PASSAGE_WORDS) -> np.ndarray:
    """The hashes of boilerplate runs (word tuples of length k); one article's boilerplate
    is asked for with each of its candidates."""
    if not runs:
        return np.zeros(0, dtype=np.uint64)
    return np.sort(np.concatenate([_run_hashes(encode(list(run)), k) for run in runs]))


def _contains(ordered: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which ``values`` occur in the sorted array ``ordered`` (a binary search each)."""
    where = np.minimum(np.searchsorted(ordered, values), ordered.size - 1)
    return ordered[where] == values


def _shared_stretches(runs_a: np.ndarray, sorted_b: np.ndarray, ignore: np.ndarray) -> int:
    """How many separate stretches of a's runs (consecutive positions) occur in b (sorted)
    and not in ``ignore`` (sorted)."""
    if not runs_a.size or not sorted_b.size:
        return 0
    shared = _contains(sorted_b, runs_a)
    if ignore.size and shared.any():
        shared &= ~_contains(ignore, runs_a)
    return int(shared[0]) + int(np.count_nonzero(shared[1:] & ~shared[:-1]))


def _names_outlet(folded: str, outlets: tuple[str, ...]) -> bool:
    """Whether a folded text names one of ``outlets`` with a quoting cue ("reported by X")."""
    return any(_outlet_pattern(outlet).search(folded) for outlet in outlets)


@functools.lru_cache(maxsize=4096)
def _outlet_pattern(outlet: str) -> re.Pattern[str]:
    """One pattern for an outlet named with any quoting cue, before or after the name."""
    name = re.escape(fold(outlet).removeprefix("the "))
    cue = "|".join(re.escape(fold(c)) for c in cues().outlet_cues)
    return re.compile(rf"(?:{cue})\s+(?:the\s+)?{name}\b|\b{name}\s+(?:{cue})")


def measure(a: Doc, b: Doc, body_a: Body, body_b: Body,
            boilerplate: np.ndarray = NO_BOILERPLATE) -> PairEvidence:
    (left, left_codes), (right, right_codes) = body_a.comparable, body_b.comparable
    best_a, best_b = _best_both_ways(left, right, left_codes, right_codes)

    def share(best: list[tuple[float, int]], threshold: float) -> float:
        return sum(1 for score, _ in best if score >= threshold) / max(1, len(best))

    # one-to-one parallel pairs: sentences that are each other's best match, alike in their
    # content words too (two sentences of one formula share half their words by chance)
    stop = cues().stopwords
    mutual = sum(1 for i, (score, j) in enumerate(best_a)
                 if score >= PARALLEL and j >= 0 and best_b[j][1] == i and
                 Indel.normalized_similarity([w for w in left[i] if w not in stop],
                                             [w for w in right[j] if w not in stop]) >= PARALLEL)
    return PairEvidence(share(best_a, VERBATIM), share(best_b, VERBATIM),
                        share(best_a, PARALLEL), share(best_b, PARALLEL), mutual,
                        _shared_runs(body_a, body_b, boilerplate),
                        _names_outlet(body_a.folded, b.outlets),
                        _names_outlet(body_b.folded, a.outlets))


def disfluency(body: Body) -> float:
    """Signs of a spun or careless copy per sentence (see crosssource_cues.json)."""
    c = cues()
    signs = 0
    for sentence in body.sentences:
        text = sentence.text
        first = text.lstrip("\"“‘'([ ")[:1]
        if first.islower():
            signs += 1
        inner = text.split()[1:]
        signs += sum(1 for w in inner if w in c.capitalised_function_words)
        last = words(text)[-1:] or [""]
        if last[0] in c.stopwords and len(words(text)) > 2:
            signs += 1
        signs += sum(text.count(p) for p in c.repeated_punctuation)
    return signs / max(1, len(body.sentences))


def classify(a: Doc, b: Doc, body_a: Body, body_b: Body,
             boilerplate: np.ndarray = NO_BOILERPLATE) -> Derivation | None:
    """The derivation between two articles, oriented copy → source, or None; shared
    ``boilerplate`` runs (their hashes, from ``LineageIndex.candidates_and_boilerplate``)
    are no evidence of a shared source."""
    evidence = measure(a, b, body_a, body_b, boilerplate)
    smaller_verbatim = evidence.verbatim_a if len(body_a.sentences) <= len(
        body_b.sentences) else evidence.verbatim_b
    smaller_parallel = max(evidence.parallel_pairs / max(1, min(
        len([w for w in body_a.sentence_words if len(w) >= MIN_SENTENCE_WORDS]),
        len([w for w in body_b.sentence_words if len(w) >= MIN_SENTENCE_WORDS]))), 0.0)
    if max(evidence.verbatim_a, evidence.verbatim_b, smaller_verbatim) >= NEAR_COPY_SHARE:
        copy, source, basis = orient(a, b, body_a, body_b, evidence.verbatim_a,
                                     evidence.verbatim_b, spun=False)
        return Derivation(copy, source, "near_copy", True,
                          round(max(evidence.verbatim_a, evidence.verbatim_b), 3), basis)
    if (evidence.parallel_pairs >= SPUN_MIN_SENTENCES and smaller_parallel >= SPUN_SHARE):
        copy, source, basis = orient(a, b, body_a, body_b, evidence.parallel_a,
                                     evidence.parallel_b, spun=True)
        return Derivation(copy, source, "spun_rewrite", True, round(smaller_parallel, 3), basis)
    if evidence.quotes_a != evidence.quotes_b and evidence.passages >= 1:
        copy, source = (a.iri, b.iri) if evidence.quotes_a else (b.iri, a.iri)
        return Derivation(copy, source, "quotes_source", True, 1.0, "names the outlet")
    if evidence.passages >= SHARED_MIN_PASSAGES:
        copy, source = sorted((a, b), key=_age_key, reverse=True)
        return Derivation(copy.iri, source.iri, "shared_source", False,
                          float(evidence.passages), "unordered")
    return None


def _age_key(doc: Doc) -> tuple[str, str]:
    return (doc.date or "", doc.iri)


def orient(a: Doc, b: Doc, body_a: Body, body_b: Body, share_a: float, share_b: float,
           spun: bool) -> tuple[str, str, str]:
    """(copy, source, basis): the later date, else the spun/disfluent text, else the text
    contained in the other, else the shorter one is the copy."""
    if a.date and b.date and a.date[:10] != b.date[:10]:
        return (a.iri, b.iri, "date") if a.date > b.date else (b.iri, a.iri, "date")
    if spun:
        flaws_a, flaws_b = disfluency(body_a), disfluency(body_b)
        if abs(flaws_a - flaws_b) >= 0.15:
            return (a.iri, b.iri, "disfluency") if flaws_a > flaws_b else (b.iri, a.iri,
                                                                            "disfluency")
    if abs(share_a - share_b) >= CONTAINMENT_MARGIN:
        return (a.iri, b.iri, "containment") if share_a > share_b else (b.iri, a.iri,
                                                                        "containment")
    if len(body_a.words) != len(body_b.words):
        return (a.iri, b.iri, "length") if len(body_a.words) < len(body_b.words) else (
            b.iri, a.iri, "length")
    return (max(a.iri, b.iri), min(a.iri, b.iri), "arbitrary")


def reduce(derivations: list[Derivation]) -> list[Derivation]:
    """Drop links that only echo a copy: X→B when B→C and X→C (X copied C, not B), and
    X~Y shared when X copies Z and Z is linked to Y (the shared words are Z's)."""
    directed = {(d.copy, d.source) for d in derivations if d.directed}
    linked = {frozenset((d.copy, d.source)) for d in derivations}
    sources: dict[str, set[str]] = {}
    for copy, source in directed:
        sources.setdefault(copy, set()).add(source)
    kept = []
    for d in derivations:
        if d.directed:
            if any((d.copy, c) in directed for c in sources.get(d.source, ()) if c != d.copy):
                continue
        else:
            ends = (d.copy, d.source)
            if any(frozenset((z, other)) in linked
                   for end, other in (ends, ends[::-1]) for z in sources.get(end, ())
                   if z != other):
                continue
        kept.append(d)
    return kept


__all__ = ["LineageIndex", "Signatures", "reduce", "Body", "PairEvidence", "classify", "measure", "orient",
           "shared_passages", "disfluency", "minhash"]
