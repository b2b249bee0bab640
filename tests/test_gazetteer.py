"""The gazetteer's name pattern: a prefix trie that must match exactly what the plain
alternation of its names (longest first) matches."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.gazetteer import trie_pattern, default_gazetteer

WRAP = r"(?<![\w-])(?:{})(?![\w-])"


def _alternation(words: set[str]) -> re.Pattern[str]:
    body = "|".join(re.escape(w).replace("'", "['\u2019]")
                    for w in sorted(words, key=len, reverse=True))
    return re.compile(WRAP.format(body), re.IGNORECASE)


def _trie(words: set[str]) -> re.Pattern[str]:
    return re.compile(WRAP.format(trie_pattern(words)), re.IGNORECASE)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


NAMES = {"Congo", "Republic of the Congo", "Democratic Republic of the Congo", "DPR",
         "Donetsk People's Republic", "Donetsk", "US", "U.S.", "Côte d'Ivoire", "Turkey",
         "Turks and Caicos", "Tu"}


def test_longest_name_wins_and_apostrophes_and_case_are_free():
    text = ("The Democratic Republic of the Congo, the republic of the congo and Congo; "
            "the Donetsk People’s Republic (DPR) and Donetsk; U.S. and US-led; "
            "CÔTE D'IVOIRE; Turks and Caicos, Turkey, Tu.")
    assert _spans(_trie(NAMES), text) == _spans(_alternation(NAMES), text)
    found = [text[a:b] for a, b in _spans(_trie(NAMES), text)]
    assert "Democratic Republic of the Congo" in found
    assert "Donetsk People’s Republic" in found and "CÔTE D'IVOIRE" in found
    assert "US" not in found            # "US-led": a hyphenated word is no name


@settings(max_examples=200, deadline=None)
@given(st.sets(st.text(alphabet="abAB' -.", min_size=1, max_size=6), min_size=1, max_size=12),
       st.text(alphabet="abAB' -.,x’", max_size=60))
def test_trie_matches_what_the_alternation_matches(words: set[str], text: str):
    assert _spans(_trie(words), text) == _spans(_alternation(words), text)


def test_the_real_gazetteer_finds_states_in_running_text():
    hits = [(h.text, h.form.entry.key) for h in default_gazetteer().find(
        "Russia and the Donetsk People's Republic signed; Abkhazia was not there.")]
    assert [text for text, _ in hits] == ["Russia", "Donetsk People's Republic", "Abkhazia"]
