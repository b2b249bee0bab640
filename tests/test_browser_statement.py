"""The statement page in a real headless Chromium, against the real server over the dev store.

Uses the browser, the live server and the helpers of test_browser.py (Debian's chromium and
chromium-driver; skipped without them, except in CI where that fails). A screenshot of the
page is written under pytest's tmp_path, or into $NEWSKG_SCREENSHOTS when set, to look at.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from fixtures_server import GOLD_DIR, LiveServer, dev_trig, disk_store, live_server  # noqa: F401
from test_browser import browser, by_css, severe_logs, wait  # noqa: F401

pytestmark = pytest.mark.slow   # a server and a browser to start: about 15 s on its own


def distorted_statement() -> tuple[str, dict]:
    """The statement (cluster) of the dev gold's first distortion, and that distortion."""
    cross = json.loads((GOLD_DIR / "crosssource.json").read_text(encoding="utf-8"))
    distortion = cross["distortions"][0]
    return distortion["cluster"], distortion


def changed_words(distortion: dict) -> set[str]:
    """Words of the changed span that the original report does not have."""
    original = set(re.findall(r"\w+", distortion["original"].lower()))
    return {w for w in re.findall(r"\w+", distortion["changed"].lower()) if w not in original}


def screenshot(driver, tmp_path: Path, name: str) -> Path:
    """The whole page as a PNG (the window grown to the page's height for the shot)."""
    folder = Path(os.environ.get("NEWSKG_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    size = driver.get_window_size()
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(size["width"], min(max(height, size["height"]), 4000))
    try:
        assert driver.save_screenshot(str(path))
    finally:
        driver.set_window_size(size["width"], size["height"])
    return path


def test_statement_page_lines_up_the_reports(browser, live_server: LiveServer,  # noqa: F811
                                             tmp_path: Path) -> None:
    key, distortion = distorted_statement()
    browser.get(f"{live_server.url}/statement/{key}")
    wait(browser, lambda d: by_css(d, "table.reports tbody tr.report"), "the statement page")

    rows = by_css(browser, "table.reports tbody tr.report")
    assert len(rows) >= 2, "the reports are lined up, one row each"
    for row in rows:   # each report: its article, its claimant, its words highlighted
        assert row.find_elements("css selector", "td.article a")[0].text.strip()
        assert row.find_elements("css selector", "td.claimant")[0].text.strip()
        assert row.find_elements("css selector", "blockquote.evidence mark")[0].text.strip()

    # the diff shows the distorted words as changed, in the row of the distorting article
    words = changed_words(distortion)
    assert words, distortion
    changed = by_css(browser, "tr.report.distorted p.diff ins, tr.report.distorted p.diff del, "
                              "tr.report.distorted p.diff mark")
    shown = " ".join(element.text.lower() for element in changed)
    assert any(re.search(rf"\b{re.escape(w)}\b", shown) for w in words), (words, shown)
    highlighted = by_css(browser, "p.diff ins.distorted")
    assert highlighted and all(e.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
                               for e in highlighted), "statement.css styles the diff"
    kinds = [e.text for e in by_css(browser, "#distortions .kind")]
    assert distortion["kind"].replace("_", " ") in kinds

    # the lineage graph: an inline SVG with a box per article and labelled arrows
    svg = by_css(browser, "svg.lineage-graph")[0]
    assert svg.size["height"] > 50 and svg.size["width"] > 200
    nodes = by_css(browser, "svg.lineage-graph .node")
    assert len(nodes) >= 2
    assert all(node.find_elements("css selector", "rect")[0].size["width"] > 100 for node in nodes)
    labels = [e.text for e in by_css(browser, "svg.lineage-graph .edge-label")]
    assert labels and all(labels)
    assert not severe_logs(browser), severe_logs(browser)   # a CSP violation would show here

    path = screenshot(browser, tmp_path, f"statement-{key}.png")
    assert path.stat().st_size > 10_000


def test_from_the_statement_to_its_query_and_back(browser,  # noqa: F811
                                                  live_server: LiveServer) -> None:  # noqa: F811
    """The page's saved query, run on the query page, links back to the statement page."""
    key, distortion = distorted_statement()
    browser.get(f"{live_server.url}/statement/{key}")
    by_css(browser, "a.query-link")[0].click()
    wait(browser, lambda d: by_css(d, "body[data-ready] .CodeMirror"), "the query page")
    by_css(browser, "#run")[0].click()
    wait(browser, lambda d: by_css(d, "table.results-table tbody tr") or by_css(d, "pre.error"),
         "results")
    assert not by_css(browser, "pre.error")
    header = [th.text for th in by_css(browser, "table.results-table thead th")]
    cells = [td.text for td in by_css(browser, "table.results-table tbody tr")[0]
             .find_elements("css selector", "td")]
    row = dict(zip(header, cells, strict=True))
    assert row["?kind"] == distortion["kind"] and row["?changed"] == distortion["changed"]
    link = by_css(browser, "table.results-table tbody tr:first-child td:first-child a")[0]
    link.click()
    wait(browser, lambda d: d.current_url.endswith(f"/statement/{key}"), "the statement page")
    assert len(by_css(browser, "table.reports tbody tr.report")) >= 2
