"""Units of the cross-source layer that replaced slower equivalents: each is checked against
the straightforward definition (or the library it replaced) on generated inputs."""
from __future__ import annotations

import random
import unicodedata

from datasketch import MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.crosssource import corpus
from kg.crosssource.corpus import read_claims
from kg.crosssource.lineage import (DOC_BANDS, DOC_PERM, PASSAGE_BANDS, PASSAGE_PERM,
                                    BandIndex, SignatureMatrix, minhash)
from kg.crosssource.text import fold


def reference_fold(text: str) -> str:
    """fold() as first written: NFKD, combining marks dropped, casefold, ASCII apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.casefold().translate(str.maketrans(
        {"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'", "\u00b4": "'"}))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40) |
       st.text(alphabet="aeiouAEIOU İßﬁé́Åñ`’‘ʼ´ǅ\u0301\u0308\U0001D165", max_size=20))
def test_fold_equals_its_definition(text):
    assert fold(text) == reference_fold(text)


def _words(rng: random.Random, vocabulary: list[str], n: int) -> set[bytes]:
    return {rng.choice(vocabulary).encode() for _ in range(n)}


def test_band_index_finds_what_datasketch_lsh_finds():
    """Same banding as datasketch's MinHashLSH: the same candidates for every query, and an
    item removed is found no more (sets built to overlap at every level)."""
    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(300)]
    for perm, (bands, rows) in ((DOC_PERM, DOC_BANDS), (PASSAGE_PERM, PASSAGE_BANDS)):
        base = [_words(rng, vocabulary, 40) for _ in range(20)]
        sets = [s if i % 3 else (base[i % 20] | _words(rng, vocabulary, i % 7))
                for i, s in enumerate(base + [_words(rng, vocabulary, 40) for _ in range(40)])]
        signatures = [minhash(s, perm) for s in sets]
        ours, theirs = BandIndex(bands, rows), MinHashLSH(num_perm=perm, params=(bands, rows))
        for number, signature in enumerate(signatures):
            ours.insert(f"item{number}", ours.keys(signature.hashvalues))
            theirs.insert(f"item{number}", signature)
        found_any = 0
        for signature in signatures:
            expected = set(theirs.query(signature))
            assert ours.query(ours.keys(signature.hashvalues)) == expected
            found_any += len(expected) > 1
        assert found_any >= 5       # the overlapping sets did meet
        for number in range(0, len(signatures), 2):
            ours.remove(f"item{number}", ours.keys(signatures[number].hashvalues))
            theirs.remove(f"item{number}")
        for signature in signatures:
            assert ours.query(ours.keys(signature.hashvalues)) == set(theirs.query(signature))


def test_signature_matrix_reuses_rows_and_keeps_values():
    matrix = SignatureMatrix(4)
    for number in range(100):
        matrix.put(f"a{number}", [number, number + 1, number + 2, number + 3])
    assert matrix.pop("a10").tolist() == [10, 11, 12, 13]
    assert "a10" not in matrix and len(matrix) == 99
    matrix.put("b", [7, 7, 7, 7])
    assert matrix.matrix.shape[0] < 200 and matrix.get("b").tolist() == [7, 7, 7, 7]
    assert matrix.rows_of(["a99", "b", "a0"]).tolist() == [
        [99, 100, 101, 102], [7, 7, 7, 7], [0, 1, 2, 3]]


def test_claims_of_many_articles_are_read_in_one_pass_with_the_same_result(seed_build,
                                                                           monkeypatch):
    """Above one VALUES block the claims are read in one pass and filtered: same records."""
    _, store, _ = seed_build
    everything = read_claims(store)
    articles = sorted({c.article for c in everything})
    claimants = sorted({c.claimant for c in everything})[:3]
    expected = [c for c in everything if c.article in articles[:3] or c.claimant in claimants]
    assert read_claims(store, articles=articles[:3], claimants=claimants) == expected
    monkeypatch.setattr(corpus, "_CHUNK", 2)     # now both lists exceed one block
    assert read_claims(store, articles=articles[:3], claimants=claimants) == expected
    assert read_claims(store, articles=articles) == everything


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from(["countries", "country", "members", "states"]),
    st.frozensets(st.sampled_from(["recognis", "recognit", "recogn", "independ", "independenc",
                                   "abkhazia", "kosovo", "join", "union", "talks"]), max_size=4),
    st.integers(1, 6), st.booleans(),
    st.frozensets(st.sampled_from(["gaz:a", "gaz:b", "gaz:c"]), max_size=2)),
    min_size=2, max_size=40))
def test_count_index_finds_every_conflict_a_scan_of_the_noun_finds(rows):
    """Articles added one by one meet exactly the conflicts that comparing each new count
    with every earlier count of its noun finds (``conflicting(new, earlier)``, which is not
    symmetric: it counts the new predicate's words)."""
    from kg.crosssource.contradictions import INF, Assertion, AssertionIndex, conflicting

    articles: list[list[Assertion]] = []
    for number, (noun, predicate, count, open_ended, subject) in enumerate(rows):
        if number % 2 == 0:
            articles.append([])
        article = f"urn:a:{len(articles) - 1}"
        articles[-1].append(Assertion(article, number, number + 1, noun, predicate, count,
                                      INF if open_ended else count, subject, f"#{number}"))
    index, found, expected = AssertionIndex(), set(), set()
    for position, assertions in enumerate(articles):
        found |= {(a.anchor, b.anchor) for a, b in index.add(assertions[0].article, assertions)}
        expected |= {(a.anchor, b.anchor) for earlier in articles[:position] for b in earlier
                     for a in assertions if a.noun[:5] == b.noun[:5] and conflicting(a, b)}
    assert found == expected


def test_boilerplate_hashes_are_the_run_hashes_of_those_passages_in_a_body():
    """The boilerplate a worker is handed (passages' words) hashes to exactly the runs a body
    holds of them: two articles that share only boilerplate are no shared source with it
    ignored, and are one without."""
    from kg.crosssource.lineage import (MIN_PASSAGE_WORDS, Body, boilerplate_hashes,
                                        classify, words)
    from kg.crosssource.model import Doc

    stock = ["The ministry declined to comment on the report when contacted on Monday.",
             "Markets reacted calmly, with the currency little changed by the end of trading."]
    rng = random.Random(5)
    vocabulary = [f"word{i}" for i in range(3000)]

    def sentence() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(10)) + "."

    def article() -> str:
        own = [sentence() for _ in range(8)]
        return " ".join([*own[:4], stock[0], *own[4:], stock[1]])

    texts = [article(), article()]
    bodies = [Body.of(t) for t in texts]
    docs = [Doc(f"urn:a{i}", t, f"2024-01-0{i + 1}") for i, t in enumerate(texts)]
    passages = [tuple(words(s)) for s in stock]
    ignore = boilerplate_hashes(passages)
    runs = {int(h) for body in bodies for h in body.run_hashes}
    expected = {int(h) for p in passages for h in Body.of(" ".join(p)).run_hashes}
    assert len(ignore) == sum(len(p) - MIN_PASSAGE_WORDS + 1 for p in passages)
    assert set(ignore.tolist()) == expected and expected <= runs
    assert list(ignore) == sorted(ignore)
    found = classify(docs[1], docs[0], bodies[1], bodies[0])
    assert found is not None and found.kind == "shared_source"
    assert classify(docs[1], docs[0], bodies[1], bodies[0], ignore) is None


def _reference_scope_classes(norms: list[str]) -> set[str]:
    """scope_classes() as first written: every phrase scanned over every position."""
    from kg.crosssource.cues import cues

    found = set()
    for name, phrases in cues().scope.items():
        for phrase in phrases:
            size = len(phrase)
            if any(tuple(norms[i:i + size]) == phrase for i in range(len(norms) - size + 1)):
                found.add(name)
    if "partial" in found:
        found.discard("exclusive")
    return found


def _scope_vocabulary() -> list[str]:
    from kg.crosssource.cues import cues

    return sorted({w for phrases in cues().scope.values() for p in phrases for w in p}
                  | {"the", "said", "country", "recognise"})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_scope_vocabulary()), max_size=30))
def test_scope_classes_equal_a_scan_of_every_phrase(norms):
    from kg.crosssource.distortions import scope_classes

    assert scope_classes(norms) == _reference_scope_classes(norms)


def test_scope_classes_find_each_phrase_of_the_cues():
    from kg.crosssource.cues import cues
    from kg.crosssource.distortions import scope_classes

    for name, phrases in cues().scope.items():
        for phrase in phrases:
            norms = ["they", "said", *phrase, "today"]
            assert scope_classes(norms) == _reference_scope_classes(norms)
            assert name in scope_classes(norms) or name == "exclusive"
