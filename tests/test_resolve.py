"""Identity: one actor per real-world person across spellings, two for namesakes."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.gazetteer import Gazetteer
from kg.model import Article, Extraction, Mention, Span
from kg.resolve import Registry, same_person_name, same_surname


@pytest.mark.parametrize("a, b, same", [
    ("Igor Korotchenko", "Igor Korochenko", True),        # a dropped letter
    ("Kim Jong Un", "Kim Jong-un", True),                 # hyphenated transliteration
    ("Kim Jong Un", "Kim Jonh Un", True),                 # a typo in the middle name
    ("Volodymyr Zelensky", "Volodymyr Zelenskyy", True),
    ("Sergei Lavrov", "Sergei Lavrow", True),
    ("Joe Biden", "Hunter Biden", False),                 # namesakes stay apart
    ("Kim Jong Un", "Kim Jong Il", False),
    ("Kim Jong Un", "Kim Yo Jong", False),
    ("Lee Jae-myung", "Lee Jae-yong", False),
])
def test_same_person_name(a, b, same):
    assert same_person_name(a, b) is same


@pytest.mark.parametrize("surname, full, same", [
    ("Korotchenko", "Igor Korotchenko", True),
    ("Korochenko", "Igor Korotchenko", True),
    ("Putin", "Vladimir Putin", True),
    ("Lee", "Lee Min-ho", True),         # family name first: "Mr Lee"
    ("Ho", "Lee Min-ho", False),
    ("Moore", "Roger Moorehouse", False),
])
def test_same_surname(surname, full, same):
    assert same_surname(surname, full) is same


def _article(text: str) -> Article:
    return Article(id="0" * 16, source="test.txt", text=text)


def _mention(text: str, name: str, type_: str = "Person") -> Mention:
    begin = text.index(name)
    return Mention(Span(begin, begin + len(name), name), name, type_)


def test_registry_merges_misspelling_across_articles_and_keeps_namesakes_apart():
    registry = Registry(Gazetteer.from_records([]))
    first = "Igor Korotchenko spoke. Joe Biden answered."
    second = "Korochenko spoke again. Hunter Biden did not."
    one = Extraction(_article(first), mentions=[_mention(first, "Igor Korotchenko"),
                                               _mention(first, "Joe Biden")])
    two = Extraction(_article(second), mentions=[_mention(second, "Korochenko"),
                                                _mention(second, "Hunter Biden")])
    registry.resolve(one)
    registry.resolve(two)
    assert one.mentions[0].actor == two.mentions[0].actor == "igor-korotchenko"
    assert one.mentions[1].actor != two.mentions[1].actor
    actor = registry.actors["igor-korotchenko"]
    assert actor.best_label() == "Igor Korotchenko"
    assert "Korochenko" in actor.alt_labels()


def test_lone_surname_joins_the_nearest_full_name_in_the_article():
    registry = Registry(Gazetteer.from_records([]))
    text = "Anna Moore and Richard Moore met. Later Moore said no."
    mentions = [_mention(text, "Anna Moore"), _mention(text, "Richard Moore")]
    lone = Mention(Span(text.rindex("Moore"), text.rindex("Moore") + 5, "Moore"), "Moore",
                   "Person")
    registry.resolve(Extraction(_article(text), mentions=[*mentions, lone]))
    assert lone.actor == mentions[0].actor or lone.actor == mentions[1].actor
    assert mentions[0].actor != mentions[1].actor


def test_gazetteer_actor_keeps_its_key_label_and_qid():
    gazetteer = Gazetteer.from_records([{"key": "france", "type": "State", "label": "France",
                                         "demonyms": ["French"], "wikidata": "Q142"}])
    registry = Registry(gazetteer)
    text = "French officials met."
    mention = _mention(text, "French", "State")
    mention.gazetteer_key = "france"
    registry.resolve(Extraction(_article(text), mentions=[mention]))
    actor = registry.actors["france"]
    assert mention.actor == "france" and actor.wikidata == "Q142"
    assert actor.best_label() == "France" and actor.alt_labels() == ["French"]


NAMES = st.text(alphabet="abcdeéklmnorsvz -'", max_size=14)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(NAMES, max_size=8), st.lists(NAMES, min_size=1, max_size=4)),
                min_size=1, max_size=8),
       st.sampled_from([85.0, 87.99, 91.99]))
def test_name_list_lookups_equal_a_scan_of_every_name(rounds, cutoff):
    """Names are added and looked up in turns (queries repeat): every lookup finds exactly
    what rapidfuzz finds over all names so far, for a similarity and a distance scorer."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.fuzz import ratio

    from kg.resolve import NameList

    listed, everything = NameList(), []
    for added, queries in rounds:
        for name in added:
            listed.append(name)
            everything.append(name)
        for query in [*queries, *queries[:1]]:
            for scorer, limit in ((ratio, cutoff), (Levenshtein.distance, 1)):
                expected = sorted(i for _, _, i in process.extract(
                    query, everything, scorer=scorer, limit=None, score_cutoff=limit))
                assert sorted(listed.matches(query, scorer, limit)) == expected
