"""Bad articles: whatever the web serves, the batch goes on and the report names each rejection.

One mixed batch holds every kind of bad input the hardening issue lists (empty,
whitespace, binary, non-UTF-8, oversized, furniture-only and truncated HTML,
non-English, broken JSONL lines, a duplicate) beside good articles; `kg build`
must add the good ones, name every bad one with its reason and exit 1. The
50 MB article is read by a separate `kg build` process whose peak memory is
measured. Unit tests of the language check and the decoders sit below.
(Plain empty/binary/oversized files, a latin-1 file and the duplicate and
changed-article cases on their own are in test_ingest.py and test_pipeline.py.)
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.ingest import DEFAULT_MAX_BYTES, DEFAULT_MAX_CHARS, Rejection, find_date, load
from kg.langdetect import detect
from kg.store import KGStore
from tests.conftest import GOLD_SETS, REPO, SEEDS

GOOD = """Port strike spreads to three more harbours, union says

By Lena Okafor
Published: 14 March 2023

Dock workers in three more ports walked out on Tuesday, the union said, as talks over pay
broke down for the second time this month.

"We will stay out until the offer is improved," said union leader Maria Duarte. The port
authority said it was ready to return to the table but would not raise its offer.
"""
CP1252 = ("Café owners in Zürich protest against rents\n\nThe owners of more than forty cafés "
          "in the old town said on Monday that they would close for a day in protest. "
          "“We cannot pay these rents any more,” said Anna Keller, who runs a café near "
          "the lake. The city council said it would look at the figures again next week.\n")
UTF16 = ("Ferry service to the islands resumes after storm\n\nThe ferry operator said on "
         "Wednesday that its boats would sail again from Thursday morning, after the storm "
         "that cut the islands off for four days had passed. “The crews are ready,” a "
         "spokesperson said, adding that extra sailings would be added at the weekend.\n")

NON_ENGLISH = {
    "fr": "Le gouvernement a annoncé mardi une nouvelle série de mesures pour soutenir les "
          "agriculteurs, selon le ministre de l'Agriculture. « Nous ne laisserons personne de "
          "côté », a déclaré le ministre devant les députés. Les syndicats agricoles ont salué "
          "une avancée mais estiment que les aides restent insuffisantes pour compenser la "
          "hausse des coûts de production.",
    "de": "Die Bundesregierung hat am Dienstag ein neues Paket zur Unterstützung der Landwirte "
          "beschlossen, wie der Minister mitteilte. „Wir lassen niemanden zurück“, sagte der "
          "Minister vor dem Bundestag. Die Bauernverbände begrüßten die Entscheidung, halten "
          "die Hilfen aber für nicht ausreichend, um die gestiegenen Kosten auszugleichen.",
    "es": "El Gobierno anunció el martes un nuevo paquete de medidas para apoyar a los "
          "agricultores, según el ministro de Agricultura. «No vamos a dejar a nadie atrás», "
          "dijo el ministro ante el Congreso. Las organizaciones agrarias celebraron el anuncio, "
          "pero consideran que las ayudas siguen siendo insuficientes para compensar el aumento "
          "de los costes.",
    "it": "Il governo ha annunciato martedì un nuovo pacchetto di misure per sostenere gli "
          "agricoltori, secondo il ministro dell'Agricoltura. «Non lasceremo indietro nessuno», "
          "ha detto il ministro alla Camera. Le organizzazioni agricole hanno accolto con "
          "favore la decisione, ma ritengono che gli aiuti non siano sufficienti per coprire "
          "l'aumento dei costi.",
    "pt": "O governo anunciou na terça-feira um novo pacote de medidas para apoiar os "
          "agricultores, segundo o ministro da Agricultura. «Não vamos deixar ninguém para "
          "trás», disse o ministro no Parlamento. As organizações agrícolas saudaram a "
          "decisão, mas consideram que os apoios não são suficientes para compensar o aumento "
          "dos custos de produção.",
    "nl": "De regering heeft dinsdag een nieuw pakket maatregelen aangekondigd om de boeren te "
          "steunen, zei de minister van Landbouw. ‘We laten niemand in de steek’, zei de "
          "minister in de Tweede Kamer. De boerenorganisaties zijn blij met het besluit, maar "
          "vinden dat de steun niet genoeg is om de gestegen kosten te dekken.",
    "ru": "Правительство во вторник объявило о новом пакете мер поддержки фермеров, сообщил "
          "министр сельского хозяйства. «Мы никого не оставим без помощи», — заявил министр "
          "в Государственной думе. Аграрные союзы приветствовали решение, но считают помощь "
          "недостаточной.",
    "uk": "Уряд у вівторок оголосив про новий пакет заходів підтримки фермерів, повідомив "
          "міністр аграрної політики. «Ми нікого не залишимо без допомоги», — заявив міністр "
          "у Верховній Раді. Аграрні спілки привітали рішення, але вважають допомогу "
          "недостатньою.",
    "zh": "政府周二宣布了一系列支持农民的新措施，农业部长表示。部长在议会表示：“我们不会让任何人掉队。”"
          "农业组织对这一决定表示欢迎，但认为援助不足以弥补生产成本的上涨。",
    "ja": "政府は火曜日、農家を支援するための新たな対策を発表したと農業大臣が明らかにした。"
          "大臣は国会で「誰も取り残さない」と述べた。農業団体は決定を歓迎したが、支援は不十分だとしている。",
    "ar": "أعلنت الحكومة يوم الثلاثاء عن حزمة جديدة من الإجراءات لدعم المزارعين، بحسب وزير "
          "الزراعة. وقال الوزير أمام البرلمان: لن نترك أحدا خلفنا. ورحبت النقابات الزراعية "
          "بالقرار لكنها ترى أن المساعدات غير كافية.",
    "el": "Η κυβέρνηση ανακοίνωσε την Τρίτη ένα νέο πακέτο μέτρων για τη στήριξη των αγροτών, "
          "σύμφωνα με τον υπουργό Γεωργίας. «Δεν θα αφήσουμε κανέναν πίσω», είπε ο υπουργός "
          "στη Βουλή.",
    "und": "Hallitus ilmoitti tiistaina uusista toimista maanviljelijöiden tukemiseksi, kertoi "
           "maatalousministeri. Emme jätä ketään jälkeen, ministeri sanoi eduskunnassa. "
           "Maataloustuottajat pitivät päätöstä myönteisenä mutta arvioivat tukien olevan "
           "riittämättömiä kustannusten nousun kattamiseen. Neuvottelut jatkuvat ensi viikolla "
           "Helsingissä, ja ministeriön mukaan uusi esitys annetaan kuun lopussa.",
}

FURNITURE_HTML = """<html><head><title>Home</title></head><body>
<nav><a href="/">Home</a><a href="/world">World</a><a href="/sport">Sport</a></nav>
<div class="cookie">We use cookies. Accept all cookies. Manage settings.</div>
<div class="share">Share on Facebook Share on Twitter</div>
<footer>© 2024 Example News. All rights reserved. Privacy policy. Contact us.</footer>
</body></html>"""
ARTICLE_HTML = """<html><head><title>Council votes to close bridge</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Council votes to close bridge</h1>
<p>The city council voted on Monday to close the old river bridge for repairs that
engineers say are long overdue, after an inspection found cracks in two piers.</p>
<p>"The bridge is not safe for heavy traffic any more," said the council's chief
engineer, Priya Natarajan, who led the inspection last month.</p>
<p>Residents will have to use the ring road until the work is finished next spring.</p>
</article><footer>Share this article. Subscribe to our newsletter.</footer></body></html>"""
TRUNCATED_HTML = ARTICLE_HTML[:ARTICLE_HTML.index("who led the inspection")]   # cut mid-<p>
HEAD_ONLY_HTML = ARTICLE_HTML[:60]                                                 # cut in <head>


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def sized(path: Path, size: int, line: str = "The council met again on Monday. ") -> Path:
    """A file of ``size`` bytes of English text, written in blocks (nothing big in memory)."""
    block = (line * (1_000_000 // len(line) + 1))[:1_000_000].encode()
    with path.open("wb") as out:
        for _ in range(size // len(block)):
            out.write(block)
        out.write(block[:size % len(block)])
    return path


def mixed_batch(folder: Path) -> tuple[dict[str, str], list[str]]:
    """Write every bad input beside good ones; (rejected name -> reason fragment, good names)."""
    rng = random.Random(7)
    write(folder / "good.txt", GOOD)
    write(folder / "empty.txt", b"")
    write(folder / "blank.txt", b"  \n\t \r\n   \n")
    write(folder / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(4000))
    write(folder / "elf.html", b"\x7fELF\x02\x01\x01\x00" + rng.randbytes(2000))
    write(folder / "cp1252.txt", CP1252.encode("cp1252"))
    write(folder / "utf16.txt", UTF16.encode("utf-16"))
    sized(folder / "huge.txt", DEFAULT_MAX_BYTES + 1)
    sized(folder / "long.txt", DEFAULT_MAX_CHARS * 2)
    write(folder / "furniture.html", FURNITURE_HTML)
    write(folder / "truncated.html", TRUNCATED_HTML)
    write(folder / "head-only.html", HEAD_ONLY_HTML)
    for code, text in NON_ENGLISH.items():
        write(folder / f"lang-{code}.txt", text)
    write(folder / "same-as-good.txt", GOOD)
    feed = [json.dumps({"text": GOOD.replace("three", "four"), "url": "https://example.org/a"}),
            "{not json",
            json.dumps({"title": "a record without a body"}),
            json.dumps({"text": "   ", "html": ""}),
            json.dumps([1, 2, 3]),
            json.dumps({"text": NON_ENGLISH["de"], "url": "https://example.org/de"}),
            "   "]                                           # line 7: blank, skipped
    cp1252_line = json.dumps({"text": CP1252.replace("forty", "fifty")}, ensure_ascii=False)
    write(folder / "feed.jsonl", "\n".join(feed).encode() + b"\n" +
          cp1252_line.encode("cp1252") + b"\n")               # line 8: a cp1252 feed
    rejected = {"empty.txt": "empty article", "blank.txt": "empty article",
                "binary.txt": "binary data", "elf.html": "binary data",
                "huge.txt": f"over the limit of {DEFAULT_MAX_BYTES}",
                "long.txt": f"over the limit of {DEFAULT_MAX_CHARS}",
                "furniture.html": "no article text", "head-only.html": "no article text",
                "feed.jsonl:2": "not a JSON object", "feed.jsonl:3": "no non-empty 'text'",
                "feed.jsonl:4": "no non-empty 'text'", "feed.jsonl:5": "expected a JSON object",
                "https://example.org/de": "not English (de)"}
    rejected |= {f"lang-{code}.txt": f"not English ({code})" for code in NON_ENGLISH}
    good = ["good.txt", "cp1252.txt", "utf16.txt", "truncated.html", "https://example.org/a",
            "feed.jsonl:8"]
    return rejected, good


def short(source: str) -> str:
    return source if source.startswith("https://") else Path(source).name


def test_a_mixed_batch_goes_on_and_names_every_rejection(tmp_path: Path) -> None:
    rejected, good = mixed_batch(tmp_path / "in")
    store, report_path = tmp_path / "store", tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "in"), "--store", str(store), "-q",
                                      "--report", str(report_path)])
    assert result.exit_code == 1, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    reasons = {short(r["source"]): r["reason"] for r in report["rejected"]}
    assert sorted(reasons) == sorted(rejected)
    for name, fragment in rejected.items():
        assert fragment in reasons[name], (name, reasons[name])
        assert f"{name}: {reasons[name]}" in result.output    # and on stderr, one line each
    assert sorted(short(s) for s in report["added"]) == sorted(good)
    assert [short(d["source"]) for d in report["duplicates"]] == ["same-as-good.txt"]
    with KGStore(store, read_only=True) as kg:
        texts = {row["t"] for row in kg.select("SELECT ?t WHERE { ?a nif:isString ?t }")}
    assert len(texts) == len(good)
    assert CP1252 in texts and UTF16 in texts                      # decoded, not mangled
    assert any("“We cannot pay these rents" in t and "fifty" in t for t in texts)  # cp1252 JSONL

    # The same batch again: nothing new, the same rejections; then one article changes.
    again = CliRunner().invoke(cli, ["build", str(tmp_path / "in"), "--store", str(store), "-q",
                                     "--report", str(report_path)])
    assert again.exit_code == 1
    second = json.loads(report_path.read_text(encoding="utf-8"))
    assert not second["added"] and not second["replaced"]
    assert len(second["skipped"]) == len(good) and len(second["rejected"]) == len(rejected)


def test_a_changed_article_replaces_only_its_own_graph(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder / "a.txt", GOOD)
    write(folder / "b.txt", CP1252)
    feed = folder / "feed.jsonl"
    write(feed, json.dumps({"text": UTF16, "url": "https://example.org/ferry"}) + "\n")
    store = tmp_path / "store"
    assert CliRunner().invoke(cli, ["build", str(folder), "--store", str(store), "-q"]).exit_code == 0
    with KGStore(store, read_only=True) as kg:
        before = {a.source: a for a in kg.articles()}
        b_graph = set(kg.graph_triples(before[str((folder / "b.txt").resolve())].iri))
    write(folder / "a.txt", GOOD.replace("Tuesday", "Sunday"))
    write(feed, json.dumps({"text": UTF16.replace("four days", "five days"),
                            "url": "https://example.org/ferry"}) + "\n")
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["build", str(folder), "--store", str(store), "-q",
                                      "--report", str(report_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert sorted(short(s) for s in report["replaced"]) == ["a.txt", "https://example.org/ferry"]
    with KGStore(store, read_only=True) as kg:
        after = {a.source: a for a in kg.articles()}
        assert after.keys() == before.keys()
        graphs = kg.named_graphs()
        for source in ("https://example.org/ferry", str((folder / "a.txt").resolve())):
            assert before[source].iri not in graphs            # the old text's graph is gone
            assert after[source].iri != before[source].iri
        texts = [r["t"] for r in kg.select("SELECT ?t WHERE { ?a nif:isString ?t }")]
        assert set(kg.graph_triples(after[str((folder / "b.txt").resolve())].iri)) == b_graph
    assert sum("on Sunday" in t for t in texts) == 1 and not any("on Tuesday" in t for t in texts)
    assert sum("five days" in t for t in texts) == 1 and not any("four days" in t for t in texts)


# --------------------------------------------------------------------- the 50 MB article

FIFTY_MB = 50 * 1024 * 1024


def peak_rss_mib(args: list[str], stdin: Path | None = None) -> tuple[int, str, float]:
    """Run ``kg`` in a child process: (exit code, stderr, the child's peak RSS in MiB)."""
    with (stdin.open("rb") if stdin else open(os.devnull, "rb")) as feed:
        process = subprocess.Popen([sys.executable, "-m", "kg.cli", *args], cwd=REPO,
                                   stdin=feed, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        stderr = process.stderr.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, stderr, usage.ru_maxrss / 1024


@pytest.mark.slow  # three `kg build` processes, ~15 s
def test_a_50mb_article_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", GOOD)
    big_text = sized(tmp_path / "big.txt", FIFTY_MB)
    big_html = sized(tmp_path / "big.html", FIFTY_MB, "<p>The council met again.</p>\n")
    big_line = tmp_path / "big.jsonl"
    with big_line.open("wb") as out:      # one 50 MB JSON line, then a good one
        out.write(b'{"text": "')
        with big_text.open("rb") as source:
            while block := source.read(1 << 20):
                out.write(block)
        out.write(b'"}\n' + json.dumps({"text": GOOD.replace("Tuesday", "Friday")}).encode()
                  + b"\n")

    code, err, baseline = peak_rss_mib(["build", str(good), "--store", str(tmp_path / "s0"), "-q"])
    assert code == 0, err
    code, err, peak = peak_rss_mib(["build", str(good), str(big_text), str(big_html),
                                    str(big_line), "--store", str(tmp_path / "s1"), "-q"])
    assert code == 1, err
    assert f"big.txt: file is {FIFTY_MB} bytes, over the limit of {DEFAULT_MAX_BYTES}" in err
    assert f"big.html: file is {FIFTY_MB} bytes, over the limit of {DEFAULT_MAX_BYTES}" in err
    assert f"big.jsonl:1: line is {FIFTY_MB + 13} bytes, over the limit" in err
    code, err, peak_stdin = peak_rss_mib(["build", "-", "--store", str(tmp_path / "s2"), "-q"],
                                         stdin=big_line)
    assert code == 1 and "<stdin>:1: line is" in err, err
    with KGStore(tmp_path / "s1", read_only=True) as kg:
        assert len(list(kg.articles())) == 2       # good.txt and the JSONL's second line
    # Reading any of the 50 MB inputs whole would add 50 MB (bytes) and more (text) at least.
    print(f"peak RSS: {baseline:.0f} MiB for one article, {peak:.0f} MiB with three 50 MB "
          f"inputs, {peak_stdin:.0f} MiB with one on stdin")
    assert peak - baseline < 30 and peak_stdin - baseline < 30


# --------------------------------------------------------------------- language, decoding

@pytest.mark.parametrize("code", sorted(NON_ENGLISH))
def test_non_english_text_is_detected_and_named(code: str) -> None:
    found = detect(NON_ENGLISH[code])
    assert not found.is_english
    assert found.code == code, found


def english_articles() -> list[Path]:
    return sorted([*SEEDS.glob("*.txt"), *GOLD_SETS.rglob("*.txt"), *GOLD_SETS.rglob("*.html")])


def test_every_english_article_we_have_passes_the_language_check() -> None:
    articles = [item for item in load(english_articles())]
    assert len(articles) >= 15
    assert not [item for item in articles if isinstance(item, Rejection)]
    assert all(item.language == "en" for item in articles)


@pytest.mark.parametrize("text", [
    "Short headline: Putin meets Erdogan in Sochi",                        # too short to tell
    "Moscow, Kyiv, Minsk, Tbilisi, Yerevan, Baku. " * 2,
    GOOD + "\nThe minister later told Le Monde: « Nous ne céderons pas », which means "
           "that the government will not give in, according to the paper.\n",
    GOOD + "\n" + NON_ENGLISH["ru"][:80] + "\n",                            # a quote in Cyrillic
])
def test_english_with_names_and_foreign_quotes_is_english(text: str) -> None:
    assert detect(text).is_english


def test_a_long_text_is_sampled_across_its_length() -> None:
    english, french = GOOD * 10, NON_ENGLISH["fr"] * 200     # ~5,000 and ~70,000 characters
    assert detect(english + french).code == "fr"               # an English lead is not enough
    assert detect(english * 20 + NON_ENGLISH["fr"] * 3).is_english


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                                      "utf-32", "cp1252", "mac-roman"])
def test_encodings_are_detected_not_crashed_on(tmp_path: Path, encoding: str) -> None:
    data = CP1252.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # a BOM, as Windows tools write UTF-16
        data = ("\ufeff" + CP1252).encode(encoding)
    [article] = load([write(tmp_path / "a.txt", data)])
    assert not isinstance(article, Rejection), article
    assert "Zürich" in article.text and "“We cannot pay" in article.text


def test_undecodable_and_mixed_bytes_never_crash(tmp_path: Path) -> None:
    rng = random.Random(11)
    payloads = [rng.randbytes(n) for n in (1, 7, 100, 5000)]
    payloads += [CP1252.encode("utf-8") + b"\xff\xfe\xfa" + CP1252.encode("cp1252"),
                 b"\xef\xbb\xbf" + b"\xc3" * 500, b"\xff\xfe" + b"\xd8\x00" * 10]
    for index, payload in enumerate(payloads):
        for suffix in (".txt", ".html", ".jsonl"):
            for item in load([write(tmp_path / f"p{index}{suffix}", payload)]):
                assert isinstance(item, Rejection) or item.text.strip()


def test_a_jsonl_line_over_the_limit_is_skipped_not_read_whole(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    write(feed, b'{"text": "' + b"x" * 5000 + b'"}\n' + json.dumps({"text": GOOD}).encode())
    items = list(load([feed], max_bytes=1000))
    assert isinstance(items[0], Rejection) and items[0].reason == \
        "line is 5013 bytes, over the limit of 1000" and items[0].source == f"{feed}:1"
    assert not isinstance(items[1], Rejection) and items[1].text == GOOD


@pytest.mark.parametrize(("text", "date"), [
    ("Headline\nPublished: 31 February 2023\n\nBody.", None),
    ("Headline\nPublished: 29 February 2024\n\nBody.", "2024-02-29"),
    ("Headline\n2023-13-45\n\nBody.", None),
])
def test_only_dates_that_exist_are_read(text: str, date: str | None) -> None:
    assert find_date(text) == date


def test_a_feed_date_that_does_not_exist_is_dropped(tmp_path: Path) -> None:
    feed = write(tmp_path / "feed.jsonl", json.dumps({"text": GOOD, "date": "2023-02-31"}))
    [article] = load([feed])
    assert article.date is None
