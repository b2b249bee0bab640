"""Contradictions: statements in different articles that cannot both be true.

Three finders, each keeping to pairs of articles that can be found without comparing every
article with every other:

* count assertions ("the only country that recognises X", "the third country to recognise
  X", "one of the three countries who recognise X", "which has 32 members") are indexed by
  their counted noun; two assertions about the same noun and predicate whose counts cannot
  both hold contradict each other;
* in a copy and its source (lineage), parallel sentences outside the claims whose numbers,
  negation or scope differ are the two outlets asserting different facts;
* a claim that denies a proposition ("X denied that P") contradicts another article's claim
  that asserts P.

A change between two reports of one statement is a distortion, not a contradiction: pairs
that fall inside the claims of one statement are left out.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from kg.crosssource.cues import cues
from kg.crosssource.distortions import compare
from kg.crosssource.entities import EntityMatcher
from kg.crosssource.lineage import Body
from kg.crosssource.model import ClaimRecord, Contradiction, Doc, Evidence
from kg.crosssource.text import Token, content_stems, stem, stems_match, tokens, words

INF = math.inf
_CLAUSE = re.compile(r",\s+(?:and|but|while|whereas|though|although)\s+|;\s+|\s+[–—]\s+|:\s+")
_VAGUE = {"few", "several", "many", "handful", "number", "only", "very", "most", "more", "some",
          "other", "world's", "worlds"}
PREDICATE_WORDS = 20
MIN_SHARED_PREDICATE = 2
DENIAL_WINDOW = 60           # characters before a claim where its denial verb stands
DENIAL_SIMILARITY = 0.6
ALIGNED_KINDS = ("quantity", "negation", "scope")


@dataclass(frozen=True)
class Assertion:
    """A count asserted in a clause: how many ``noun``s ``predicate`` lies in [low, high]."""

    article: str
    begin: int
    end: int
    noun: str
    predicate: frozenset[str]
    low: float
    high: float
    subject: frozenset[str]      # entities named before the count phrase
    anchor: str

    def compatible(self, other: Assertion) -> bool:
        return max(self.low, other.low) <= min(self.high, other.high)


def clauses(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """Clauses of the sentence ``text[begin:end]``, split at ", and", ";", dashes, colons."""
    out, position = [], begin
    for match in _CLAUSE.finditer(text, begin, end):
        out.append((position, match.start()))
        position = match.end()
    out.append((position, end))
    trimmed = []
    for first, last in out:
        while first < last and (text[first].isspace() or text[first] in "\"“”‘’'([,"):
            first += 1
        while last > first and (text[last - 1].isspace() or text[last - 1] in ".,;:!?\"“”’)"):
            last -= 1
        if last > first:
            trimmed.append((first, last))
    return trimmed


def _number(token: Token) -> float | None:
    c = cues()
    if token.is_number:
        try:
            return float(token.norm.replace(",", ""))
        except ValueError:
            return None
    return c.numbers.get(token.norm)


def _noun_after(toks: list[Token], index: int) -> int | None:
    """Index of the counted noun at or after ``index`` (skipping vague quantity words)."""
    c = cues()
    while index < len(toks) and (toks[index].norm in _VAGUE or toks[index].norm in ("the", "of")):
        index += 1
    if index >= len(toks):
        return None
    word = toks[index].norm
    if word in c.stopwords or word in c.count_nouns_excluded or _number(toks[index]) is not None:
        return None
    if word in c.ordinals or not word.isalpha():
        return None
    return index


def assertions(doc: Doc, body: Body, matcher: EntityMatcher | None = None) -> list[Assertion]:
    """Count assertions of an article's body."""
    found = []
    for sentence in body.sentences:
        for first, last in clauses(doc.text, sentence.begin, sentence.end):
            toks = tokens(doc.text, first, last)
            norms = [t.norm for t in toks]
            for index in range(len(toks)):
                parsed = _count_at(norms, toks, index)
                if parsed is None:
                    continue
                low, high, noun_index, start = parsed
                noun = stem(norms[noun_index])
                predicate = frozenset(s for s in content_stems(" ".join(
                    norms[noun_index + 1:noun_index + 1 + PREDICATE_WORDS]))
                    if not stems_match(s, noun))
                subject = frozenset(matcher.entities(doc.text, first, toks[start].begin)
                                    ) if matcher is not None else frozenset()
                found.append(Assertion(doc.iri, first, last, noun, predicate, low, high,
                                       subject, doc.text[first:last]))
                break
    return found


def _count_at(norms: list[str], toks: list[Token], i: int
              ) -> tuple[float, float, int, int] | None:
    """(low, high, noun index, phrase start) when a count phrase starts at token i."""
    c = cues()
    word = norms[i]
    if word == "one" and i + 1 < len(norms) and norms[i + 1] == "of":
        j = i + 2
        if j < len(norms) and norms[j] == "the":
            j += 1
        if j < len(toks) and _number(toks[j]) is not None and norms[j] not in ("one",):
            count = _number(toks[j])
            noun = _noun_after(toks, j + 1)
            if noun is not None and count and count >= 2:
                return count, count, noun, i
            return None
        noun = _noun_after(toks, j)
        return (2, INF, noun, i) if noun is not None else None
    if word in ("only", "sole", "lone") and i >= 1 and norms[i - 1] in ("the", "its", "their"):
        if i >= 3 and norms[i - 3:i - 1] == ["one", "of"]:
            return None
        noun = _noun_after(toks, i + 1)
        return (1, 1, noun, i - 1) if noun is not None else None
    if word in c.ordinals and i >= 1 and norms[i - 1] == "the":
        if i + 1 < len(norms) and norms[i + 1] in c.count_nouns_excluded:
            return None
        noun = _noun_after(toks, i + 1)
        if noun is None or noun != i + 1:
            return None
        return c.ordinals[word], INF, noun, i - 1
    if word in c.count_verbs and word != "of" and i + 2 < len(toks):
        count = _number(toks[i + 1])
        if count is not None and count >= 2 and norms[i + 2] not in c.count_nouns_excluded:
            noun = _noun_after(toks, i + 2)
            if noun == i + 2:
                return count, count, noun, i
    return None


def _same_noun(a: str, b: str) -> bool:
    return stems_match(a, b) or fuzz.ratio(a, b) >= 80


def _shared(a: frozenset[str], b: frozenset[str]) -> int:
    return sum(1 for x in a if any(stems_match(x, y) for y in b))


def conflicting(a: Assertion, b: Assertion) -> bool:
    """Whether two count assertions about one thing cannot both hold."""
    if a.article == b.article or not _same_noun(a.noun, b.noun) or a.compatible(b):
        return False
    if a.subject and b.subject and not (a.subject & b.subject) and (
            a.high == a.low == b.low == b.high):
        return False    # "X, which has 32 members" vs "Y, which has 27 members"
    if not a.predicate or not b.predicate:
        return bool(a.subject & b.subject)
    return _shared(a.predicate, b.predicate) >= MIN_SHARED_PREDICATE


class AssertionIndex:
    """Count assertions by counted noun, kept between runs.

    A new assertion is compared only with the articles that can hold a conflicting one:
    two counts conflict when their predicates share two words of one family
    (``stems_match``: equal, or the same first six letters) or, when either has no
    predicate, when they name a common subject. So articles are indexed by noun and by the
    first six letters of each predicate word (and by subject), and an article is a
    candidate only when two of the new predicate's words find it (or a subject does):
    comparing with every count of the noun made a corpus of "the third country to
    recognise ..." quadratic.
    """

    def __init__(self) -> None:
        self.by_article: dict[str, list[Assertion]] = {}
        self.by_key: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self.comparisons = 0

    def add(self, article: str, found: list[Assertion]) -> list[tuple[Assertion, Assertion]]:
        self.remove(article)
        pairs = []
        for assertion in found:
            for other_article in sorted(self._candidates(assertion)):
                if other_article == article:
                    continue
                for other in self.by_article.get(other_article, []):
                    self.comparisons += 1
                    if conflicting(assertion, other):
                        pairs.append((assertion, other))
        self.by_article[article] = found
        for assertion in found:
            for key in _keys(assertion):
                self.by_key[key].add(article)
        return pairs

    def _candidates(self, assertion: Assertion) -> set[str]:
        noun = assertion.noun[:5]
        found: set[str] = set()
        for entity in assertion.subject:
            # either side without a predicate conflicts through a common subject
            found |= self.by_key.get((noun, "subject" if not assertion.predicate
                                      else "subject-only", entity), set())
        if assertion.predicate:
            hits: dict[str, int] = defaultdict(int)
            for word in assertion.predicate:
                for other in self.by_key.get((noun, "word", word[:6]), ()):
                    hits[other] += 1
            found |= {other for other, count in hits.items() if count >= MIN_SHARED_PREDICATE}
        return found

    def remove(self, article: str) -> None:
        for assertion in self.by_article.pop(article, []):
            for key in _keys(assertion):
                self.by_key[key].discard(article)
                if not self.by_key[key]:
                    del self.by_key[key]


def _keys(assertion: Assertion) -> set[tuple[str, str, str]]:
    """The index keys of an assertion: its noun with each predicate word's first six
    letters, and with each subject (separately for assertions without a predicate)."""
    noun = assertion.noun[:5]
    keys = {(noun, "word", word[:6]) for word in assertion.predicate}
    keys |= {(noun, "subject", entity) for entity in assertion.subject}
    if not assertion.predicate:
        keys |= {(noun, "subject-only", entity) for entity in assertion.subject}
    return keys


def from_assertions(pairs: Iterable[tuple[Assertion, Assertion]]) -> list[Contradiction]:
    out = []
    for a, b in pairs:
        sides = tuple(sorted((Evidence(a.article, a.begin, a.end, a.anchor),
                              Evidence(b.article, b.begin, b.end, b.anchor))))
        bounds = "/".join(_describe(x) for x in (a, b))
        out.append(Contradiction(sides, f"how many {a.noun}… ({bounds})"))
    return out


def _describe(a: Assertion) -> str:
    if a.low == a.high:
        return f"{a.low:g}"
    return f"{a.low:g}+" if a.high == INF else f"{a.low:g}-{a.high:g}"


# ---------------------------------------------------------------- copies and sources


def _inside_claims(article: str, begin: int, end: int, claims: list[ClaimRecord]) -> bool:
    return any(c.article == article and c.begin <= begin and end <= c.end + 1 for c in claims)


def _assertion_span(text: str, sentence_begin: int, sentence_end: int, at: int
                    ) -> tuple[int, int]:
    """From the sentence start to the end of the comma clause that holds ``at``."""
    end = sentence_end
    for match in re.finditer(r",\s", text[at:sentence_end]):
        end = at + match.start()
        break
    while end > sentence_begin and text[end - 1] in ".;:!?\"”’ ":
        end -= 1
    begin = sentence_begin
    if len(words(text[begin:end])) > 25:
        for first, last in clauses(text, sentence_begin, sentence_end):
            if first <= at < last:
                begin, end = first, min(end, last)
    return begin, end


def _reported(text: str, begin: int, end: int, at: int) -> bool:
    """Whether ``at`` lies in reported speech: inside quotation marks, or in a sentence with
    an attribution verb ("said", "assessed", "according to")."""
    before = text[begin:at]
    if before.count("“") > before.count("”") or before.count('"') % 2 == 1:
        return True
    return any(w in cues().attribution_verbs for w in words(text[begin:end]))


def in_parallel_sentences(copy: Doc, source: Doc, body_copy: Body, body_source: Body,
                          claims: list[ClaimRecord], matcher: EntityMatcher
                          ) -> list[Contradiction]:
    """Facts that a copy changed in the outlet's own sentences (not in the claims)."""
    out = []
    candidates = [(s, words(s.text)) for s in body_source.sentences]
    for sentence in body_copy.sentences:
        mine = words(sentence.text)
        if len(mine) < 5:
            continue
        best, match = 0.0, None
        for other, theirs in candidates:
            score = Indel.normalized_similarity(mine, theirs)
            if score > best:
                best, match = score, other
        if match is None or best < 0.5 or best >= 0.999:
            continue
        for change in compare(copy.text, (sentence.begin, sentence.end), source.text,
                              (match.begin, match.end), matcher):
            if change.kind not in ALIGNED_KINDS or change.old is None:
                continue
            if _inside_claims(copy.iri, *change.new, claims) or _inside_claims(
                    source.iri, *change.old, claims):
                continue
            if _reported(copy.text, sentence.begin, sentence.end, change.new[0]) or _reported(
                    source.text, match.begin, match.end, change.old[0]):
                continue    # someone's words the extractor did not take as a claim
            new = _assertion_span(copy.text, sentence.begin, sentence.end, change.new[0])
            old = _assertion_span(source.text, match.begin, match.end, change.old[0])
            sides = tuple(sorted((Evidence(copy.iri, *new, copy.text[new[0]:new[1]]),
                                  Evidence(source.iri, *old, source.text[old[0]:old[1]]))))
            out.append(Contradiction(sides, f"{change.kind} changed in a copy"))
    return out


# ---------------------------------------------------------------- denials


def denied(claim: ClaimRecord, text: str) -> bool:
    """Whether the article introduces the claim with a denial verb ("X denied that ...")."""
    before = text[max(0, claim.begin - DENIAL_WINDOW):claim.begin]
    tail = words(before.rsplit(".", 1)[-1])[-5:]
    for index, word in enumerate(tail):
        if word in cues().denial_verbs:
            # "denied (that) P"; "rejected/dismissed (claims/reports) that P", not "rejected P"
            if word.startswith(("deni", "deny")) or "that" in tail[index + 1:]:
                return True
    return False


def denials(claims: list[ClaimRecord], docs: dict[str, Doc], statement_of: dict[str, str]
            ) -> list[Contradiction]:
    """A denied proposition against another article's claim that asserts it."""
    by_stem: dict[str, set[int]] = defaultdict(set)
    stems = []
    for index, claim in enumerate(claims):
        found = set(content_stems(claim.anchor))
        stems.append(found)
        for term in found:
            by_stem[term].add(index)
    out = []
    for index, claim in enumerate(claims):
        doc = docs.get(claim.article)
        if doc is None or not denied(claim, doc.text) or len(stems[index]) < 3:
            continue
        candidates = set().union(*(by_stem[t] for t in stems[index])) - {index}
        for other_index in sorted(candidates):
            other = claims[other_index]
            other_doc = docs.get(other.article)
            if other.article == claim.article or other_doc is None:
                continue
            if statement_of.get(claim.iri) and statement_of.get(claim.iri) == statement_of.get(
                    other.iri):
                continue
            if denied(other, other_doc.text):
                continue
            a, b = stems[index], stems[other_index]
            if 2 * len(a & b) / (len(a) + len(b)) < DENIAL_SIMILARITY:
                continue
            sides = tuple(sorted((Evidence(claim.article, claim.begin, claim.end, claim.anchor),
                                  Evidence(other.article, other.begin, other.end, other.anchor))))
            out.append(Contradiction(sides, "a denial against an assertion"))
    return out


def dedupe(found: Iterable[Contradiction]) -> list[Contradiction]:
    """One contradiction per pair of spans (and per pair of overlapping spans)."""
    kept: list[Contradiction] = []
    for item in sorted(found, key=lambda c: c.sides):
        if any(_same_sides(item, other) for other in kept):
            continue
        kept.append(item)
    return kept


def _same_sides(a: Contradiction, b: Contradiction) -> bool:
    def overlap(x: Evidence, y: Evidence) -> bool:
        return x.article == y.article and x.begin < y.end and y.begin < x.end
    (a1, a2), (b1, b2) = a.sides, b.sides
    return (overlap(a1, b1) and overlap(a2, b2)) or (overlap(a1, b2) and overlap(a2, b1))


def contradiction_key(item: Contradiction) -> str:
    raw = "|".join(f"{s.article}#{s.begin},{s.end}" for s in item.sides)
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


__all__ = ["Assertion", "AssertionIndex", "assertions", "conflicting", "clauses",
           "from_assertions", "in_parallel_sentences", "denials", "denied", "dedupe",
           "contradiction_key"]
