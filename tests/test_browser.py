"""The query page and the resource pages in a real headless Chromium, against the real server.

Debian's ``chromium`` and ``chromium-driver`` (scripts/install-system-deps.sh)
are driven by Selenium with both paths given, so Selenium Manager never
downloads a browser or a driver. Without them the tests are skipped, except in
CI (``CI=true``), where a missing browser fails.
"""
from __future__ import annotations

import csv
import io
import json
import os
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from fixtures_server import (GOLD_DIR, HOSTILE_SCRIPT, LiveServer, dev_trig, disk_store,  # noqa: F401
                             hostile_quads, live_server, run_server)

pytestmark = pytest.mark.slow  # about 20 s with the two servers; still run by `make test`

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 15


def require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    message = (f"{' and '.join(missing)} missing: install Debian's chromium and chromium-driver "
               "(bash scripts/install-system-deps.sh, as root)")
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server over a store whose article text, title and names hold markup."""
    path = tmp_path_factory.mktemp("hostile") / "store"
    store = ox.Store(str(path))
    store.extend(hostile_quads())
    store.flush()
    del store
    with run_server(path, tmp_path_factory.mktemp("hostile-server")) as server:
        yield server


def wait(driver, condition, message: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_S).until(condition, message)


def by_css(driver, selector: str) -> list:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def open_query_page(driver, server: LiveServer) -> None:
    driver.get(server.url + "/")
    wait(driver, lambda d: by_css(d, "body[data-ready] .CodeMirror"), "the editor to start")


def run_query(driver) -> list[list[str]]:
    """Click Run and return the results table (header row first)."""
    by_css(driver, "#run")[0].click()
    wait(driver, lambda d: by_css(d, "table.results-table") or by_css(d, "pre.error"),
         "results or an error")
    assert not by_css(driver, "pre.error"), by_css(driver, "pre.error")[0].text
    header = [th.text for th in by_css(driver, "table.results-table thead th")]
    rows = [[td.text for td in tr.find_elements("css selector", "td")]
            for tr in by_css(driver, "table.results-table tbody tr")]
    return [header, *rows]


def severe_logs(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def korotchenko_claims() -> list[str]:
    gold = json.loads((GOLD_DIR / "gold.json").read_text(encoding="utf-8"))
    return [c["evidence"] for a in gold["articles"].values() for c in a["claims"]
            if c["claimant"] == "korotchenko"]


def test_saved_query_results_and_actor_page(browser, live_server: LiveServer) -> None:
    open_query_page(browser, live_server)
    assert by_css(browser, ".CodeMirror .cm-keyword"), "SPARQL is highlighted"
    by_css(browser, "#example-claims-per-claimant")[0].click()
    assert "COUNT(DISTINCT ?claim)" in browser.execute_script(
        "return document.querySelector('.CodeMirror').CodeMirror.getValue()")
    table = run_query(browser)
    assert table[0] == ["?claimant", "?name", "?claims", "?articles"]
    first = table[1]
    assert first[:3] == ["actor/korotchenko", "Igor Korotchenko", str(len(korotchenko_claims()))]
    assert "results in" in by_css(browser, "#status")[0].text

    downloads = {a.get_attribute("data-format"): a.get_attribute("href")
                 for a in by_css(browser, "#downloads a")}
    assert set(downloads) == {"csv", "tsv", "json"}
    with urllib.request.urlopen(downloads["csv"], timeout=10) as response:
        rows = list(csv.reader(io.StringIO(response.read().decode())))
    assert rows[0] == ["claimant", "name", "claims", "articles"] and len(rows) == len(table)

    link = by_css(browser, "table.results-table tbody tr:first-child td:first-child a")[0]
    assert link.get_attribute("title") == "https://w3id.org/newskg/id/actor/korotchenko"
    link.click()
    wait(browser, lambda d: d.current_url.endswith("/actor/korotchenko"), "the actor page")
    assert by_css(browser, "h1")[0].text == "Igor Korotchenko"
    assert browser.title.startswith("Igor Korotchenko")
    highlighted = [m.text for m in by_css(browser, "#claims-by mark")]
    assert sorted(highlighted) == sorted(korotchenko_claims())
    assert by_css(browser, "#claims-by blockquote.evidence")[0].text.strip() != highlighted[0]
    assert not severe_logs(browser)


def test_prefix_completion_declares_the_prefix(browser, live_server: LiveServer) -> None:
    from selenium.webdriver.common.keys import Keys

    open_query_page(browser, live_server)
    browser.execute_script("""const cm = document.querySelector('.CodeMirror').CodeMirror;
        cm.setValue('SELECT * WHERE { ?c a  }'); cm.setCursor({line: 0, ch: 22}); cm.focus();""")
    by_css(browser, ".CodeMirror textarea")[0].send_keys("nkg:Cla")
    wait(browser, lambda d: by_css(d, ".CodeMirror-hints li"), "completions")
    assert [li.text for li in by_css(browser, ".CodeMirror-hints li")] == ["nkg:Claim"]
    by_css(browser, ".CodeMirror textarea")[0].send_keys(Keys.ENTER)
    value = browser.execute_script(
        "return document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert value.splitlines() == ["PREFIX nkg: <https://w3id.org/newskg/ontology#>",
                                  "SELECT * WHERE { ?c a nkg:Claim }"]
    table = run_query(browser)
    assert table[0] == ["?c"] and len(table) > 1


def test_article_markup_is_shown_not_run(browser, hostile_server: LiveServer) -> None:
    browser.get(hostile_server.url + "/article/hostile")
    assert browser.title == f"Title {HOSTILE_SCRIPT} · newskg"   # shown as text
    for path in ("/article/hostile", "/claim/hostile-0", "/actor/mallory"):
        browser.get(hostile_server.url + path)
        wait(browser, lambda d: by_css(d, "h1"), f"the page {path}")
        assert browser.title != "pwned"       # the script would have set it
        assert browser.execute_script("return typeof window.pwned") == "undefined"
        assert HOSTILE_SCRIPT in by_css(browser, "main")[0].text, path
    assert [m.text for m in by_css(browser, "mark")] == [HOSTILE_SCRIPT]   # the actor page
    browser.get(hostile_server.url + "/article/hostile")
    assert by_css(browser, "#claims mark")[0].text == HOSTILE_SCRIPT
    sources = [a.get_attribute("href") or "" for a in by_css(browser, "a")]
    assert not any(s.startswith("javascript:") for s in sources)


def test_query_results_markup_is_shown_not_run(browser, hostile_server: LiveServer) -> None:
    query = "SELECT ?title ?who WHERE { ?a dcterms:title ?title . ?a nkg:mentions/rdfs:label ?who }"
    browser.get(f"{hostile_server.url}/?{urllib.parse.urlencode({'query': query})}")
    wait(browser, lambda d: by_css(d, "body[data-ready] .CodeMirror"), "the editor to start")
    table = run_query(browser)
    assert table[1] == [f"Title {HOSTILE_SCRIPT}", 'Mallory <b onmouseover="window.pwned=3">X</b>']
    assert browser.title == "newskg · SPARQL query"
    assert browser.execute_script("return typeof window.pwned") == "undefined"
