"""Extraction phenomena on articles written for these tests (not the samples)."""
from __future__ import annotations

import pytest

from kg.extract import extract, finish
from kg.model import Article, Extraction
from kg.resolve import Registry
from kg.gazetteer import default_gazetteer


def run(nlp, text: str) -> Extraction:
    """Extract and resolve one article, as the pipeline does."""
    extraction = extract(Article(id="t" * 16, source="test.txt", text=text), nlp)
    Registry(default_gazetteer()).resolve(extraction)
    return finish(extraction)


def claims_of(extraction: Extraction) -> list[tuple[str, str]]:
    return [(c.claimant.actor or "", c.text) for c in extraction.claims]


def claim_by(extraction: Extraction, actor_part: str, text_part: str):
    found = [c for c in extraction.claims
             if actor_part in (c.claimant.actor or "") and text_part in c.text]
    assert found, f"no claim by *{actor_part}* containing {text_part!r}: {claims_of(extraction)}"
    return found[0]


def assert_spans_exact(extraction: Extraction) -> None:
    text = extraction.article.text
    for claim in extraction.claims:
        assert text[claim.evidence.begin:claim.evidence.end] == claim.evidence.text
    for recognition in extraction.recognitions:
        span = recognition.evidence
        assert text[span.begin:span.end] == span.text


HEADER = "Port talks stall as unions dig in\n\n"


def test_quote_then_attribution(nlp):
    text = HEADER + ("“The harbour will stay closed until the ministry pays what it owes,” "
                     "union leader Maria Duarte said on Tuesday.\n")
    extraction = run(nlp, text)
    claim = claim_by(extraction, "maria-duarte", "harbour will stay closed")
    assert "said" not in claim.text and claim.kind == "quote"
    assert_spans_exact(extraction)


def test_attribution_then_colon_quote(nlp):
    text = HEADER + ("Finance minister Tomas Berg said: “We have no money left for a second "
                     "rescue package this year.”\n")
    claim = claim_by(run(nlp, text), "tomas-berg", "no money left")
    assert claim.text.startswith("We have no money")


def test_quote_split_by_attribution_is_one_claim(nlp):
    text = HEADER + ("“We have not,” said Colonel Ana Ruiz, a spokeswoman for the army, “sent "
                     "a single soldier across the border.”\n")
    extraction = run(nlp, text)
    claim = claim_by(extraction, "ana-ruiz", "single soldier")
    assert "We have not" in claim.text          # both halves, negation kept
    assert "said Colonel" not in claim.text     # the attribution is not content
    assert extraction.article.text[claim.evidence.begin:claim.evidence.end].startswith("We have")


def test_reported_speech_with_that(nlp):
    text = HEADER + ("Prime Minister Helena Varga said that the government would not raise "
                     "fuel taxes before the election.\n")
    claim = claim_by(run(nlp, text), "helena-varga", "would not raise fuel taxes")
    assert claim.text.startswith("the government would not")


def test_denial_keeps_its_negation(nlp):
    text = HEADER + ("Defence ministry spokesman Ivan Petrenko denied that any troops had "
                     "crossed into the neighbouring region.\n")
    claim = claim_by(run(nlp, text), "ivan-petrenko", "troops had crossed")
    assert claim.cue == "deny"


def test_according_to(nlp):
    text = HEADER + ("According to the World Health Organization, the outbreak has already "
                     "spread to four provinces in the south.\n")
    claim = claim_by(run(nlp, text), "who", "outbreak has already spread")
    assert "According" not in claim.text


def test_pronoun_claimant_is_the_last_person_named(nlp):
    text = HEADER + ("Opposition leader Daniel Osei visited the port on Monday. He said the "
                     "strike had cost the economy millions every single day.\n")
    claim_by(run(nlp, text), "daniel-osei", "strike had cost the economy")


def test_anonymous_singular_source_is_a_claimant(nlp):
    text = HEADER + ("A senior Western official said the convoy had turned back before "
                     "reaching the border crossing.\n")
    claim = claim_by(run(nlp, text), "official", "convoy had turned back")
    assert claim.claimant.type == "Person"


def test_generic_plural_sources_make_no_claim(nlp):
    text = HEADER + ("Some analysts said the strike could last for weeks. Experts have "
                     "warned that food prices will rise sharply in the capital.\n")
    assert run(nlp, text).claims == []


def test_title_before_name_and_apposition_roles(nlp):
    text = HEADER + ("Talk show host Pavel Smirnov interviewed Anna Lind, the Swedish "
                     "ambassador to Norway, on Sunday.\n")
    roles = {(r.holder.actor, r.role.lower()) for r in run(nlp, text).roles}
    assert ("pavel-smirnov", "talk show host") in roles
    assert ("anna-lind", "swedish ambassador to norway") in roles


def test_misspelled_surname_in_the_same_article_is_one_person(nlp):
    text = HEADER + ("Military analyst Oleg Dvornikov spoke on television. Later, "
                     "Dvornikow repeated the claim that the bridge was destroyed.\n")
    actors = {m.actor for m in run(nlp, text).mentions if m.type == "Person"}
    assert actors == {"oleg-dvornikov"}


def test_recognition_with_subject_and_list(nlp):
    text = ("Small state recognises breakaway region\n\n"
            "Nauru recognised Abkhazia as an independent state in 2009, joining Russia, "
            "Nicaragua and Venezuela.\n")
    extraction = run(nlp, text)
    pairs = {(r.recognizer.actor, r.recognized.actor) for r in extraction.recognitions}
    recognizers = {x for x, _ in pairs}
    assert {"nauru", "russia", "nicaragua", "venezuela"} <= recognizers
    assert all("abkhazia" in y for _, y in pairs)
    assert_spans_exact(extraction)


@pytest.mark.parametrize("sentence", [
    "Belarus has no plans to recognise Abkhazia, the foreign minister said.",
    "Belarus refused to recognise Abkhazia despite pressure from Moscow.",
    "Belarus is considering recognising Abkhazia, according to officials.",
    "Belarus will not recognise Abkhazia.",
])
def test_refusals_and_intentions_are_not_recognitions(nlp, sentence):
    extraction = run(nlp, "Headline\n\n" + sentence + "\n")
    assert [r for r in extraction.recognitions if not r.withdrawn] == []


def test_withdrawal_is_not_a_recognition(nlp):
    text = "Headline\n\nSuriname withdrew its recognition of Kosovo in 2019.\n"
    recognitions = run(nlp, text).recognitions
    assert recognitions and all(r.withdrawn for r in recognitions)


def test_page_furniture_yields_nothing(nlp):
    text = ("Mayor opens new bridge\n\nThe mayor opened the bridge on Friday.\n\n"
            "ALSO READ: Germany and France sign new treaty on border controls\n\n"
            "The bridge cost four million euros to build, officials said.\n\n"
            "Leave a Reply\n\nJohn Smith says: Great news for Spain!\n")
    extraction = run(nlp, text)
    names = {m.name for m in extraction.mentions}
    assert not names & {"Germany", "France", "John Smith", "Spain"}


def test_headline_that_quotes_is_a_claim(nlp):
    text = ("Grain deal is dead, says Kremlin spokesman Dmitry Peskov\n\n"
            "The Black Sea grain arrangement has expired and will not be renewed this year.\n")
    claim_by(run(nlp, text), "dmitry-peskov", "Grain deal is dead")


def test_told_with_addressee(nlp):
    text = HEADER + ("Senator Mark Ellison told reporters that the committee would publish its "
                     "findings before the end of the month.\n")
    claim_by(run(nlp, text), "mark-ellison", "committee would publish its findings")


def test_possessive_assessment(nlp):
    text = HEADER + ("Economist Lena Varga's assessment is that inflation will stay above four "
                     "per cent until next spring.\n")
    claim_by(run(nlp, text), "lena-varga", "inflation will stay above four")


def test_agency_report_with_postposed_attribution(nlp):
    text = HEADER + ("North Korea tested a new cruise missile off its east coast on Sunday, the "
                     "official Korean Central News Agency reported.\n")
    claim = claim_by(run(nlp, text), "kcna", "tested a new cruise missile")
    assert "reported" not in claim.text


def test_ministry_said_in_a_statement(nlp):
    text = HEADER + ("Japan's foreign ministry summoned the ambassador on Monday. The ministry "
                     "said in a statement that the incursion was a grave violation of its "
                     "airspace.\n")
    claim = claim_by(run(nlp, text), "ministry", "grave violation of its airspace")
    assert claim.claimant.type == "Organization"


def test_quoted_as_saying_credits_the_quoted_person(nlp):
    text = HEADER + ("The agency quoted Defence Minister Pavel Orlov as saying that the exercise "
                     "would continue for another two weeks.\n")
    claim_by(run(nlp, text), "pavel-orlov", "exercise would continue")


def test_unnamed_state_broadcaster_is_the_named_one_in_the_article(nlp):
    text = ("War games begin, says state TV\n\nRussian state TV said the drills would last "
            "a week. The footage was shown on Channel One in the evening news bulletin.\n")
    extraction = run(nlp, text)
    claimants = {c.claimant.actor for c in extraction.claims}
    assert claimants == {"channel-one-russia"}


def test_title_with_agency_before_name(nlp):
    text = HEADER + "MI6 Chief Richard Moore said the war had become a stalemate over winter.\n"
    roles = {(r.holder.actor, r.role) for r in run(nlp, text).roles}
    assert ("richard-moore", "MI6 Chief") in roles


@pytest.mark.parametrize("sentence, pairs", [
    ("The recognition of Kosovo by Oman was announced in Muscat.", {("oman", "kosovo")}),
    ("Nicaragua became the second country to recognise Abkhazia after Russia did.",
     {("nicaragua", "abkhazia")}),
    ("Syria is one of the three countries that recognise Abkhazia, the other two being "
     "Russia and Nicaragua.",
     {("syria", "abkhazia"), ("russia", "abkhazia"), ("nicaragua", "abkhazia")}),
    ("Countries recognising South Ossetia: Russia, Venezuela, Nauru",
     {("russia", "south-ossetia"), ("venezuela", "south-ossetia"), ("nauru", "south-ossetia")}),
])
def test_recognition_shapes(nlp, sentence, pairs):
    extraction = run(nlp, "Headline\n\n" + sentence + "\n")
    found = {(r.recognizer.actor, r.recognized.actor) for r in extraction.recognitions
             if not r.withdrawn}
    assert pairs <= found, found
    assert_spans_exact(extraction)


def test_recognition_stated_inside_a_quote(nlp):
    text = ("Headline\n\n“We are realists. Turkey recognised Northern Cyprus in 1983 and will "
            "not change course,” the minister said.\n")
    found = {(r.recognizer.actor, r.recognized.actor) for r in run(nlp, text).recognitions}
    assert ("turkey", "northern-cyprus") in found


def test_spelling_variants_of_states_are_one_actor(nlp):
    text = ("Headline\n\nThe Lugansk People's Republic and the LNR are one entity, like the DPR "
            "and the Donetsk People’s Republic.\n")
    actors = {m.actor for m in run(nlp, text).mentions}
    assert actors == {"luhansk-peoples-republic", "donetsk-peoples-republic"}


def test_ambiguous_short_name_follows_the_full_name_in_the_article(nlp):
    text = ("Headline\n\nFighting spread in the Democratic Republic of the Congo on Monday. "
            "Congo accused its neighbour of sending troops.\n")
    actors = {m.actor for m in run(nlp, text).mentions if m.type == "State"}
    assert actors == {"dr-congo"}
