"""The statement page (/statement/<id>): every report lined up, word diffs, distortions, lineage.

Read over the test client from the dev gold graph with its cross-source layer; what the page
must show is read from gold.json and crosssource.json themselves. Browser checks are in
test_browser_statement.py.
"""
from __future__ import annotations

import html
import itertools
import json
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from fixtures_server import (GOLD_DIR, HOSTILE_ARTICLE, HOSTILE_CLAIM, HOSTILE_SCRIPT, NKG,  # noqa: F401
                             dev_app, dev_client, dev_trig, hostile_quads, make_app)
from kg.namespaces import DEFAULT_BASE
from kg.store import KGStore
from server.examples import statement_query
from server.lookup import (MAX_GRAPH_NODES, NODE_H, NODE_W, ArticleRef, LineageGraph,
                           lineage_graph, word_diff)
from server.store import backend
from test_server_pages import HTML, escape, marks, page, section

STATEMENT = "korotchenko_volunteers"      # five reports, one distortion, lineage among them


def crosssource() -> dict:
    return json.loads((GOLD_DIR / "crosssource.json").read_text(encoding="utf-8"))


def stem(file_name: str) -> str:
    return Path(file_name).stem


def cluster(key: str) -> dict:
    return next(c for c in crosssource()["clusters"] if c["id"] == key)


def rows(body: str) -> list[str]:
    """The HTML of each report row of a statement page."""
    table = body[body.index('<table class="reports">'):body.index("</table>")]
    return re.findall(r'<tr class="report[^"]*".*?</tr>', table, re.DOTALL)


def row_of(body: str, file_name: str) -> str:
    found = [r for r in rows(body) if f'href="/article/{stem(file_name)}"' in r.split("</td>")[0]]
    assert len(found) == 1, file_name
    return found[0]


def texts(fragment: str, tag: str, css: str | None = None) -> list[str]:
    """Unescaped texts of the ``tag`` elements (with class ``css``) of an HTML fragment."""
    attrs = rf'[^>]*class="[^"]*\b{css}\b[^"]*"[^>]*' if css else r"[^>]*"
    found = re.findall(rf"<{tag}{attrs}>(.*?)</{tag}>", fragment, re.DOTALL)
    return [html.unescape(t) for t in found]


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


# ------------------------------------------------------------------ the page over the dev store

@pytest.mark.parametrize("key", [c["id"] for c in crosssource()["clusters"]])
def test_every_report_is_lined_up(dev_client: FlaskClient, key: str) -> None:
    body = page(dev_client, f"/statement/{key}")
    members = cluster(key)["members"]
    assert len(rows(body)) == len(members)
    assert sorted(marks(section(body, "reports"))) == sorted(m["evidence"] for m in members)
    gold = json.loads((GOLD_DIR / "gold.json").read_text(encoding="utf-8"))
    for member in members:
        row = row_of(body, member["article"])
        article = gold["articles"][member["article"]]
        if article.get("title"):
            assert escape(article["title"]) in row
        assert (article.get("published") or "—") in row.split('class="date"')[1]
        claimant = gold["entities"][cluster(key)["claimant"]]["label"]
        assert escape(claimant) in row.split('class="claimant"')[1]
        assert stem(member["article"]) in row.split('class="outlet"')[1]   # the source file
    # one report is the reference; every other one says what it is compared with
    assert sum('class="report reference' in r or " reference" in r.split(">")[0]
               for r in rows(body)) <= 1
    assert all("against" in r for r in rows(body) if " reference" not in r.split(">")[0])


@pytest.mark.parametrize("index", range(len(crosssource()["distortions"])))
def test_distorted_words_are_highlighted_in_the_diff(dev_client: FlaskClient, index: int) -> None:
    distortion = crosssource()["distortions"][index]
    body = page(dev_client, f"/statement/{distortion['cluster']}")
    row = row_of(body, distortion["article"])
    assert " distorted" in row.split(">")[0]
    diff = row[row.index('<p class="diff">'):]
    flagged = " ".join(texts(diff, "ins", "distorted") + texts(diff, "mark", "distorted"))
    assert words(flagged) >= words(distortion["changed"]) - {"and"}, (flagged, distortion)
    assert words(distortion["changed"]) - words(distortion["original"]) <= words(
        " ".join(texts(diff, "ins"))), "the new words are insertions"
    # the words they replace are shown dropped, in the same diff
    dropped = words(" ".join(texts(diff, "del")))
    assert dropped and dropped <= words(
        " ".join(m["evidence"] for m in cluster(distortion["cluster"])["members"]))
    listed = section(body, "distortions")
    assert f'kind-{distortion["kind"]}' in listed
    assert distortion["changed"] in texts(listed, "mark", "changed")
    assert f'href="/article/{stem(distortion["original_article"])}"' in listed


def test_reports_without_a_change_say_so(dev_client: FlaskClient) -> None:
    body = page(dev_client, f"/statement/{STATEMENT}")
    same = [r for r in rows(body) if "The same words." in r]
    identical = [m for m in cluster(STATEMENT)["members"]
                 if m["evidence"] == "100,000 North Korean volunteers are prepared to come and "
                                     "take part in the conflict"]
    assert len(same) == len(identical) - 1        # all but the reference itself
    assert all("<ins" not in r and "<del" not in r for r in same)


def test_lineage_is_an_inline_svg_graph(dev_client: FlaskClient) -> None:
    body = page(dev_client, f"/statement/{STATEMENT}")
    svg = section(body, "lineage")
    assert svg.count("<svg") == 1 and 'role="img"' in svg
    members = cluster(STATEMENT)["members"]
    articles = {f"{DEFAULT_BASE}article/{stem(m['article'])}" for m in members}
    assert set(re.findall(r'class="node[^"]*" data-article="([^"]+)"', svg)) == articles
    lineage = {(f"{DEFAULT_BASE}article/{stem(p['copy'])}",
                f"{DEFAULT_BASE}article/{stem(p['source'])}", p["relation"])
               for p in crosssource()["lineage"]}
    expected = {(c, s, k) for c, s, k in lineage if c in articles and s in articles}
    edges = re.findall(r'<g class="edge kind-(\w+)[^"]*" data-copy="([^"]+)" data-source="([^"]+)"'
                       r'>(.*?)</g>', svg, re.DOTALL)
    assert {(c, s, k) for k, c, s, _ in edges} == expected
    for kind, _, _, inner in edges:
        assert kind.replace("_", " ") in texts(inner, "text", "edge-label")
        assert ("marker-end" in inner) == (kind != "shared_source")   # arrows copy → source
    assert all(f'href="/article/{stem(m["article"])}"' in svg for m in members)
    assert 'class="node distorted"' in svg and 'class="node reference"' in svg


def test_page_loads_no_script_and_its_own_stylesheet(dev_client: FlaskClient) -> None:
    response = dev_client.get(f"/statement/{STATEMENT}", headers=HTML)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    body = response.text
    assert "<script" not in body                    # nothing to run
    assert " style=" not in body and "<style" not in body   # the CSP would drop inline styles
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', body)
    assert "/static/statement.css" in sheets
    for sheet in sheets:
        assert dev_client.get(sheet).status_code == 200


def test_statement_is_still_rdf_by_negotiation(dev_client: FlaskClient) -> None:
    response = dev_client.get(f"/statement/{STATEMENT}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert "Statement" in response.text and "<html" not in response.text
    assert dev_client.get(f"/statement/{STATEMENT}?format=nt").mimetype == "application/n-triples"


def test_claim_pages_and_query_results_link_to_the_statement(dev_client: FlaskClient) -> None:
    member = cluster(STATEMENT)["members"][0]
    claims = json.loads((GOLD_DIR / "gold.json").read_text(encoding="utf-8"))["articles"][
        member["article"]]["claims"]
    index = next(i for i, c in enumerate(claims) if c["evidence"] == member["evidence"])
    body = page(dev_client, f"/claim/{stem(member['article'])}-{index}")
    assert f'href="/statement/{STATEMENT}"' in body
    # … in its facts, not only in the collapsed table of all triples
    facts = body.split("<dt>Statement</dt>", 1)
    assert len(facts) == 2 and f'href="/statement/{STATEMENT}"' in facts[1].split("</dd>")[0]
    # the statement page links back to each claim
    statement = page(dev_client, f"/statement/{STATEMENT}")
    assert f'href="/claim/{stem(member["article"])}-{index}"' in statement


def test_the_page_links_its_distortions_query(dev_client: FlaskClient) -> None:
    body = page(dev_client, f"/statement/{STATEMENT}")
    href = html.unescape(re.search(r'<a class="query-link" href="([^"]+)"', body).group(1))
    assert href.startswith("/?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["query"][0]
    iri = f"{DEFAULT_BASE}statement/{STATEMENT}"
    assert query == statement_query(iri) and f"VALUES ?statement {{ <{iri}> }}" in query
    response = dev_client.post("/sparql", data={"query": query},
                               headers={"Accept": "application/sparql-results+json"})
    found = response.json["results"]["bindings"]
    expected = [d for d in crosssource()["distortions"] if d["cluster"] == STATEMENT]
    assert [(r["kind"]["value"], r["changed"]["value"]) for r in found] == \
        [(d["kind"], d["changed"]) for d in expected]
    assert {r["statement"]["value"] for r in found} == {iri}


# ------------------------------------------------------------------ text from articles is text

HOSTILE_STATEMENT = f"{DEFAULT_BASE}statement/hostile"
OTHER_ARTICLE = f"{DEFAULT_BASE}article/hostile-copy"
OTHER_CLAIM = f"{DEFAULT_BASE}claim/hostile-copy-0"
OTHER_TEXT = f"Copied.\nMallory said: {HOSTILE_SCRIPT} is <b>not</b> harmless, sure.\n"
CHANGED = "<b>not</b>"


def hostile_statement_quads() -> list[ox.Quad]:
    """hostile_quads() and a copy of that article whose report of the claim adds markup."""
    nif = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    nonneg = ox.NamedNode("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")
    article, claim, statement = (ox.NamedNode(i) for i in (OTHER_ARTICLE, OTHER_CLAIM,
                                                           HOSTILE_STATEMENT))
    cross = ox.NamedNode(f"{DEFAULT_BASE}graph/crosssource")

    def q(s, p, o, g=article) -> ox.Quad:
        return ox.Quad(s, p if isinstance(p, ox.NamedNode) else ox.NamedNode(p), o, g)

    def span(begin: int, end: int, graph) -> tuple[ox.NamedNode, list[ox.Quad]]:
        node = ox.NamedNode(f"{OTHER_ARTICLE}#char={begin},{end}")
        return node, [q(node, rdf_type, ox.NamedNode(nif + "OffsetBasedString"), graph),
                      q(node, nif + "referenceContext", article, graph),
                      q(node, nif + "beginIndex", ox.Literal(str(begin), datatype=nonneg), graph),
                      q(node, nif + "endIndex", ox.Literal(str(end), datatype=nonneg), graph),
                      q(node, nif + "anchorOf", ox.Literal(OTHER_TEXT[begin:end]), graph)]

    begin = OTHER_TEXT.index("<script>")
    end = OTHER_TEXT.index(" harmless") + len(" harmless")
    evidence, evidence_quads = span(begin, end, article)
    changed_begin = OTHER_TEXT.index(CHANGED)
    changed, changed_quads = span(changed_begin, changed_begin + len(CHANGED), cross)
    distortion = ox.NamedNode(f"{DEFAULT_BASE}distortion/hostile")
    derivation = ox.NamedNode(f"{DEFAULT_BASE}derivation/hostile")
    return [
        *hostile_quads(),
        q(article, rdf_type, ox.NamedNode(NKG + "Article")),
        q(article, "http://purl.org/dc/terms/title", ox.Literal("<svg onload=alert(1)> copy")),
        q(article, "http://purl.org/dc/terms/source", ox.Literal("<i>outlet</i>")),
        q(article, nif + "isString", ox.Literal(OTHER_TEXT)),
        q(claim, rdf_type, ox.NamedNode(NKG + "Claim")),
        q(claim, NKG + "claimant", ox.NamedNode(f"{DEFAULT_BASE}actor/mallory")),
        q(claim, NKG + "text", ox.Literal(OTHER_TEXT[begin:end])),
        q(claim, NKG + "reportedIn", article),
        q(claim, NKG + "evidence", evidence),
        *evidence_quads,
        *changed_quads,
        q(statement, rdf_type, ox.NamedNode(NKG + "Statement"), cross),
        q(claim, NKG + "statement", statement, cross),
        q(ox.NamedNode(HOSTILE_CLAIM), NKG + "statement", statement, cross),
        q(distortion, rdf_type, ox.NamedNode(NKG + "Distortion"), cross),
        q(distortion, NKG + "claim", claim, cross),
        q(distortion, NKG + "comparedTo", ox.NamedNode(HOSTILE_CLAIM), cross),
        q(distortion, NKG + "kind", ox.Literal("negation"), cross),
        q(distortion, NKG + "evidence", changed, cross),
        q(distortion, "http://www.w3.org/2000/01/rdf-schema#comment",
          ox.Literal("negation: “<u>is</u>” → “<b>not</b>”"), cross),
        q(article, NKG + "derivedFrom", ox.NamedNode(HOSTILE_ARTICLE), cross),
        q(derivation, rdf_type, ox.NamedNode(NKG + "Derivation"), cross),
        q(derivation, NKG + "copy", article, cross),
        q(derivation, NKG + "source", ox.NamedNode(HOSTILE_ARTICLE), cross),
        q(derivation, NKG + "kind", ox.Literal('near_copy"><script>window.pwned=5</script>'),
          cross),
    ]


@pytest.fixture(scope="module")
def hostile_client() -> Iterator[FlaskClient]:
    store = KGStore(None)
    store.oxigraph.extend(hostile_statement_quads())
    application = make_app(STORE_OBJECT=store)
    yield application.test_client()
    backend(application).close()


def test_markup_in_reports_diffs_and_graph_is_escaped(hostile_client: FlaskClient) -> None:
    body = page(hostile_client, "/statement/hostile")
    assert "<script" not in body.lower()
    assert "<b>" not in body and "<svg onload" not in body and "<i>" not in body
    assert "<u>" not in body
    assert escape(HOSTILE_SCRIPT) in section(body, "reports")
    assert len(rows(body)) == 2
    copy = row_of(body, "hostile-copy")
    assert texts(copy[copy.index('<p class="diff">'):], "ins", "distorted") == ["<b>not</b>"]
    assert "<b>not</b>" in texts(section(body, "distortions"), "mark", "changed")
    assert "<u>is</u>" in texts(section(body, "distortions"), "del")   # from rdfs:comment
    svg = section(body, "lineage")
    assert escape("<svg onload=alert(1)> copy") in svg
    assert 'kind-near_copy&#34;&gt;&lt;script&gt;' in svg                  # attribute stays shut


# ------------------------------------------------------------------ the parts, directly

def test_word_diff_keeps_the_text_and_marks_changes() -> None:
    assert [(p.op, p.text) for p in word_diff("Same words, here.", "same Words, here.")] == \
        [("equal", "Same words, here.")]
    parts = word_diff("ready to work alongside ours (to repair)",
                      "ready to work alongside ours [to repair]")
    rebuilt = "".join(p.text + p.space for p in parts if p.op != "delete")
    assert rebuilt == "ready to work alongside ours (to repair)"
    assert [p.text for p in parts if p.op == "delete"] == ["[", "]"]
    assert word_diff("", "") == []
    assert [(p.op, p.text) for p in word_diff("new words", "")] == [("insert", "new words")]
    marked = word_diff("They have arrived", "They are coming", 100, [(105, 117, "modality")])
    assert [(p.op, p.text, p.kinds) for p in marked] == [
        ("equal", "They", ()), ("delete", "are coming", ()),
        ("insert", "have arrived", ("modality",))]


def crosses(graph: LineageGraph) -> list[tuple[str, str]]:
    """Edges whose line runs through a box other than their own ends' boxes."""
    bad = []
    for edge in graph.edges:
        points = [(edge.x1, edge.y1), *edge.bends, (edge.x2, edge.y2)]
        for node in graph.nodes:
            if node.iri in (edge.copy, edge.source):
                continue
            for (ax, ay), (bx, by) in itertools.pairwise(points):
                for step in range(101):       # sample the segment
                    x, y = ax + (bx - ax) * step / 100, ay + (by - ay) * step / 100
                    if node.x < x < node.x + NODE_W and node.y < y < node.y + NODE_H:
                        bad.append((edge.copy, edge.source))
                        break
    return bad


def test_lineage_layout_keeps_sources_above_and_lines_off_other_boxes() -> None:
    articles = [ArticleRef(name, f"Title {name}") for name in "abcdefg"]
    links = [("b", "a", "near_copy"), ("c", "b", "spun_rewrite"), ("d", "c", "quotes_source"),
             ("d", "a", "shared_source"), ("e", "a", "near_copy"), ("f", "e", "near_copy"),
             ("g", "a", "shared_source"), ("g", "f", "shared_source"), ("d", "f", "near_copy")]
    graph = lineage_graph(articles, links, {})
    y = {n.iri: n.y for n in graph.nodes}
    assert all(y[c] > y[s] for c, s, _ in links)
    assert not crosses(graph)
    assert all(0 <= n.x and n.x + NODE_W <= graph.width for n in graph.nodes)
    labels = [(e.label_x, e.label_y) for e in graph.edges]
    assert len(set(labels)) == len(labels)


def test_lineage_layout_survives_cycles_and_many_articles() -> None:
    cyclic = lineage_graph([ArticleRef("a"), ArticleRef("b")],
                           [("a", "b", "near_copy"), ("b", "a", "near_copy")], {})
    assert len(cyclic.nodes) == 2 and len(cyclic.edges) == 2
    many = [ArticleRef(f"a{i}") for i in range(MAX_GRAPH_NODES + 5)]
    big = lineage_graph(many, [(f"a{i}", "a0", "shared_source") for i in range(1, 60)], {})
    assert big.cut and len(big.nodes) == MAX_GRAPH_NODES
    assert len(big.edges) == MAX_GRAPH_NODES - 1
