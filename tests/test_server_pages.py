"""Dereferenceable IRIs (HTML and RDF by negotiation) and the query page, over the test client.

The pages are read from the dev gold graph, so what they must show (claims,
evidence, roles, recognitions) is read from gold.json itself.
"""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import markupsafe
import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from fixtures_server import (GOLD_DIR, HOSTILE_ACTOR, HOSTILE_ARTICLE, HOSTILE_CLAIM,  # noqa: F401
                             HOSTILE_SCRIPT, NKG, dev_app, dev_client, dev_trig, hostile_quads,
                             make_app)
from kg.namespaces import DEFAULT_BASE
from kg.store import KGStore
from server.examples import EXAMPLES
from server.lookup import excerpt
from server.store import backend

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
KOROTCHENKO = "/actor/korotchenko"
ARTICLE_004 = "/article/004_f39f7e31700919ba"
STATIC = Path(__file__).resolve().parents[1] / "server" / "static"


def escape(text: str) -> str:
    """``text`` as the templates write it (Jinja's autoescape)."""
    return str(markupsafe.escape(text))


def gold() -> dict:
    return json.loads((GOLD_DIR / "gold.json").read_text(encoding="utf-8"))


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/html"
    if path.split("?")[0] != "/":  # the query page is not negotiated
        assert response.headers["Vary"] == "Accept"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    return response.text


def marks(body: str) -> list[str]:
    """The highlighted evidence spans of a page, unescaped."""
    return [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", body, re.S)]


def section(body: str, section_id: str) -> str:
    start = body.index(f'<section id="{section_id}">')
    return body[start:body.index("</section>", start)]


# ------------------------------------------------------------------ HTML pages

def test_actor_page(dev_client: FlaskClient) -> None:
    body = page(dev_client, KOROTCHENKO)
    entity = gold()["entities"]["korotchenko"]
    assert f"<h1>{entity['label']}</h1>" in body
    for alias in entity["aliases"]:
        assert escape(alias) in body
    roles = {r["role"] for a in gold()["articles"].values() for r in a["roles"]
             if r["person"] == "korotchenko"}
    assert roles and all(f'<span class="role">{role}</span>' in body for role in roles)
    claims = [c["evidence"] for a in gold()["articles"].values() for c in a["claims"]
              if c["claimant"] == "korotchenko"]
    by = section(body, "claims-by")
    assert sorted(marks(by)) == sorted(claims)
    assert 'href="/article/000_52b33edc6c768857"' in body   # articles link to their pages
    assert 'href="/claim/' in by


def test_actor_page_links_wikidata_and_recognitions(dev_client: FlaskClient) -> None:
    body = page(dev_client, "/actor/north_korea")
    assert 'href="http://www.wikidata.org/entity/Q423"' in body
    recognitions = section(body, "recognitions")
    expected = [r["evidence"] for a in gold()["articles"].values() for r in a["recognitions"]
                if "north_korea" in (r["recognizer"], r["recognized"])]
    assert expected and sorted(marks(recognitions)) == sorted(expected)
    assert "recognises" in recognitions and 'href="/actor/dnr"' in recognitions
    mentioned = section(body, "articles")
    assert mentioned.count("<li>") == sum("north_korea" in a["mentions"]
                                          for a in gold()["articles"].values())


def test_article_page(dev_client: FlaskClient) -> None:
    body = page(dev_client, ARTICLE_004)
    article = gold()["articles"]["004_f39f7e31700919ba.txt"]
    assert escape(article["title"]) in body
    assert article["published"] in body
    assert 'href="/actor/arpan_rai"' in body    # the author
    assert sorted(marks(section(body, "claims"))) == sorted(c["evidence"] for c in article["claims"])
    assert sorted(marks(section(body, "recognitions"))) == sorted(
        r["evidence"] for r in article["recognitions"])
    # evidence spans are anchors named by their IRI's fragment: <article#char=b,e>
    assert re.search(r'<blockquote class="evidence" id="char=\d+,\d+">', body)
    assert 'class="full-text"' in body


def test_claim_page(dev_client: FlaskClient) -> None:
    body = page(dev_client, "/claim/000_52b33edc6c768857-0")
    claim = gold()["articles"]["000_52b33edc6c768857.txt"]["claims"][0]
    assert marks(body)[0] == claim["evidence"]
    assert f'href="/actor/{claim["claimant"]}"' in body
    assert 'href="/article/000_52b33edc6c768857"' in body


def test_evidence_is_shown_in_its_sentence(dev_client: FlaskClient) -> None:
    body = page(dev_client, "/claim/000_52b33edc6c768857-0")
    quote = re.search(r'<blockquote class="evidence"[^>]*>(.*?)<span class="offsets">', body, re.S)
    shown = html.unescape(re.sub(r"</?mark>", "", quote.group(1))).strip(" …")
    claim = gold()["articles"]["000_52b33edc6c768857.txt"]["claims"][0]["evidence"]
    assert claim in shown and len(shown) > len(claim) + 10


def test_recognition_and_statement_and_other_pages(dev_client: FlaskClient) -> None:
    body = page(dev_client, "/recognition/000_52b33edc6c768857-0")
    assert "recognises" in body and marks(body)
    statement = page(dev_client, "/statement/korotchenko_volunteers")
    assert len(marks(section(statement, "reports"))) == 5      # five articles report it
    distortion = page(dev_client, "/distortion/0")
    assert marks(distortion) == ["has provided Russia with 100,000"]


def test_percent_encoded_and_unicode_iris() -> None:
    store = KGStore(None)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for local in ("actor/a%20b", "actor/caf\u00e9"):
        store.oxigraph.add(ox.Quad(ox.NamedNode(DEFAULT_BASE + local), label, ox.Literal(local)))
    application = make_app(STORE_OBJECT=store)
    try:
        client = application.test_client()
        assert "actor/a%20b" in page(client, "/actor/a%20b")
        assert "actor/caf\u00e9" in page(client, "/actor/caf%C3%A9")
    finally:
        backend(application).close()


# ------------------------------------------------------------------ RDF by negotiation

def rdf(client: FlaskClient, path: str, media_type: str) -> ox.Store:
    response = client.get(path, headers={"Accept": media_type})
    assert (response.status_code, response.mimetype) == (200, media_type), response.text
    store = ox.Store()
    store.load(response.data, format=ox.RdfFormat.from_media_type(media_type))
    return store


@pytest.mark.parametrize("media_type", ["text/turtle", "application/ld+json", "application/n-triples",
                                        "application/rdf+xml"])
def test_actor_as_rdf(dev_client: FlaskClient, media_type: str) -> None:
    got = rdf(dev_client, KOROTCHENKO, media_type)
    me = ox.NamedNode(DEFAULT_BASE + "actor/korotchenko")
    assert {q.subject for q in got} == {me}
    assert ox.Literal("Igor Korotchenko") in {q.object for q in got}
    assert ox.NamedNode(NKG + "Person") in {q.object for q in got}


def test_dataset_formats_keep_the_graphs(dev_client: FlaskClient) -> None:
    got = rdf(dev_client, KOROTCHENKO, "application/trig")
    graphs = {q.graph_name.value for q in got}
    assert f"{DEFAULT_BASE}graph/entities" in graphs
    assert f"{DEFAULT_BASE}article/000_52b33edc6c768857" in graphs   # a role stated there


def test_article_rdf_includes_its_spans(dev_client: FlaskClient) -> None:
    got = rdf(dev_client, ARTICLE_004, "text/turtle")
    subjects = {q.subject.value for q in got}
    assert f"{DEFAULT_BASE}{ARTICLE_004[1:]}" in subjects
    spans = {s for s in subjects if "#char=" in s}
    article = gold()["articles"]["004_f39f7e31700919ba.txt"]
    assert len(spans) == len({c["evidence"] for c in article["claims"]} |
                             {r["evidence"] for r in article["recognitions"]})


def test_format_parameter_and_link_header(dev_client: FlaskClient) -> None:
    response = dev_client.get(f"{KOROTCHENKO}?format=nt", headers=HTML)
    assert response.mimetype == "application/n-triples"
    links = dev_client.get(KOROTCHENKO).headers["Link"]
    assert '?format=ttl>; rel="alternate"; type="text/turtle"' in links
    assert f'<{DEFAULT_BASE}actor/korotchenko>; rel="canonical"' in links


def test_unknown_iri_is_404(dev_client: FlaskClient) -> None:
    page_404 = dev_client.get("/actor/nobody-at-all", headers=HTML)
    assert (page_404.status_code, page_404.mimetype) == (404, "text/html")
    rdf_404 = dev_client.get("/actor/nobody-at-all", headers={"Accept": "text/turtle"})
    assert (rdf_404.status_code, rdf_404.mimetype) == (404, "text/plain")
    assert dev_client.head("/actor/nobody-at-all").status_code == 404
    assert dev_client.get("/claim/x", headers={"Accept": "image/png"}).status_code == 406


def test_head_of_a_page(dev_client: FlaskClient) -> None:
    response = dev_client.head(KOROTCHENKO, headers={"Accept": "text/turtle"})
    assert (response.status_code, response.data) == (200, b"")


# ------------------------------------------------------------------ hostile text

@pytest.fixture(scope="module")
def hostile_client() -> Iterator[FlaskClient]:
    store = KGStore(None)
    store.oxigraph.extend(hostile_quads())
    application = make_app(STORE_OBJECT=store)
    yield application.test_client()
    backend(application).close()


@pytest.mark.parametrize("iri", [HOSTILE_ARTICLE, HOSTILE_ACTOR, HOSTILE_CLAIM])
def test_markup_from_articles_is_escaped(hostile_client: FlaskClient, iri: str) -> None:
    body = page(hostile_client, "/" + iri[len(DEFAULT_BASE):])
    assert "<script" not in body.lower()          # these pages load no script at all
    assert "<img" not in body and "<b " not in body and "<i>" not in body
    assert escape(HOSTILE_SCRIPT) in body
    assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', body))


def test_hostile_evidence_is_highlighted_as_text(hostile_client: FlaskClient) -> None:
    body = page(hostile_client, "/claim/hostile-0")
    assert marks(body) == [HOSTILE_SCRIPT]


# ------------------------------------------------------------------ excerpts

def test_excerpt_cuts_a_long_paragraph_to_sentences() -> None:
    text = "A" * 50 + ". " + "Filler words here. " * 40 + "He said it was fine. " + \
        "More filler follows. " * 40
    begin = text.index("it was fine")
    ev = excerpt("x", text, begin, begin + len("it was fine"), "it was fine")
    assert ev.before == "He said " and ev.after == "."
    assert ev.cut_before and ev.cut_after and ev.verified


def test_excerpt_flags_offsets_that_do_not_match() -> None:
    ev = excerpt("x", "Some text here.", 5, 9, "other")
    assert ev.exact == "text" and not ev.verified
    assert not excerpt("x", "short", 3, 99, "t").verified


# ------------------------------------------------------------------ the query page

def test_query_page_lists_every_example(dev_client: FlaskClient) -> None:
    body = page(dev_client, "/")
    for example in EXAMPLES:
        assert f'id="example-{example.key}"' in body
        assert escape(example.title) in body
        assert escape(example.query.strip()) in body


def test_query_page_loads_nothing_from_elsewhere(dev_client: FlaskClient) -> None:
    body = page(dev_client, "/")
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', body)
    assert sources and all(s.startswith("/static/") or s == "data:," for s in sources), sources
    assert "<script>" not in body                 # no inline script
    for source in sources:
        if source.startswith("/static/"):
            assert dev_client.get(source).status_code == 200, source


def test_vendored_files_are_recorded() -> None:
    readme = (STATIC / "vendor" / "README.md").read_text(encoding="utf-8")
    for folder in (p for p in (STATIC / "vendor").iterdir() if p.is_dir()):
        name, _, version = folder.name.rpartition("-")
        assert f"| {version} |" in readme and name in readme
        assert (folder / "LICENSE").is_file()


def test_editor_config(dev_client: FlaskClient) -> None:
    config = dev_client.get("/ui/config.json").json
    assert config["endpoint"] == "/sparql"
    assert config["base"] == DEFAULT_BASE
    assert config["prefixes"]["nkg"] == NKG
    assert "nkg:claimant" in config["terms"]


def test_query_page_prefills_a_query(dev_client: FlaskClient) -> None:
    body = page(dev_client, "/?query=ASK%20%7B%20%3Cx%3E%20%3Cy%3E%20%22%3C/textarea%3E%22%20%7D")
    assert "&lt;/textarea&gt;" in body


def test_app_without_store_pages_still_has_endpoint(dev_app: Flask) -> None:
    assert dev_app.url_map.bind("localhost").match("/sparql")[0] == "sparql.endpoint"
    assert dev_app.url_map.bind("localhost").match("/actor/x")[0] == "resources.resource"
    assert dev_app.url_map.bind("localhost").match("/static/newskg.css")[0] == "static"
