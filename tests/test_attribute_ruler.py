"""The fast attribute ruler assigns exactly what spaCy's own AttributeRuler assigns."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.vocab import Vocab

from kg.attribute_ruler import (
    FastAttributeRuler,
    UnsupportedRule,
    compile_rules,
    speed_up,
)
from kg.nlp import load_model, nonblank_lines

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import synth  # noqa: E402

# Contractions and pronoun cases that only the English rules of more than one token,
# or the rules that read the dependency label, treat specially.
SPECIAL = ("Y'all ain't gonna believe it, said the mayor. Let's go, c'mon! I told you "
           "it was there. There is a man who gave it to me and I gave it to you. "
           "Which did they do? But that's what he had done, and we gotta leave.")


def _attributes(doc: Doc) -> list[tuple[str, ...]]:
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_) for t in doc]


def test_the_model_uses_the_fast_ruler_and_stock_is_untouched():
    fast, stock = load_model(), load_model(stock=True)
    if "attribute_ruler" not in stock.pipe_names:
        pytest.skip("no trained model installed")
    assert isinstance(fast.get_pipe("attribute_ruler"), FastAttributeRuler)
    assert isinstance(stock.get_pipe("attribute_ruler"), AttributeRuler)
    assert fast.pipe_names == stock.pipe_names


def test_same_attributes_as_the_stock_model_on_articles():
    fast, stock = load_model(), load_model(stock=True)
    if "attribute_ruler" not in stock.pipe_names:
        pytest.skip("no trained model installed")
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    texts += [record["text"] for record in synth.articles(30, seed=5)]
    texts.append(SPECIAL)
    lines = [line for text in texts for _, line in nonblank_lines(text)]
    tokens = 0
    for ours, theirs in zip(fast.pipe(lines), stock.pipe(lines), strict=True):
        assert _attributes(ours) == _attributes(theirs), ours.text
        tokens += len(ours)
    assert tokens > 10000
    special = next(fast.pipe([SPECIAL]))
    # A rule of two tokens ("gon" + "na") and one that reads the dependency ("it" as object).
    gon = next(t for t in special if t.lower_ == "gon")
    assert gon.lemma_ == "go"
    assert any(t.lower_ == "it" and t.dep_ in ("dobj", "pobj") and "Case=Acc" in str(t.morph)
               for t in special)


# ------------------------------------------------------------- random rules, random docs

# English lexical attributes: a bare Vocab has no LOWER, and rules on it would never match.
ENGLISH = spacy.blank("en")
WORDS = ["it", "I", "You", "gon", "na", "'s", "there", "is", "do", "a", "the", " "]
TAGS = ["NN", "VB", "DT", "IN", "TO", "PRP", "_SP", ""]
DEPS = ["nsubj", "dobj", "ROOT", "det", "aux", "expl"]
POS = ["NOUN", "VERB", "PRON", "AUX", "ADV", "DET"]


def _value(feature: str) -> st.SearchStrategy:
    pool = {"TAG": TAGS, "LOWER": [w.lower() for w in WORDS], "DEP": DEPS}.get(feature)
    if pool is None:
        return st.booleans()
    plain = st.sampled_from(pool)
    sets = st.lists(st.sampled_from(pool), min_size=1, max_size=3)
    return st.one_of(plain, sets.map(lambda v: {"IN": v}), sets.map(lambda v: {"NOT_IN": v}),
                     st.sampled_from(["s$", "a", "^n'?a$", "^i"]).map(lambda v: {"REGEX": v}))


_spec = st.sets(st.sampled_from(["TAG", "LOWER", "DEP", "IS_SPACE"]), min_size=1, max_size=2) \
    .flatmap(lambda names: st.fixed_dictionaries({n: _value(n) for n in names}))
_attrs = st.fixed_dictionaries({}, optional={
    "POS": st.sampled_from(POS), "LEMMA": st.sampled_from(["be", "go", "you", "x"]),
    "MORPH": st.sampled_from(["_", "Number=Sing", "Case=Acc|Person=1", "PronType=Prs"]),
    "TAG": st.sampled_from(TAGS[:-1])})


@st.composite
def _rule(draw) -> dict:
    sequence = draw(st.lists(_spec, min_size=1, max_size=3))
    index = draw(st.integers(-len(sequence), len(sequence) - 1))
    return {"patterns": [sequence], "attrs": draw(_attrs), "index": index}


@st.composite
def _doc_words(draw) -> list[tuple[str, str, str]]:
    return draw(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(TAGS),
                                   st.sampled_from(DEPS)), min_size=1, max_size=12))


def _doc(vocab: Vocab, rows: list[tuple[str, str, str]]) -> Doc:
    words, tags, deps = zip(*rows)
    return Doc(vocab, words=list(words), tags=list(tags), deps=list(deps),
               heads=list(range(len(words))))


@settings(max_examples=300, deadline=None)
@given(rules=st.lists(_rule(), min_size=1, max_size=8), docs=st.lists(_doc_words(), max_size=4))
def test_same_attributes_as_spacy_for_any_rules(rules, docs):
    vocab = ENGLISH.vocab
    stock = AttributeRuler(vocab)
    stock.add_patterns(rules)
    fast = FastAttributeRuler(vocab)
    fast.use(compile_rules(stock.patterns), stock.attrs)
    for rows in docs:
        assert _attributes(fast(_doc(vocab, rows))) == _attributes(stock(_doc(vocab, rows)))


def test_rules_it_cannot_reproduce_keep_the_stock_ruler():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "a", "OP": "+"}]], {"POS": "DET"})
    with pytest.raises(UnsupportedRule, match="OP"):
        compile_rules(ruler.patterns)
    assert not speed_up(nlp)
    assert isinstance(nlp.get_pipe("attribute_ruler"), AttributeRuler)



def test_forgetting_remembered_tokens_changes_nothing(monkeypatch):
    fast, stock = load_model(), load_model(stock=True)
    if "attribute_ruler" not in stock.pipe_names:
        pytest.skip("no trained model installed")
    import kg.attribute_ruler as module

    monkeypatch.setattr(module, "MAX_REMEMBERED", 7)
    ruler = fast.get_pipe("attribute_ruler")
    text = SPECIAL + "\n" + next(iter(synth.articles(1, seed=9)))["text"]
    lines = [line for _, line in nonblank_lines(text)]
    for ours, theirs in zip(fast.pipe(lines), stock.pipe(lines), strict=True):
        assert _attributes(ours) == _attributes(theirs)
    assert len(ruler._hits) <= 7
