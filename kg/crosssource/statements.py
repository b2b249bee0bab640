"""Statements: claims in different articles that report one utterance by one claimant.

Claims are only ever compared within one claimant (blocking), and within that only across
articles. Two claims are linked when their content words (stems weighted by rarity among
all claims) agree well, or agree fairly and each is the other's best match in the other
article; a partial quote links to the claim whose sentence holds it. Linked claims are then
merged, strongest links first, never putting two claims of one article into one statement.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kg.crosssource.model import ClaimRecord, Doc, Statement
from kg.crosssource.text import Weights, content_stems, sentence_around

HIGH = 0.45          # link whatever else the articles say
LOW = 0.2            # link when the two claims are each other's best match
PARTIAL = 0.8        # share of a short claim's weight found in the other's sentence
PARTIAL_MIN_STEMS = 4
PARTIAL_FACTOR = 0.75
CONTAINED_FACTOR = 0.75
LINKAGE = 0.12       # average similarity two groups need to merge
MAX_POSTINGS = 2000  # a word in more of a claimant's articles than this finds no candidates
MAX_CANDIDATES = 24  # articles of one claimant compared with a new article, at most
PREFIX_TERMS = 12    # a claim's rarest words that propose candidates when there are many


@dataclass(frozen=True)
class ClaimFeatures:
    """What claim comparison needs of a claim: its stems, and its sentence's stems with the
    other claims of the article blanked out."""

    iri: str
    article: str
    claimant: str
    stems: frozenset[str]
    context: frozenset[str]


def features(claims: list[ClaimRecord], doc: Doc) -> list[ClaimFeatures]:
    """Features of the claims of one article."""
    out = []
    for claim in claims:
        begin, end = sentence_around(doc.text, claim.begin, claim.end)
        chars = list(doc.text[begin:end])
        for other in claims:
            if other.iri == claim.iri or other.end <= begin or other.begin >= end:
                continue
            if other.begin <= claim.begin and claim.end <= other.end:
                continue    # a claim inside another: keep the outer one's words
            for position in range(max(begin, other.begin), min(end, other.end)):
                if not (claim.begin <= position < claim.end):
                    chars[position - begin] = " "
        out.append(ClaimFeatures(claim.iri, claim.article, claim.claimant,
                                 frozenset(content_stems(claim.text or claim.anchor)),
                                 frozenset(content_stems("".join(chars)))))
    return out


def similarity(a: ClaimFeatures, b: ClaimFeatures, weights: Weights) -> float:
    """How likely two claims report one statement (0..1)."""
    if not a.stems or not b.stems:
        return 0.0
    mass_a, mass_b = weights.mass(a.stems), weights.mass(b.stems)
    shared = weights.mass(a.stems & b.stems)
    score = 2 * shared / (mass_a + mass_b)
    if min(len(a.stems), len(b.stems)) >= PARTIAL_MIN_STEMS:
        score = max(score, CONTAINED_FACTOR * shared / min(mass_a, mass_b))
    for short, long in ((a, b), (b, a)):
        if len(short.stems) >= PARTIAL_MIN_STEMS:
            inside = weights.mass(short.stems & long.context) / weights.mass(short.stems)
            if inside >= PARTIAL:
                score = max(score, PARTIAL_FACTOR * inside)
    return score


def link(left: list[ClaimFeatures], right: list[ClaimFeatures], weights: Weights
         ) -> tuple[dict[tuple[str, str], float], int]:
    """Links between the claims of one claimant in two articles, and the comparisons made."""
    scores = {(a.iri, b.iri): similarity(a, b, weights) for a in left for b in right}
    best_left = {a.iri: max((scores[a.iri, b.iri] for b in right), default=0.0) for a in left}
    best_right = {b.iri: max((scores[a.iri, b.iri] for a in left), default=0.0) for b in right}
    links = {}
    for (a, b), score in scores.items():
        mutual = score >= best_left[a] and score >= best_right[b]
        if score >= HIGH or (mutual and score >= LOW):
            links[tuple(sorted((a, b)))] = score
        elif score > 0:
            links.setdefault(tuple(sorted((a, b))), -score)   # known, not linked
    return links, len(scores)


def cluster(claims: list[ClaimFeatures], links: dict[tuple[str, str], float]) -> list[list[str]]:
    """Groups of claim IRIs: strongest links first, one claim per article per group."""
    article = {c.iri: c.article for c in claims}
    group = {c.iri: {c.iri} for c in claims}
    for (a, b), score in sorted(links.items(), key=lambda item: (-item[1], item[0])):
        if score < LOW or a not in group or b not in group or group[a] is group[b]:
            continue
        first, second = group[a], group[b]
        if {article[x] for x in first} & {article[x] for x in second}:
            continue
        pairs = [abs(links.get(tuple(sorted((x, y))), 0.0)) for x in first for y in second]
        if sum(pairs) / len(pairs) < LINKAGE:
            continue
        merged = first | second
        for member in merged:
            group[member] = merged
    unique = {id(g): g for g in group.values()}
    return sorted((sorted(g) for g in unique.values() if len(g) > 1), key=lambda g: g[0])


def statement_key(claimant: str, members: Iterable[str]) -> str:
    """A stable key: the hash of the claimant and the statement's first claim."""
    first = min(members)
    return hashlib.sha1(f"{claimant}\n{first}".encode()).hexdigest()[:16]


def _stem_postings() -> defaultdict[str, set[str]]:
    return defaultdict(set)


class StatementIndex:
    """Claims by claimant with their links, kept between runs so that a new article is
    compared only with the claims of its claimants."""

    def __init__(self) -> None:
        self.claims: dict[str, ClaimFeatures] = {}
        self.by_claimant: dict[str, dict[str, list[str]]] = defaultdict(dict)  # who → art → iris
        self.links: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
        self.df: dict[str, int] = defaultdict(int)
        # claimant → stem → articles whose claims (or their sentences) hold the stem
        self.postings: dict[str, dict[str, set[str]]] = defaultdict(_stem_postings)
        self.claimants_of: dict[str, set[str]] = {}    # article → claimants of its claims
        self.comparisons = 0

    @property
    def weights(self) -> Weights:
        return Weights(self.df, len(self.claims))

    def add_article(self, article: str, claims: list[ClaimRecord], doc: Doc) -> set[str]:
        """Index one article's claims; return the claimants whose statements may change."""
        self.remove_article(article)
        found = features(claims, doc)
        for item in found:
            self.claims[item.iri] = item
            self.by_claimant[item.claimant].setdefault(article, []).append(item.iri)
            self.claimants_of.setdefault(article, set()).add(item.claimant)
            for term in item.stems:
                self.df[term] += 1
        weights = self.weights
        touched = set()
        for claimant in {item.claimant for item in found}:
            touched.add(claimant)
            mine = [self.claims[i] for i in self.by_claimant[claimant][article]]
            postings = self.postings[claimant]
            others = self._candidates(article, mine, postings, weights)
            for term in {t for item in mine for t in item.stems | item.context}:
                postings[term].add(article)
            for other_article in others:
                iris = self.by_claimant[claimant].get(other_article, [])
                if not iris:
                    continue
                links, count = link(mine, [self.claims[i] for i in iris], weights)
                self.links[claimant].update(links)
                self.comparisons += count
        return touched

    @staticmethod
    def _candidates(article: str, mine: list[ClaimFeatures], postings: dict[str, set[str]],
                    weights: Weights) -> list[str]:
        """The claimant's other articles whose claims may report what ``mine`` report.

        Only articles whose claims share a word with these can score above zero. A prolific
        claimant (more than ``MAX_CANDIDATES`` such articles) would make every new article
        meet all of them, so then only each claim's ``PREFIX_TERMS`` rarest words propose
        articles (two reports of one statement share its rare words), and the
        ``MAX_CANDIDATES`` sharing the most weight are compared.
        """
        usable = {item.iri: sorted((term for term in item.stems | item.context
                                    if 0 < len(postings.get(term, ())) <= MAX_POSTINGS),
                                   key=lambda term: (len(postings[term]), term))
                  for item in mine}
        others: set[str] = set()
        for terms in usable.values():
            for term in terms:
                others |= postings[term]
        others.discard(article)
        if len(others) <= MAX_CANDIDATES:
            return sorted(others)
        score: dict[str, float] = {}
        for terms in usable.values():
            for term in terms[:PREFIX_TERMS]:
                weight = weights(term)
                for other in postings[term]:
                    score[other] = score.get(other, 0.0) + weight
        score.pop(article, None)
        return sorted(sorted(score, key=lambda other: (-score[other], other))[:MAX_CANDIDATES])

    def remove_article(self, article: str) -> set[str]:
        touched = set()
        # only the claimants of the article's claims (a scan of every claimant per article
        # made a first run over N articles quadratic)
        for claimant in sorted(self.claimants_of.pop(article, ())):
            articles = self.by_claimant[claimant]
            iris = articles.pop(article, None)
            if iris is None:
                continue
            touched.add(claimant)
            gone = set(iris)
            for iri in iris:
                item = self.claims[iri]
                for term in item.stems | item.context:
                    holders = self.postings[claimant].get(term)
                    if holders is not None:
                        holders.discard(article)
                        if not holders:
                            del self.postings[claimant][term]
                for term in self.claims.pop(iri).stems:
                    self.df[term] -= 1
                    if self.df[term] <= 0:
                        del self.df[term]
            self.links[claimant] = {pair: score for pair, score in self.links[claimant].items()
                                    if not gone & set(pair)}
            if not articles:
                del self.by_claimant[claimant]
                self.links.pop(claimant, None)
                self.postings.pop(claimant, None)
        return touched

    def statements(self, claimant: str) -> list[Statement]:
        iris = [i for ids in self.by_claimant.get(claimant, {}).values() for i in ids]
        groups = cluster([self.claims[i] for i in iris], self.links.get(claimant, {}))
        return [Statement(statement_key(claimant, g), claimant, tuple(g)) for g in groups]

    def claimants(self) -> list[str]:
        return sorted(self.by_claimant)


__all__ = ["ClaimFeatures", "StatementIndex", "features", "similarity", "link", "cluster",
           "statement_key"]
