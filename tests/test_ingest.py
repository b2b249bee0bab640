"""Reading articles: plain text, HTML, JSONL, metadata, furniture and bad input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.furniture import furniture_ranges
from kg.ingest import Rejection, content_id, find_authors, find_date, load

PLAIN = """Harbour strike spreads to three more ports, union says

By Lena Okafor and Tom Reyes
Published: 14 March 2023

Dock workers in three more ports walked out on Tuesday, the union said.

"We will stay out until the offer is improved," said union leader Maria Duarte.

Leave a Reply

Your email address will not be published.
"""


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def test_plain_text_metadata(tmp_path):
    [article] = load([write(tmp_path, "strike.txt", PLAIN)])
    assert article.title == "Harbour strike spreads to three more ports, union says"
    assert article.date == "2023-03-14"
    assert article.authors == ["Lena Okafor", "Tom Reyes"]
    assert article.text == PLAIN  # kept verbatim: every offset indexes this text
    assert article.id == content_id(PLAIN)


def test_name_line_above_dateline_is_the_byline():
    text = "Title of the piece\n\nSamir Haddad\nMonday 08 May 2023 09:00 EDT\n\nBody text here.\n"
    assert find_authors(text) == ["Samir Haddad"]
    assert find_date(text) == "2023-05-08"


def test_date_bar_on_first_line_is_not_the_publication_date():
    text = "Friday, June 2, 2023\nHomeWorldNEWS\n\nHeadline\n\nBody of the article.\n"
    assert find_date(text) is None


def test_furniture_after_end_marker_is_excluded():
    ranges = furniture_ranges(PLAIN)
    tail = PLAIN.index("Leave a Reply")
    assert any(begin <= tail and end == len(PLAIN) for begin, end in ranges)
    body = PLAIN.index("Dock workers")
    assert not any(begin <= body < end for begin, end in ranges)


def test_html_is_stripped_of_page_furniture(tmp_path):
    html = """<html><head><title>Council votes to close bridge</title>
    <meta property="og:site_name" content="Riverside Gazette"></head><body>
    <nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
    <article><h1>Council votes to close bridge</h1>
    <p>The city council voted on Monday to close the old river bridge for repairs that
    engineers say are long overdue, after an inspection found cracks in two piers.</p>
    <p>"The bridge is not safe for heavy traffic any more," said the council's chief
    engineer, Priya Natarajan, who led the inspection last month.</p></article>
    <footer>Share this article. Subscribe to our newsletter. Cookie settings.</footer>
    </body></html>"""
    [article] = load([write(tmp_path, "bridge.html", html)])
    assert "voted on Monday to close the old river bridge" in article.text
    assert "Subscribe to our newsletter" not in article.text
    assert "Sport" not in article.text
    assert article.title == "Council votes to close bridge"
    assert article.outlet == "Riverside Gazette"
    assert article.media_type == "text/html"


def test_jsonl_lines_become_articles_or_named_rejections(tmp_path):
    lines = [json.dumps({"text": "First article body, long enough to read.",
                         "url": "https://example.org/a1", "title": "First",
                         "date": "2024-02-03", "outlet": "Example Times"}),
             "{not json",
             json.dumps({"title": "no body"}),
             json.dumps(["a", "list"]),
             json.dumps({"html": "<p>Second article, given as HTML, with a paragraph of "
                                 "text that is long enough for the extractor to keep it as "
                                 "the main content of the page.</p>"})]
    path = write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    items = list(load([path]))
    first = items[0]
    assert first.source == "https://example.org/a1" and first.date == "2024-02-03"
    assert first.outlet == "Example Times" and first.title == "First"
    rejected = [item for item in items if isinstance(item, Rejection)]
    assert [r.source for r in rejected] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    assert "not a JSON object" in rejected[0].reason
    assert "no non-empty 'text' or 'html'" in rejected[1].reason
    assert "expected a JSON object, found list" in rejected[2].reason
    assert not isinstance(items[-1], Rejection)


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "empty article"),
    ("blank.txt", b"   \n\t\n", "empty article"),
    ("binary.txt", bytes(range(256)) * 20, "binary data"),
])
def test_bad_files_are_rejected_with_a_reason(tmp_path, name, data, reason):
    [item] = load([write(tmp_path, name, data)])
    assert isinstance(item, Rejection)
    assert reason in item.reason and item.source.endswith(name)


def test_non_utf8_text_is_decoded_not_rejected(tmp_path):
    text = "Café owners in Zürich protest against the new rents, the association said."
    [article] = load([write(tmp_path, "latin.txt", text.encode("latin-1"))])
    assert not isinstance(article, Rejection)
    assert "Zürich" in article.text


def test_oversized_file_is_rejected(tmp_path):
    path = write(tmp_path, "huge.txt", "word " * 1000)
    [item] = load([path], max_bytes=100)
    assert isinstance(item, Rejection) and "over the limit of 100" in item.reason


def test_folder_is_read_recursively_in_order(tmp_path):
    write(tmp_path, "b.txt", "Second article text.")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "a.txt", "Nested article text.")
    write(tmp_path, "notes.bin", b"\x00\x01")
    sources = [Path(item.source).name for item in load([tmp_path])]
    assert sources == ["b.txt", "a.txt"]


def test_missing_source_is_a_rejection(tmp_path):
    [item] = load([tmp_path / "nowhere"])
    assert isinstance(item, Rejection) and "no such file or folder" in item.reason
