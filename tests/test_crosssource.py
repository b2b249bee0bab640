"""Unit tests of the cross-article layer (kg/crosssource) on small invented texts.

The articles below are written for these tests: an invented port, invented people, no
sample story and no real quote. SOURCE is the original; NEAR_COPY an aggregator's copy with
harmless changes; SPUN a spun rewrite with synonym swaps and planted distortions; SHARED a
different article that shares quotations with SOURCE; UNRELATED shares nothing.
"""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal

from kg.config import Config
from kg.crosssource import analyse
from kg.crosssource.contradictions import assertions, conflicting
from kg.crosssource.distortions import compare, numbers
from kg.crosssource.entities import EntityMatcher
from kg.crosssource.lineage import Body, LineageIndex, classify, shared_passages
from kg.crosssource.model import Doc
from kg.crosssource.statements import StatementIndex
from kg.crosssource.text import sentences, tokens
from kg.namespaces import DCTERMS, NIF, NKG, RDF, RDFS, SKOS, XSD, Iris
from kg.store import KGStore

SOURCE = """Harbour authority says port of Velmora will reopen to cargo ships next week

By Ines Calder
12 March 2024

The harbour authority of Velmora said on Monday that the port is prepared to reopen to cargo ships next week, after three weeks of repairs to its main quay.

Authority chairman Tomas Brenner told reporters that the damage “does not threaten the safety of any vessel in the outer basin”.

Engineers replaced roughly 400 metres of concrete along the northern pier, according to the authority.

“We are checking every crane that works on that quay. Nothing moves in the harbour without our inspectors seeing it,” Brenner said.

The shipping union insisted the repairs were “long overdue and badly managed” and that all crews would return by the end of April.

Velmora, which has 12 berths, is one of the three deep-water ports on the coast.

The transport minister warned that any delay at the crossing with Austria “risks pushing freight costs up across the whole coast”.
"""

NEAR_COPY = """Harbour Authority Says Port Of Velmora Will Reopen To Cargo Ships Next Week

Posted by News Desk | March 12, 2024

The harbour authority of Velmora said Monday that the port is prepared to reopen to cargo ships next week, after three weeks of repairs to its main quay.

Authority chairman Tomas Brenner told reporters that the damage “does not threaten the safety of any vessel in the outer basin”.

Engineers replaced roughly 400 metres of concrete along the northern pier, according to the authority.

“We are checking every crane that works on that quay. Nothing moves in the harbour without our inspectors seeing it,” Brenner said.

The shipping union insisted the repairs were “long overdue and badly managed” and that all crews would return by the end of April.

Velmora, which has 12 berths, is one of the three deep-water ports on the coast.

Share this:
Leave a Reply
"""

SPUN = """Harbour body states port of Velmora has reopened to freight vessels this week

Posted by admin | 14 March 2024

The harbour body of Velmora stated on Monday that the port has reopened to freight vessels this week, following three weeks of fixes to its principal quay.

Body chairman Tomas Brenner informed journalists that the damage “threatens the safety of any vessel in the outer basin”.

Technicians replaced roughly 4,000 metres of concrete along the northern pier, according to the body.

“We are inspecting every crane that operates on that quay. Nothing moves in the harbour without our inspectors seeing it,” deputy mayor Lena Ortiz stated.

The shipping union maintained the repairs were “long overdue and badly managed” and that all crews would come back by the end of April.

Velmora, which counts 14 berths, is the only deep-water port on the coast.

The transport minister cautioned that any hold-up at the crossing with Hungary “risks pushing freight costs up across the entire coast”.
"""

SHARED = """Freight costs climb as coastal ports struggle with repairs

22 March 2024

Importers on the coast say prices for container space have risen sharply this month, with some routes now costing twice what they did in January.

Shipping agents blame a series of repairs that closed berths at several harbours at once, leaving vessels waiting offshore for days.

At a hearing in the capital, a union official said the repairs were long overdue and badly managed, and called for an inquiry into how the contracts were awarded.

The port chairman had promised close supervision: “We are checking every crane that works on that quay. Nothing moves in the harbour without our inspectors seeing it.”

Traders remain sceptical and say the reopening schedule published last week looks unrealistic.

Economists at the chamber of commerce expect prices to ease only in the summer, once the last berths are back in service.

Smaller exporters, who cannot book space months ahead, say they are losing orders to producers inland.
"""

UNRELATED = """Orchard growers expect a late apple harvest after a cold spring

3 April 2024

Growers in the valley expect the apple harvest to start two weeks late this year.

A cold spell in April slowed the blossom and bees stayed in their hives for days.

The growers’ cooperative said yields should still match last year’s, helped by late rain.

Prices at the market have been stable, according to traders, who expect little change.
"""

DATES = {"source": "2024-03-12", "near": "2024-03-12", "spun": "2024-03-14",
         "shared": "2024-03-22", "unrelated": "2024-04-03"}
TEXTS = {"source": SOURCE, "near": NEAR_COPY, "spun": SPUN, "shared": SHARED,
         "unrelated": UNRELATED}

# claimant key, evidence (an exact substring of the article)
CLAIMS = {
    "source": [
        ("authority", "the port is prepared to reopen to cargo ships next week"),
        ("brenner", "the damage “does not threaten the safety of any vessel in the outer basin”"),
        ("authority", "Engineers replaced roughly 400 metres of concrete along the northern pier"),
        ("brenner", "We are checking every crane that works on that quay. Nothing moves in the "
                    "harbour without our inspectors seeing it"),
        ("union", "the repairs were “long overdue and badly managed” and that all crews would "
                  "return by the end of April"),
        ("minister", "any delay at the crossing with Austria “risks pushing freight costs up "
                     "across the whole coast”"),
    ],
    "near": [
        ("authority", "the port is prepared to reopen to cargo ships next week"),
        ("brenner", "the damage “does not threaten the safety of any vessel in the outer basin”"),
        ("authority", "Engineers replaced roughly 400 metres of concrete along the northern pier"),
        ("brenner", "We are checking every crane that works on that quay. Nothing moves in the "
                    "harbour without our inspectors seeing it"),
        ("union", "the repairs were “long overdue and badly managed” and that all crews would "
                  "return by the end of April"),
    ],
    "spun": [
        ("authority", "the port has reopened to freight vessels this week"),
        ("brenner", "the damage “threatens the safety of any vessel in the outer basin”"),
        ("authority", "Technicians replaced roughly 4,000 metres of concrete along the northern "
                      "pier"),
        ("ortiz", "We are inspecting every crane that operates on that quay. Nothing moves in "
                  "the harbour without our inspectors seeing it"),
        ("union", "the repairs were “long overdue and badly managed” and that all crews would "
                  "come back by the end of April"),
        ("minister", "any hold-up at the crossing with Hungary “risks pushing freight costs up "
                     "across the entire coast”"),
    ],
    "shared": [
        ("union", "the repairs were long overdue and badly managed"),
        ("union", "called for an inquiry into how the contracts were awarded"),
        ("brenner", "We are checking every crane that works on that quay. Nothing moves in the "
                    "harbour without our inspectors seeing it"),
    ],
    "unrelated": [
        ("cooperative", "yields should still match last year’s, helped by late rain"),
    ],
}
ACTORS = {
    "authority": ("Organization", "Velmora harbour authority", ["the harbour authority",
                                                                 "the authority"]),
    "brenner": ("Person", "Tomas Brenner", ["Brenner"]),
    "ortiz": ("Person", "Lena Ortiz", ["Ortiz"]),
    "union": ("Organization", "shipping union", ["the shipping union"]),
    "minister": ("Person", "transport minister", []),
    "cooperative": ("Organization", "growers’ cooperative", []),
}
IRIS = Iris()


def doc(key: str) -> Doc:
    return Doc(str(IRIS.article(key)), TEXTS[key], DATES[key])


# ---------------------------------------------------------------- building a small store


def article_graph(key: str, texts=TEXTS, dates=DATES, claims=CLAIMS) -> Graph:
    text, node = texts[key], IRIS.article(key)
    graph = Graph(identifier=node)
    graph.add((node, RDF.type, NKG.Article))
    graph.add((node, NIF.isString, Literal(text)))
    graph.add((node, DCTERMS.source, Literal(f"/invented/{key}.txt")))
    graph.add((node, DCTERMS.date, Literal(dates[key], datatype=XSD.date)))
    for claimant, evidence in claims[key]:
        begin = text.index(evidence)
        end = begin + len(evidence)
        claim = IRIS.claim(key, begin, end)
        span = IRIS.span(key, begin, end)
        graph.add((claim, RDF.type, NKG.Claim))
        graph.add((claim, NKG.claimant, IRIS.actor(claimant)))
        graph.add((claim, NKG.text, Literal(evidence)))
        graph.add((claim, NKG.reportedIn, node))
        graph.add((claim, NKG.evidence, span))
        graph.add((span, RDF.type, NIF.OffsetBasedString))
        graph.add((span, NIF.referenceContext, node))
        graph.add((span, NIF.beginIndex, Literal(begin, datatype=XSD.nonNegativeInteger)))
        graph.add((span, NIF.endIndex, Literal(end, datatype=XSD.nonNegativeInteger)))
        graph.add((span, NIF.anchorOf, Literal(evidence)))
        graph.add((node, NKG.mentions, IRIS.actor(claimant)))
    return graph


def entity_graph() -> Graph:
    graph = Graph(identifier=IRIS.graph("entities"))
    for key, (kind, label, aliases) in ACTORS.items():
        graph.add((IRIS.actor(key), RDF.type, NKG[kind]))
        graph.add((IRIS.actor(key), RDFS.label, Literal(label)))
        for alias in aliases:
            graph.add((IRIS.actor(key), SKOS.altLabel, Literal(alias)))
    return graph


def make_store(keys, texts=TEXTS, dates=DATES, claims=CLAIMS) -> KGStore:
    store = KGStore(None)
    store.put_graph(str(IRIS.graph("entities")), entity_graph())
    for key in keys:
        store.put_graph(str(IRIS.article(key)), article_graph(key, texts, dates, claims))
    return store


def findings(store: KGStore) -> dict[str, set]:
    graph = f"<{IRIS.graph('crosssource')}>"
    out = {}
    out["lineage"] = {(r["c"].rsplit("/", 1)[-1], r["s"].rsplit("/", 1)[-1], r["k"]) for r in
                      store.select(f"""SELECT ?c ?s ?k WHERE {{ GRAPH {graph} {{ ?d a nkg:Derivation ;
                       nkg:copy ?c ; nkg:source ?s ; nkg:kind ?k }} }}""")}
    out["distortions"] = {(r["k"], r["x"]) for r in store.select(f"""SELECT ?k ?x WHERE {{
        GRAPH {graph} {{ ?d a nkg:Distortion ; nkg:kind ?k ; nkg:evidence/nif:anchorOf ?x }} }}""")}
    out["statements"] = {frozenset(r["cs"].split()) for r in store.select(f"""SELECT ?s
        (GROUP_CONCAT(STR(?c); separator=" ") AS ?cs) WHERE {{ GRAPH {graph} {{
        ?c nkg:statement ?s }} }} GROUP BY ?s""")}
    out["contradictions"] = {frozenset(r["xs"].split("|")) for r in store.select(f"""SELECT ?x
        (GROUP_CONCAT(?a; separator="|") AS ?xs) WHERE {{ GRAPH {graph} {{
        ?x a nkg:Contradiction ; nkg:evidence/nif:anchorOf ?a }} }} GROUP BY ?x""")}
    return out


# ---------------------------------------------------------------- text


def test_sentences_and_tokens_keep_offsets():
    text = "He said: “It is 100,000.” Then he left.\nNew line here"
    assert [s.text for s in sentences(text)] == ["He said: “It is 100,000.”", "Then he left.",
                                                 "New line here"]
    for token in tokens(text):
        assert text[token.begin:token.end] == token.text
    assert [t.norm for t in tokens("Kim Jong-un’s 1.3 million")] == ["kim", "jong", "un's",
                                                                    "1.3", "million"]


def test_numbers_read_digits_words_and_multipliers():
    assert numbers(tokens("roughly 5,000 soldiers")) == [5000]
    assert numbers(tokens("nearly 1.3 million people")) == [1_300_000]
    assert numbers(tokens("seven months")) == [7]


# ---------------------------------------------------------------- lineage


@pytest.fixture(scope="module")
def bodies():
    return {key: Body.of(text) for key, text in TEXTS.items()}


def test_near_copy_is_found_and_points_to_the_original(bodies):
    derivation = classify(doc("near"), doc("source"), bodies["near"], bodies["source"])
    assert derivation is not None and derivation.kind == "near_copy"
    # same date: the copy is the one whose sentences are contained in the other
    assert (derivation.copy, derivation.source) == (doc("near").iri, doc("source").iri)


def test_spun_rewrite_with_synonyms_is_found_with_direction_from_dates(bodies):
    derivation = classify(doc("source"), doc("spun"), bodies["source"], bodies["spun"])
    assert derivation is not None and derivation.kind == "spun_rewrite"
    assert (derivation.copy, derivation.source, derivation.basis) == (
        doc("spun").iri, doc("source").iri, "date")


def test_shared_source_needs_two_verbatim_passages(bodies):
    assert shared_passages(bodies["shared"].words, bodies["source"].words) >= 2
    derivation = classify(doc("shared"), doc("source"), bodies["shared"], bodies["source"])
    assert derivation is not None and derivation.kind == "shared_source"
    assert not derivation.directed
    assert classify(doc("unrelated"), doc("source"), bodies["unrelated"],
                    bodies["source"]) is None


def test_quoting_an_outlet_by_name_is_quotes_source():
    source_text = ("The Coastal Herald reported that the harbour will stay shut until the "
                   "inspectors have checked every crane on the northern pier of the port.\n\n"
                   "Other ports expect more traffic in the meantime.")
    quoting_text = ("Freight prices rose on Tuesday.\n\nAccording to the Coastal Herald, "
                    "“the harbour will stay shut until the inspectors have checked every crane "
                    "on the northern pier”, a delay that traders had feared.")
    source = Doc("urn:x:herald", source_text, "2024-05-01", outlets=("The Coastal Herald",))
    quoting = Doc("urn:x:quoting", quoting_text, "2024-05-02", outlets=("Daily Freight",))
    derivation = classify(quoting, source, Body.of(quoting_text), Body.of(source_text))
    assert derivation is not None and derivation.kind == "quotes_source"
    assert (derivation.copy, derivation.source) == ("urn:x:quoting", "urn:x:herald")


def test_lsh_proposes_only_related_articles(bodies):
    index = LineageIndex()
    for key in ("source", "unrelated"):
        index.add(doc(key).iri, bodies[key])
    assert index.candidates(doc("near").iri, bodies["near"]) == {doc("source").iri}
    assert doc("source").iri in index.candidates(doc("spun").iri, bodies["spun"])
    assert doc("source").iri in index.candidates(doc("shared").iri, bodies["shared"])
    index.remove(doc("source").iri)
    assert index.candidates(doc("near").iri, bodies["near"]) == set()


# ---------------------------------------------------------------- distortions


@pytest.fixture(scope="module")
def matcher():
    return EntityMatcher({})


def changes(new: str, old: str, matcher) -> list[tuple[str, str]]:
    return [(c.kind, new[c.new[0]:c.new[1]]) for c in compare(new, (0, len(new)), old,
                                                                (0, len(old)), matcher)]


@pytest.mark.parametrize("new, old, kind, words", [
    ("Russia has sent an armoured brigade to the border",
     "Russia is prepared to send an armoured brigade to the border", "modality", "has sent"),
    ("the company has provided the city with 200 buses",
     "the company has offered the city 200 buses", "modality", "provided"),
    ("the brigade, roughly 50,000 soldiers, will stay",
     "the brigade, roughly 5,000 soldiers, will stay", "quantity", "50,000"),
    ("the plan poses an immediate danger to the region",
     "the plan does not pose an immediate threat to the region", "negation", "poses"),
    ("the inspectors called the staff “careful and reliable”",
     "the inspectors called the staff “careful and unreliable”", "negation", "reliable"),
    ("troops gathered near Poland’s northern border",
     "troops gathered near Ukraine’s northern border", "entity_swap", "Poland"),
    ("South Korean engineers will rebuild the bridge",
     "Korean engineers will rebuild the bridge", "entity_swap", "South Korean"),
    ("the town is the only port on the coast that exports grain",
     "the town is one of the ports on the coast that exports grain", "scope", None),
    ("all the hostages were released", "some of the hostages were released", "scope", "all"),
    ("the government will raise taxes next year", "the government could raise taxes next year",
     "modality", "will"),
    ("the deal is expected to be signed in May", "the deal was signed in May", "modality",
     "expected"),
    ("the rebels held nine hostages", "the rebels held seven hostages", "quantity", "nine"),
    ("Minsk has never allowed foreign troops on its soil",
     "Minsk has allowed foreign troops on its soil", "negation", "never"),
    ("the strike hit a hospital in Kharkiv", "the strike hit a hospital in Odesa",
     "entity_swap", "Kharkiv"),
])
def test_each_kind_of_distortion(new, old, kind, words, matcher):
    found = changes(new, old, matcher)
    assert [k for k, _ in found] == [kind], found
    if words is not None:
        assert words in found[0][1]


@pytest.mark.parametrize("new, old", [
    ("the defense supplier warned more than 40 other companies",
     "the defence supplier warned more than 40 other firms"),
    ("workers will repair the Donbass region", "workers will repair the Donbas region"),
    ("We are observing every battalion that crosses that frontier",
     "We are watching every battalion that crosses that border"),
    ("the shelling is more probably meant to tie down the defenders",
     "the shelling is more likely intended to pin down the defenders"),
    ("all units would depart the country by October", "all units would leave the country by October"),
    ("the minister received nothing for the deal", "the minister isn’t receiving anything for the deal"),
    ("the drills are before joint manoeuvres scheduled for May",
     "the drills are ahead of joint exercises planned for May"),
    ("the envoy met Kim Jong-un", "the envoy met Kim Jong Un"),
    ("the island can afford its own policy. I can’t stop you from trying.",
     "the island can afford its own policy."),
])
def test_harmless_paraphrase_and_spelling_are_not_distortions(new, old, matcher):
    assert changes(new, old, matcher) == []


# ---------------------------------------------------------------- statements and contradictions


def test_statements_join_reports_and_keep_different_points_apart():
    store = make_store(TEXTS)
    from kg.crosssource.corpus import read_claims, read_docs
    claims = read_claims(store)
    docs = read_docs(store, TEXTS and {c.article for c in claims})
    index = StatementIndex()
    for article in sorted(docs):
        index.add_article(article, [c for c in claims if c.article == article], docs[article])
    union = {frozenset(s.claims) for s in index.statements(str(IRIS.actor("union")))}
    # the near copy, the spin and the partial report of the same words share a statement;
    # the same union's different point (the schedule) stays apart
    assert len(union) == 1
    (members,) = union
    assert len(members) == 4
    assert not any("reopening" in c for c in members)


def test_a_prolific_claimants_reports_are_found_among_a_bounded_few_candidates():
    """Sixty articles quote one spokesman on sixty different matters; a new report of one of
    them is compared with at most MAX_CANDIDATES of his articles and still joins its twin."""
    import random

    from kg.crosssource.model import ClaimRecord
    from kg.crosssource.statements import MAX_CANDIDATES

    rng = random.Random(5)
    syllables = ["ka", "lo", "mi", "ren", "tu", "vas", "dor", "pel", "zan", "quo", "bri", "sel"]
    common = "the ministry said the government would continue talks with partners next week"

    def rare_words(n: int) -> list[str]:
        return ["".join(rng.choice(syllables) for _ in range(3)) for _ in range(n)]

    def article(number: int, words: list[str]) -> tuple[str, list[ClaimRecord], Doc]:
        iri = f"urn:test:article:{number}"
        quote = " ".join(words)
        text = f'The spokesman said: "{quote}." Other news followed.'
        begin = text.index(quote)
        claim = ClaimRecord(f"{iri}#claim", iri, "urn:test:spokesman", quote, begin,
                            begin + len(quote), quote)
        return iri, [claim], Doc(iri, text)

    index = StatementIndex()
    topics = [rare_words(6) for _ in range(60)]
    for number, topic in enumerate(topics):
        words = common.split()
        index.add_article(*article(number, [*topic[:3], *rng.sample(words, 6), *topic[3:]]))
    before = index.comparisons
    index.add_article(*article(99, [*topics[7][:3], *common.split()[:5], *topics[7][3:]]))
    # every earlier article shares the common words: without the cut all 60 are compared
    assert index.comparisons - before <= min(MAX_CANDIDATES, 30)
    joined = [set(s.claims) for s in index.statements("urn:test:spokesman")
              if "urn:test:article:99#claim" in s.claims]
    assert joined == [{"urn:test:article:7#claim", "urn:test:article:99#claim"}]


def test_count_assertions_conflict_only_when_counts_cannot_both_hold():
    def first(text):
        return assertions(Doc("urn:x:" + str(hash(text)), text), Body.of(text))[0]
    only = first("Tarvia is the only country in the world that recognises the Lantic republic.")
    third = first("Tarvia became the third country to recognise the Lantic republic.")
    three = first("They are one of the three countries that recognise the Lantic republic.")
    other = first("Tarvia became the third country to join the coastal customs union.")
    assert conflicting(only, third) and conflicting(only, three)
    assert not conflicting(third, three)
    assert not conflicting(only, other)


# ---------------------------------------------------------------- the whole analysis


@pytest.fixture(scope="module")
def analysed():
    store = make_store(TEXTS)
    report = analyse(store, Config(), state_path=False)
    return store, report


def test_a_graph_written_anew_in_small_pieces_is_the_same_graph(analysed, monkeypatch):
    """The cross-source graph is bulk-loaded in pieces of BULK_LINES triples (blank-node
    lines together): three-line pieces give the same triples as one piece."""
    import kg.crosssource as crosssource

    store, report = analysed
    monkeypatch.setattr(crosssource, "BULK_LINES", 3)
    again = make_store(TEXTS)
    analyse(again, Config(), state_path=False)
    assert report.triples_added > 3 and _crosssource_triples(again) == _crosssource_triples(store)


def test_lineage_in_worker_processes_finds_the_same(analysed, monkeypatch):
    """With jobs > 1 the lineage verdicts, the distortions between reports, the count
    assertions and the parallel sentences come from worker processes: same graph, same
    report."""
    import kg.crosssource as crosssource

    store, report = analysed
    used: list[int] = []

    class Recording(crosssource.LineageWorkers):
        def __enter__(self):
            used.append(self.jobs)
            return super().__enter__()

    monkeypatch.setattr(crosssource, "LineageWorkers", Recording)
    monkeypatch.setattr(crosssource, "MIN_ARTICLES_FOR_WORKERS", 0)
    again = make_store(TEXTS)
    parallel = analyse(again, Config(jobs=2), state_path=False)
    assert used == [2]
    assert report.derivations > 0 and report.lineage_comparisons > 0
    assert report.distortions > 0 and report.contradictions > 0
    assert (parallel.derivations, parallel.lineage_comparisons, parallel.counts_by_kind,
            parallel.distortions, parallel.contradictions) == \
        (report.derivations, report.lineage_comparisons, report.counts_by_kind,
         report.distortions, report.contradictions)
    assert _crosssource_triples(again) == _crosssource_triples(store)


def test_workers_compare_new_articles_with_earlier_ones(analysed, monkeypatch, tmp_path):
    """An incremental run: the workers know the new articles and get the earlier ones with
    the task; the findings are those of one analysis of everything."""
    import kg.crosssource as crosssource

    store, _ = analysed
    monkeypatch.setattr(crosssource, "MIN_ARTICLES_FOR_WORKERS", 0)
    state = tmp_path / "state.pickle"
    growing = make_store(["source", "unrelated"])
    analyse(growing, Config(jobs=2), state_path=state)
    for key in ("near", "spun", "shared"):
        growing.put_graph(str(IRIS.article(key)), article_graph(key, TEXTS, DATES, CLAIMS))
    report = analyse(growing, Config(jobs=2), state_path=state)
    assert report.added == 3 and not report.full_rebuild and report.lineage_comparisons > 0
    assert findings(growing) == findings(store)


def _crosssource_triples(store: KGStore) -> set[tuple[str, str, str]]:
    graph = f"<{IRIS.graph('crosssource')}>"
    rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
    # the run's id and times differ from run to run
    varying = {"http://purl.org/dc/terms/identifier", "http://www.w3.org/ns/prov#endedAtTime",
               "http://www.w3.org/ns/prov#startedAtTime"}
    return {(r["s"], r["p"], r["o"]) for r in rows if r["p"] not in varying}


def test_analyse_writes_lineage_to_the_original_only(analysed):
    store, _ = analysed
    # the spin also runs parallel to the near copy, and shares the quotations with SHARED,
    # but both only echo SOURCE: those links are left out
    assert findings(store)["lineage"] == {("near", "source", "near_copy"),
                                          ("spun", "source", "spun_rewrite"),
                                          ("shared", "source", "shared_source")}


def test_analyse_writes_each_planted_distortion_once(analysed):
    store, _ = analysed
    kinds = sorted(k for k, _ in findings(store)["distortions"])
    assert kinds == ["attribution", "entity_swap", "modality", "negation", "quantity"]
    words = dict(findings(store)["distortions"])
    assert words["attribution"] == "deputy mayor Lena Ortiz"
    assert "4,000" in words["quantity"] and "Hungary" in words["entity_swap"]


def test_analyse_writes_the_outlets_contradiction(analysed):
    store, _ = analysed
    found = findings(store)["contradictions"]
    assert len(found) == 1
    (sides,) = found
    assert any("12 berths" in side for side in sides) and any("14 berths" in s for s in sides)


def test_crosssource_graph_has_versioned_provenance(analysed):
    store, _ = analysed
    rows = store.select(f"""SELECT ?v WHERE {{ GRAPH <{IRIS.graph('crosssource')}> {{
        <{IRIS.graph('crosssource')}> prov:wasGeneratedBy ?a . ?a owl:versionInfo ?v }} }}""")
    assert rows and rows[0]["v"].startswith("newskg-crosssource")


def test_crosssource_graph_conforms_to_the_shapes(analysed):
    pytest.importorskip("pyshacl")
    from kg.validate import validate
    store, _ = analysed
    data = store.to_dataset()
    result = validate(data)
    assert result.conforms, result.text


def test_a_denial_contradicts_an_assertion_elsewhere():
    texts = {
        "denial": "Ministry rejects shelling reports\n\nThe defence ministry denied that the army "
                  "shelled the village of Brod on Sunday, calling the reports invented.",
        "report": "Villagers bury two after night of shelling\n\nMonitors said the army shelled "
                  "the village of Brod on Sunday and that two people were killed.",
    }
    dates = {"denial": "2024-06-03", "report": "2024-06-02"}
    claims = {"denial": [("authority", "the army shelled the village of Brod on Sunday")],
              "report": [("union", "the army shelled the village of Brod on Sunday and that two "
                                   "people were killed")]}
    store = make_store(texts, texts, dates, claims)
    report = analyse(store, Config(), state_path=False)
    assert report.contradictions == 1 and report.statements == 0


def test_lineage_verifies_at_most_a_few_candidates_and_keeps_the_real_source():
    """A corpus where every article shares boilerplate paragraphs: the candidates of a new
    article are capped, and its true source (the article it copies) is ranked first."""
    import random

    from kg.crosssource.lineage import MAX_CANDIDATES, Body, LineageIndex

    boilerplate = ("The ministry declined to comment on the report when contacted on Monday. "
                   "Markets reacted calmly, with the currency little changed by the end of "
                   "trading. Negotiators worked late into the night, according to people "
                   "familiar with the talks.")
    rng = random.Random(3)
    vocabulary = [f"word{i}" for i in range(3000)]

    def article() -> str:
        own = ". ".join(" ".join(rng.choice(vocabulary) for _ in range(12)) for _ in range(6))
        return f"{own}. {boilerplate}"

    index = LineageIndex()
    texts = {f"a{i}": article() for i in range(3 * MAX_CANDIDATES)}
    for iri, text in texts.items():
        index.add(iri, Body.of(text))
    copy = texts["a7"].replace("word", "wurd", 1)
    found = index.candidates("copy", Body.of(copy))
    assert "a7" in found
    assert len(found) == MAX_CANDIDATES   # every article is a candidate before the cap


def test_the_report_times_each_stage(analysed):
    _, report = analysed
    assert list(report.stage_seconds) == ["reading", "lineage", "statements", "entities",
                                          "distortions", "contradictions", "writing"]
    assert all(seconds >= 0 for seconds in report.stage_seconds.values())
    assert sum(report.stage_seconds.values()) <= report.seconds + 0.01
