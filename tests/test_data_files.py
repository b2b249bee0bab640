"""Format and consistency checks for the world-knowledge files in kg/data/."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "kg" / "data"
QID_RE = re.compile(r"^Q[1-9][0-9]*$")
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TYPES = {"State", "Organization", "Person"}
STATE_STATUS = {"un_member", "un_observer", "limited_recognition", "unrecognised", "historical"}


def _lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a text data file."""
    text = (DATA / name).read_text(encoding="utf-8")
    return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def gazetteer() -> list[dict]:
    records = []
    for n, line in enumerate((DATA / "gazetteer.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"blank line {n} in gazetteer.jsonl"
        records.append(json.loads(line))
    return records


@pytest.fixture(scope="module")
def by_key(gazetteer) -> dict[str, dict]:
    return {r["key"]: r for r in gazetteer}


def _names(rec: dict) -> list[str]:
    return [rec["label"], *rec["aliases"], *rec.get("demonyms", []), *rec.get("capitals", [])]


# --------------------------------------------------------------------------- gazetteer


def test_gazetteer_keys_unique_and_wellformed(gazetteer):
    keys = [r["key"] for r in gazetteer]
    assert len(keys) == len(set(keys)), "duplicate keys"
    for k in keys:
        assert KEY_RE.match(k), k


def test_gazetteer_fields_and_types(gazetteer, by_key):
    for r in gazetteer:
        assert r["type"] in TYPES, r["key"]
        assert isinstance(r["label"], str) and r["label"].strip() == r["label"] and r["label"], r["key"]
        for field in ("aliases", "case_sensitive_aliases", "ambiguous_aliases"):
            assert isinstance(r[field], list), (r["key"], field)
            assert all(isinstance(a, str) and a.strip() == a and a for a in r[field]), (r["key"], field)
        assert len(r["aliases"]) == len(set(r["aliases"])), r["key"]
        assert r["label"] not in r["aliases"], r["key"]
        assert isinstance(r["kind"], str) and r["kind"], r["key"]
        names = set(_names(r))
        for a in r["case_sensitive_aliases"]:
            assert a in names, (r["key"], a)
        for a in r["ambiguous_aliases"]:
            assert a in names, (r["key"], a)
        if r["type"] == "State":
            assert isinstance(r["demonyms"], list) and isinstance(r["capitals"], list), r["key"]
            assert isinstance(r["self_proclaimed"], bool), r["key"]
            assert r["status"] in STATE_STATUS, r["key"]
            assert "country" not in r, r["key"]
            if r["self_proclaimed"]:
                parent = r.get("parent")
                assert parent is None or (parent in by_key and by_key[parent]["type"] == "State"
                                          and not by_key[parent]["self_proclaimed"]), (r["key"], parent)
                assert all(isinstance(a, str) and a for a in r.get("context_aliases", [])), r["key"]
        else:
            assert "demonyms" not in r and "capitals" not in r and "self_proclaimed" not in r, r["key"]
            c = r["country"]
            assert c is None or (c in by_key and by_key[c]["type"] == "State"), (r["key"], c)
        if r["type"] == "Person":
            assert isinstance(r["surnames"], list), r["key"]


def test_gazetteer_qids_wellformed_and_unique(gazetteer):
    seen: dict[str, str] = {}
    for r in gazetteer:
        q = r["wikidata"]
        assert q is None or (isinstance(q, str) and QID_RE.match(q)), (r["key"], q)
        if q is not None:
            assert q not in seen, f"{q} used by {seen[q]} and {r['key']}"
            seen[q] = r["key"]


def test_all_caps_abbreviations_are_case_sensitive(gazetteer):
    for r in gazetteer:
        for a in [r["label"], *r["aliases"]]:
            letters = re.sub(r"[^A-Za-z]", "", a)
            if " " not in a and 2 <= len(letters) <= 5 and letters.isupper():
                assert a in r["case_sensitive_aliases"], (r["key"], a)


def test_no_alias_maps_to_two_entities_unless_ambiguous(gazetteer):
    owners: dict[str, set[str]] = defaultdict(set)
    for r in gazetteer:
        for n in _names(r):
            owners[n.casefold()].add(r["key"])
    by = {r["key"]: r for r in gazetteer}
    bad = []
    for form, keys in owners.items():
        if len(keys) > 1:
            for k in keys:
                if form not in {a.casefold() for a in by[k]["ambiguous_aliases"]}:
                    bad.append((form, sorted(keys)))
                    break
    assert not bad, bad


def test_ordinary_word_names_are_flagged(by_key):
    for key, word in [("chad", "Chad"), ("georgia", "Georgia"), ("jordan", "Jordan"),
                      ("turkey", "Turkey"), ("niger", "Niger"), ("united-states", "Washington")]:
        assert word in by_key[key]["ambiguous_aliases"], key


def test_state_coverage(gazetteer):
    states = [r for r in gazetteer if r["type"] == "State"]
    assert sum(r["status"] == "un_member" for r in states) == 193
    assert {r["key"] for r in states if r["status"] == "un_observer"} == {"holy-see", "palestine"}
    for key in ("taiwan", "kosovo", "sahrawi-republic", "abkhazia", "south-ossetia", "transnistria",
                "northern-cyprus", "somaliland", "artsakh", "donetsk-peoples-republic",
                "luhansk-peoples-republic"):
        assert any(r["key"] == key and r["self_proclaimed"] for r in states), key
    assert all(r["wikidata"] for r in states), "every State should carry a verified QID"


def test_spot_checks(by_key):
    dpr = by_key["donetsk-peoples-republic"]
    assert dpr["type"] == "State" and dpr["self_proclaimed"] is True
    assert dpr["parent"] == "ukraine" and "Donetsk" in dpr["context_aliases"]
    assert "Donetsk" not in _names(dpr), "the city name must only count in a recognition context"
    assert by_key["abkhazia"]["parent"] == "georgia" and by_key["kosovo"]["parent"] == "serbia"
    assert dpr["wikidata"] == "Q16150196"
    assert {"DPR", "DNR"} <= set(dpr["aliases"])
    lpr = by_key["luhansk-peoples-republic"]
    assert lpr["wikidata"] == "Q16746854" and lpr["self_proclaimed"] is True
    assert {"Lugansk People's Republic", "LPR", "LNR"} <= set(lpr["aliases"])
    nk = by_key["north-korea"]
    assert nk["wikidata"] == "Q423" and nk["self_proclaimed"] is False
    assert "North Korean" in nk["demonyms"] and "Pyongyang" in nk["capitals"]
    ru = by_key["russia"]
    assert ru["wikidata"] == "Q159" and "the Kremlin" in ru["capitals"] and "Russian" in ru["demonyms"]
    us = by_key["united-states"]
    assert us["wikidata"] == "Q30" and "US" in us["case_sensitive_aliases"] and "the White House" in us["capitals"]
    assert "Downing Street" in by_key["united-kingdom"]["capitals"]
    assert "Kiev" in by_key["ukraine"]["capitals"] and "Kyiv" in by_key["ukraine"]["capitals"]
    c1 = by_key["channel-one-russia"]
    assert c1["wikidata"] == "Q330067" and c1["country"] == "russia"
    assert {"Channel One", "Channel 1", "Pervyi Kanal"} <= set(c1["aliases"])
    assert by_key["new-york-post"]["wikidata"] == "Q211374"
    assert by_key["vladimir-putin"]["wikidata"] == "Q7747"
    assert by_key["kim-jong-un"]["wikidata"] == "Q56226"
    assert "Kim Jong Un" in by_key["kim-jong-un"]["aliases"]
    assert by_key["joe-biden"]["wikidata"] == "Q6279"
    z = by_key["volodymyr-zelenskyy"]
    assert "Volodymyr Zelensky" in z["aliases"] and "Zelensky" not in z["aliases"]
    assert by_key["mi6"]["country"] == "united-kingdom" and "MI6" in by_key["mi6"]["aliases"]
    assert by_key["nato"]["wikidata"] == "Q7184"
    assert by_key["united-nations"]["wikidata"] == "Q1065"
    assert by_key["council-of-europe"]["wikidata"] != by_key["interpol"]["wikidata"]


def test_no_generic_descriptions_as_aliases(gazetteer):
    generic = {"state tv", "state television", "state media", "the military", "the army",
               "the government", "the ministry", "the agency", "the newspaper", "the paper",
               "the channel", "the broadcaster", "the president", "the alliance", "the bloc"}
    for r in gazetteer:
        for a in r["aliases"]:
            assert a.casefold() not in generic, (r["key"], a)


def test_person_aliases_are_full_names(gazetteer):
    for r in gazetteer:
        if r["type"] != "Person":
            continue
        for a in r["aliases"]:
            assert " " in a, (r["key"], a)
            assert a not in r["surnames"], (r["key"], a)


# --------------------------------------------------------------------------- word lists

SPEECH_CLASSES = {"assert", "deny", "concede", "confirm", "report", "accuse", "criticize", "praise",
                  "warn", "threaten", "appeal", "promise", "predict", "question"}


def test_speech_verbs():
    lemmas = []
    for ln in _lines("speech_verbs.txt"):
        parts = ln.split("\t")
        assert 1 <= len(parts) <= 2, ln
        lemma = parts[0]
        assert re.fullmatch(r"[a-z]+(?: [a-z]+)*", lemma), ln
        if len(parts) == 2:
            assert parts[1] in SPEECH_CLASSES, ln
        lemmas.append(lemma)
    assert len(lemmas) == len(set(lemmas))
    assert len(lemmas) >= 100
    classes = {ln.split("\t")[0]: ln.split("\t")[1] for ln in _lines("speech_verbs.txt")}
    assert classes["deny"] == "deny" and classes["say"] == "assert"
    assert classes["urge"] == "appeal" and classes["call on"] == "appeal"
    assert classes["vow"] == "promise" and classes["accuse"] == "accuse"


def test_titles_and_honorifics():
    titles = _lines("titles.txt")
    assert len(titles) == len(set(titles)) and len(titles) >= 120
    for t in titles:
        assert t == t.lower() and t == t.strip(), t
    for t in ("talk show host", "ambassador", "military expert", "foreign minister", "mp", "supreme leader"):
        assert t in titles, t
    hons = _lines("honorifics.txt")
    assert len(hons) == len(set(hons))
    for h in ("Mr", "Mr.", "Dr", "Gen.", "Col.", "Prof."):
        assert h in hons, h


# --------------------------------------------------------------------------- furniture

ORDINARY_SENTENCES = [
    "Russian President Vladimir Putin said on Tuesday that the talks had stalled.",
    "Home to more than 40 million people, the region has been devastated by the war.",
    "Related talks are expected to resume next week in Geneva, officials said.",
    "Comments made by the minister drew sharp criticism from Kyiv.",
    "Recent comments by the former president suggest an escalation is likely.",
    "Photographs released by the ministry showed damaged buildings in the capital.",
    "Video footage shared online, which could not be verified, shows a column of tanks.",
    "Posted on social media late on Sunday, the video showed soldiers near the front line.",
    "Updated figures from the health ministry show 120 people were killed in 2023.",
    "More than 100,000 volunteers are ready to join the conflict, the presenter claimed.",
    "More news is expected after the Security Council meets on Friday.",
    "Follow-up talks between the two delegations are planned for March.",
    "Sources close to the presidency said the decision had not been finalised.",
    "Advertisers have pulled out of the channel since the broadcast.",
    "Share prices in Moscow fell sharply after the announcement.",
    "Subscribers to the state broadcaster's channel reached a record high.",
    "Sign language interpreters were present at the briefing.",
    "Click and collect services were suspended across the city.",
    "Join talks were postponed after the delegation failed to arrive.",
    "Reporting by the Associated Press found that the convoy had been hit twice.",
    "Copyright disputes between the broadcasters have dragged on for years.",
    "Tags on the crates indicated the shells were produced in 2023.",
    "Menu prices in Pyongyang restaurants have reportedly doubled.",
    "Most popular among the recruits were artillery units, the report said.",
    "A passionate speech by the ambassador was met with silence in the chamber.",
    "Image is everything for the regime, one defector told the newspaper.",
    "Also reading from a prepared statement, the spokesman denied the reports.",
    "Watch officials say the deal could still collapse before the summit.",
    "Leave was cancelled for all border guards, the ministry announced.",
    "Published in 2019, the report was largely ignored at the time.",
    "Homeland security officials said the border would stay closed.",
    "HOMELAND SECURITY OFFICIALS SAID THE BORDER WOULD STAY CLOSED.",
]


@pytest.fixture(scope="module")
def furniture() -> list[re.Pattern]:
    lines = (DATA / "furniture.txt").read_text(encoding="utf-8").splitlines()
    pats = []
    for i, ln in enumerate(lines):
        if not ln.strip() or ln.startswith("#"):
            continue
        assert i > 0 and lines[i - 1].startswith("#"), f"pattern without a comment above it: {ln}"
        assert ln.lstrip("(?i)").startswith("^") and ln.endswith("$"), f"pattern not anchored: {ln}"
        pats.append(re.compile(ln))
        pats.append(re.compile(ln, re.IGNORECASE))  # kg/furniture.py compiles with IGNORECASE
    return pats


def test_furniture_patterns_compile(furniture):
    assert len(furniture) >= 30


@pytest.mark.parametrize("sentence", ORDINARY_SENTENCES)
def test_furniture_spares_ordinary_sentences(furniture, sentence):
    hits = [p.pattern for p in furniture if p.search(sentence)]
    assert not hits, hits


@pytest.mark.parametrize("line", [
    "Leave a Reply", "ALSO READ: Kremlin rejects claims", "Related:", "Read more", "Share this",
    "Comments", "0 Comments", "Sign up", "Subscribe", "Advertisement", "- Advertisment -",
    "Go Ad-Free, Get Exclusive Shows and Content, Go Premium Today – $1 Trial",
    "Join Our Community Of Patriots", "Click here", "Follow us on Twitter",
    "More articles from Example Weekly", "Posted on", "Updated Evening Report",
    "HomeWorldNEWSSome Headline Here", "Home > World > Europe",
    "A passionate writer who loves politics and football.",
    "Photo: A military parade", "Image: Handout", "(Getty Images)",
    "Your email address will not be published. Required fields are marked *",
    "We use cookies to give you the best experience on our website.",
    "Most Popular", "Recent Comments", "%d bloggers like this:",
    "Please refresh the page or navigate to another page on the site to be automatically logged in",
    "Reporting by Jane Doe; Editing by John Roe", "© 2024 Example Media. All rights reserved.",
    "Published 3 hours ago", "Updated 12:05 GMT, 26 September 2022",
])
def test_furniture_removes_page_furniture(furniture, line):
    assert any(p.search(line.strip()) for p in furniture), line


def test_furniture_patterns_are_fast(furniture):
    import time
    nasty = ["Updated " + "2022 " * 60 + "x", "Home" + "A" * 400, "(" + "a" * 300, "More from " + "x " * 200]
    t = time.perf_counter()
    for s in nasty:
        for p in furniture:
            p.search(s)
    assert time.perf_counter() - t < 1.0


# --------------------------------------------------------------------------- sources


def _anon_patterns(by_key) -> list[tuple[re.Pattern, str]]:
    def alt(names):
        names = sorted({n for n in names if n}, key=len, reverse=True)
        return "(?:" + "|".join(re.escape(n) for n in names) + ")"

    states = [r for r in by_key.values() if r["type"] == "State"]
    orgs = [r for r in by_key.values() if r["type"] == "Organization"]
    dem = alt(d for r in states for d in r["demonyms"])
    st = alt(n for r in states for n in [r["label"], *r["aliases"]])
    org = alt([n for r in orgs for n in [r["label"], *r["aliases"]]]
              + ["ministry", "government", "presidency", "embassy", "army", "military"])
    out = []
    for ln in _lines("anonymous_sources.txt"):
        parts = ln.split("\t")
        assert len(parts) == 3, ln
        rx, kind, note = parts
        assert kind in {"person", "group", "document", "media"}, ln
        assert note.strip(), ln
        rx = rx.replace("{DEMONYM}", dem).replace("{STATE}", st).replace("{ORG}", org)
        out.append((re.compile(rx, re.IGNORECASE), kind))
    return out


def test_anonymous_sources(by_key):
    pats = _anon_patterns(by_key)
    def kinds(s):
        return {k for p, k in pats if p.search(s)}
    assert "document" in kinds("a South Korean report stated that")
    assert "person" in kinds("a senior Russian official said")
    assert "person" in kinds("an official told reporters")
    assert "group" in kinds("diplomatic sources said")
    assert "group" in kinds("US officials said")
    assert "group" in kinds("people familiar with the matter said")
    assert "media" in kinds("North Korean state media reported")
    for generic in _lines("generic_sources.txt"):
        assert not kinds(generic), generic


def test_generic_sources():
    phrases = _lines("generic_sources.txt")
    assert len(phrases) == len(set(phrases))
    for p in phrases:
        assert p == p.lower() and p == p.strip(), p
    for p in ("some estimates", "experts", "some pundits", "analysts", "reportedly", "speculations",
              "observers", "critics"):
        assert p in phrases, p
