#!/usr/bin/env python3
"""Measured cost of lineage detection (kg.crosssource.lineage) on synthetic corpora.

    .venv/bin/python bench/bench_lineage.py [--sizes 1000 10000] [--seed 7] [--json OUT]

Each corpus is made of invented articles (a Zipf-distributed vocabulary of invented words,
topics that share words, so that unrelated articles still overlap a little), with planted
near copies (~3%), spun rewrites (~3%, about a third of the words swapped for synonyms) and
pairs that share two quotations (~3%). Articles are added one at a time, as an incremental
build would: each new article is queried against the MinHash LSH indexes, only the candidates
are verified on the texts, then it is indexed. Reported per size: wall time (index + query +
verify), article pairs verified against all pairs, planted pairs found (recall), other pairs
reported, the incremental cost of one more article, and the size of the pickled index.

Measured on the project machine (2 cores, shared with other jobs at the time), seed 7:

| articles | wall time | per article | one more article (last 100) | LSH document hits | pairs verified (of all pairs) | planted found | unrelated pairs found | index (pickled) |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| 1,000 | 11.8 s | 11.8 ms | 8.0 ms | 6,663 | 82 of 499,500 (0.016%) | 74/74 | 0 | 13.5 MB |
| 10,000 | 131.6 s | 13.2 ms | 15.1 ms | 576,096 | 1,098 of 49,995,000 (0.002%) | 908/908 | 0 | 135.6 MB |

The raw document-LSH hits grow with the corpus (chance collisions at 2 rows per band) but
are filtered on the Jaccard estimated from the stored signatures in microseconds; the pairs
verified on the texts stay at about one per planted relation, so the cost of one more article
is nearly flat (8 ms at 1k, 15 ms at 10k) and 100k articles take about 100k x ~20 ms.
"""
from __future__ import annotations

import argparse
import itertools
import json
import pickle
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.crosssource.lineage import Body, LineageIndex, Signatures, classify  # noqa: E402
from kg.crosssource.model import Doc  # noqa: E402

SYLLABLES = ["ka", "lo", "mi", "ra", "te", "su", "vo", "ne", "di", "pa", "ro", "fi", "gu", "sa",
             "ti", "ba", "le", "mo", "zu", "ce", "ha", "ni", "we", "yo", "ke", "ru", "da", "po"]
FUNCTION = ["the", "of", "and", "to", "in", "a", "that", "is", "for", "on", "with", "as", "by",
            "was", "said", "it", "at", "from", "has", "be", "are", "an", "this", "which"]


class Corpus:
    def __init__(self, size: int, seed: int):
        self.rng = random.Random(seed)
        rng = self.rng
        words = set()
        while len(words) < 20000:
            words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
        self.vocabulary = sorted(words)
        weights = [1 / (rank + 1) ** 1.05 for rank in range(len(self.vocabulary))]
        self.cumulative = list(itertools.accumulate(weights))
        self.synonym = {w: rng.choice(self.vocabulary) for w in self.vocabulary}
        self.topics = [rng.sample(self.vocabulary[200:], 300) for _ in range(max(10, size // 50))]
        self.size = size

    def sentence(self, topic: list[str], length: int) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(length):
            roll = rng.random()
            if roll < 0.35:
                out.append(rng.choice(FUNCTION))
            elif roll < 0.6:
                out.append(rng.choice(topic))
            else:
                out.append(rng.choices(self.vocabulary, cum_weights=self.cumulative)[0])
        return out

    def article(self, topic: list[str]) -> list[list[str]]:
        return [self.sentence(topic, self.rng.randint(12, 26))
                for _ in range(self.rng.randint(12, 24))]

    @staticmethod
    def text(sentences: list[list[str]]) -> str:
        return "\n\n".join(" ".join(s).capitalize() + "." for s in sentences)

    def near_copy(self, original: list[list[str]]) -> list[list[str]]:
        rng = self.rng
        kept = [list(s) for s in original if rng.random() > 0.15]
        for s in kept:
            if rng.random() < 0.2:
                s[rng.randrange(len(s))] = rng.choice(self.vocabulary)
        return kept

    def spun(self, original: list[list[str]]) -> list[list[str]]:
        rng = self.rng
        return [[self.synonym.get(w, w) if w not in FUNCTION and rng.random() < 0.35 else w
                 for w in s] for s in original]

    def build(self) -> tuple[list[Doc], set[frozenset[str]]]:
        rng = self.rng
        docs: list[Doc] = []
        sentences: list[list[list[str]]] = []
        planted: set[frozenset[str]] = set()
        self.origin: dict[str, str] = {}
        for number in range(self.size):
            iri = f"urn:bench:{number}"
            date = f"2024-{1 + number * 12 // self.size:02d}-{1 + number % 28:02d}"
            roll = rng.random()
            if number > 10 and roll < 0.03:
                source = rng.randrange(number)
                body = self.near_copy(sentences[source])
                planted.add(frozenset((iri, docs[source].iri)))
                self.origin[iri] = self.origin.get(docs[source].iri, docs[source].iri)
            elif number > 10 and roll < 0.06:
                source = rng.randrange(number)
                body = self.spun(sentences[source])
                planted.add(frozenset((iri, docs[source].iri)))
                self.origin[iri] = self.origin.get(docs[source].iri, docs[source].iri)
            elif number > 10 and roll < 0.09:
                source = rng.randrange(number)
                body = self.article(rng.choice(self.topics))
                quotes = [s for s in sentences[source] if len(s) >= 12][:2]
                # two separate passages: the quotes go into the first and the second half
                for half, quote in enumerate(quotes):
                    middle = len(body) // 2
                    at = rng.randrange(1, middle) if half == 0 else rng.randrange(
                        middle + 2, len(body) + 2)
                    body.insert(at, list(quote))
                if len(quotes) == 2:
                    planted.add(frozenset((iri, docs[source].iri)))
            else:
                body = self.article(rng.choice(self.topics))
            sentences.append(body)
            docs.append(Doc(iri, self.text(body), date))
        return docs, planted


def run(size: int, seed: int) -> dict:
    corpus = Corpus(size, seed)
    docs, planted = corpus.build()
    index = LineageIndex()
    bodies: dict[str, Body] = {}
    found: set[frozenset[str]] = set()
    verified = 0
    timings = {"body": 0.0, "minhash": 0.0, "query": 0.0, "verify": 0.0, "insert": 0.0}
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    by_iri = {d.iri: d for d in docs}
    started = time.perf_counter()
    per_article: list[float] = []
    for doc in docs:
        one = time.perf_counter()
        t = time.perf_counter()
        bodies[doc.iri] = body = Body.of(doc.text)
        timings["body"] += time.perf_counter() - t
        t = time.perf_counter()
        signatures = Signatures.of(body)
        timings["minhash"] += time.perf_counter() - t
        t = time.perf_counter()
        candidates = index.candidates(doc.iri, signatures)
        timings["query"] += time.perf_counter() - t
        t = time.perf_counter()
        for other in sorted(candidates):
            verified += 1
            if classify(doc, by_iri[other], body, bodies[other]) is not None:
                found.add(frozenset((doc.iri, other)))
        timings["verify"] += time.perf_counter() - t
        t = time.perf_counter()
        index.add(doc.iri, signatures)
        timings["insert"] += time.perf_counter() - t
        per_article.append(time.perf_counter() - one)
    total = time.perf_counter() - started
    all_pairs = size * (size - 1) // 2
    parent: dict[str, str] = {}

    def component(iri: str) -> str:    # articles joined by planted pairs (copies of copies,
        while parent.get(iri, iri) != iri:     # two quoters of one source)
            iri = parent[iri]
        return iri

    for pair in planted:
        a, b = sorted(pair)
        ra, rb = component(a), component(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {
        "articles": size,
        "seconds": round(total, 1),
        "ms_per_article": round(1000 * total / size, 2),
        # one more article when the corpus is full: the mean of the last 100 added
        "ms_last_article": round(1000 * sum(per_article[-100:]) / len(per_article[-100:]), 2),
        "phases_s": {k: round(v, 1) for k, v in timings.items()},
        "doc_lsh_hits": index.lsh_hits,
        "pairs_verified": verified,
        "all_pairs": all_pairs,
        "verified_share": round(verified / all_pairs, 6),
        "planted": len(planted),
        "planted_found": len(found & planted),
        "recall": round(len(found & planted) / max(1, len(planted)), 3),
        "echo_pairs_found": len(echo := {p for p in found - planted
                                          if len({component(i) for i in p}) == 1}),
        "unrelated_pairs_found": len(found - planted - echo),
        "index_pickle_mb": round(len(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
                                 / 2**20, 1),
        "max_rss_growth_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                    - memory_before) / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    results = []
    for size in args.sizes:
        result = run(size, args.seed)
        results.append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
    print("| articles | wall time | per article | one more article (last 100) | LSH document hits "
          "| pairs verified (of all pairs) | planted found | unrelated pairs found "
          "| index (pickled) | peak RSS growth |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['articles']:,} | {r['seconds']} s | {r['ms_per_article']} ms "
              f"| {r['ms_last_article']} ms | {r['doc_lsh_hits']:,} "
              f"| {r['pairs_verified']:,} of {r['all_pairs']:,} "
              f"({100 * r['verified_share']:.3f}%) | {r['planted_found']}/{r['planted']} "
              f"| {r['unrelated_pairs_found']} | {r['index_pickle_mb']} MB "
              f"| {r['max_rss_growth_mb']} MB |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
