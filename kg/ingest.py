"""Reading articles: files, folders and JSONL streams of plain text or HTML.

Each input becomes an ``Article`` (cleaned text plus title, date, byline and
outlet when the text gives them) or a ``Rejection`` that names the input and
the reason, so one bad article never stops a batch.
"""
from __future__ import annotations

import codecs
import datetime
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg import furniture, langdetect
from kg.model import Article

TEXT_SUFFIXES = frozenset({".txt", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
DEFAULT_MAX_BYTES = 5_000_000
# Cleaned text longer than this is refused: extraction holds the parse of the whole article
# (about 0.75 KB a character with the small English model) and takes ~20 s per 100,000
# characters. The longest long-form pieces are under 100,000 characters.
DEFAULT_MAX_CHARS = 200_000
_READ_CHUNK = 1 << 20

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_MONTH_NUMBER = {name[:3].lower(): index for index, name in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
_DATE_PATTERNS = (
    re.compile(rf"\b{_WEEKDAY}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTHS})\.?,?\s+(?P<y>\d{{4}})\b"),
    re.compile(rf"\b{_WEEKDAY}(?P<m>{_MONTHS})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b"),
    re.compile(r"\b(?P<y>\d{4})-(?P<mm>\d{2})-(?P<d>\d{2})\b"),
)
_BYLINE = re.compile(r"^\s*(?:By|BY|Written by|Author:)\s+(?P<names>[^\n|•·]{3,80}?)\s*"
                     r"(?:[|•·,–-]\s*.*)?$")
_NAME_LINE = re.compile(r"^[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){1,3}$")
# Bylines that name a desk or a wire rather than a person.
_NOT_AUTHORS = frozenset({"desk", "staff", "team", "bureau", "newsroom", "reporter", "reporters",
                          "correspondent", "agencies", "editors", "editor", "admin", "wires"})
_DATELINE_PREFIX = re.compile(r"^\s*(?:Published|Posted|Updated|Last updated|Date)\b[:\s]*",
                              re.IGNORECASE)


@dataclass(frozen=True)
class Rejection:
    """An input that could not be made into an article, and why."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True)
class RawInput:
    """One article's raw payload before cleaning, with metadata a container gave."""

    source: str
    data: bytes | str
    media_type: str                # text/plain or text/html
    meta: tuple[tuple[str, str], ...] = ()


def content_id(text: str) -> str:
    """The stable article id: the first 16 hex digits of the SHA-256 of its cleaned text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- sources


def iter_inputs(sources: Iterable[str | Path], max_bytes: int = DEFAULT_MAX_BYTES
                ) -> Iterator[RawInput | Rejection]:
    """Every article payload in files, folders (recursively, sorted) and JSONL; ``-`` is stdin."""
    for source in sources:
        if str(source) == "-":
            yield from _jsonl_lines(sys.stdin.buffer, "<stdin>", max_bytes)
            continue
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            if not files:
                yield Rejection(str(path), "folder holds no .txt, .html or .jsonl file")
            for file in files:
                yield from _file_inputs(file, max_bytes)
        elif path.is_file():
            yield from _file_inputs(path, max_bytes)
        else:
            yield Rejection(str(path), "no such file or folder")


def _file_inputs(path: Path, max_bytes: int) -> Iterator[RawInput | Rejection]:
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if suffix in JSONL_SUFFIXES:
            with path.open("rb") as stream:
                yield from _jsonl_lines(stream, str(path), max_bytes)
            return
        if size > max_bytes:
            yield Rejection(str(path), f"file is {size} bytes, over the limit of {max_bytes}")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Rejection(str(path), f"cannot read file: {exc.strerror or exc}")
        return
    media_type = "text/html" if suffix in HTML_SUFFIXES else "text/plain"
    yield RawInput(str(path.resolve()), data, media_type)


def _bounded_lines(stream, max_bytes: int) -> Iterator[tuple[bytes, int]]:
    """Each line of a binary stream with its size; a line over ``max_bytes`` is yielded as
    ``b""`` with its size, read past in chunks, so memory stays bounded by ``max_bytes``."""
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        size = len(line)
        if size > max_bytes and not line.endswith(b"\n"):
            line = b""
            while True:
                chunk = stream.readline(_READ_CHUNK)
                size += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
        yield line, size


def _jsonl_lines(stream, name: str, max_bytes: int) -> Iterator[RawInput | Rejection]:
    for number, (line, size) in enumerate(_bounded_lines(stream, max_bytes), start=1):
        where = f"{name}:{number}"
        if size > max_bytes:
            yield Rejection(where, f"line is {size} bytes, over the limit of {max_bytes}")
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(_jsonl_text(line))
        except ValueError as exc:
            yield Rejection(where, f"not a JSON object: {exc}")
            continue
        if not isinstance(record, dict):
            yield Rejection(where, f"expected a JSON object, found {type(record).__name__}")
            continue
        body, media_type = record.get("text"), "text/plain"
        if not isinstance(body, str) or not body.strip():
            body, media_type = record.get("html"), "text/html"
        if not isinstance(body, str) or not body.strip():
            yield Rejection(where, "JSON object has no non-empty 'text' or 'html' string")
            continue
        meta = tuple((key, str(record[key])) for key in ("url", "title", "date", "outlet",
                                                          "author") if record.get(key))
        source = str(record.get("url") or where)
        yield RawInput(source, body, media_type, meta)


def _jsonl_text(line: bytes) -> str:
    """A JSONL line as text: UTF-8 as JSON requires, else the encoding detected (a feed
    written in Latin-1 or cp1252 is still read).

    Raises:
        ValueError: the bytes are text in no encoding that could be detected.
    """
    try:
        return line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return decode(line)


# ---------------------------------------------------------------- articles


# UTF-32 first: its little-endian BOM begins with UTF-16's.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _bom_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32 when ``data`` starts with its byte-order mark (such text has NUL bytes)."""
    return next((encoding for bom, encoding in _BOMS if data.startswith(bom)), None)


def decode(data: bytes | str) -> str:
    """UTF-8 (with or without BOM), UTF-16/32 with a BOM, else the encoding charset-normalizer
    detects.

    Raises:
        ValueError: no encoding could be detected (UnicodeDecodeError for a broken UTF-16/32).
    """
    if isinstance(data, str):
        return data
    if encoding := _bom_encoding(data):
        return data.decode(encoding)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise ValueError("bytes are not text in any encoding that could be detected")
        return str(best)


def to_article(raw: RawInput, max_chars: int = DEFAULT_MAX_CHARS) -> Article | Rejection:
    """Decode, strip page furniture and read metadata; a Rejection says what is wrong
    (binary data, no article text, over ``max_chars`` characters, not English)."""
    if isinstance(raw.data, bytes) and b"\x00" in raw.data[:65536] and \
            not _bom_encoding(raw.data):
        return Rejection(raw.source, "binary data, not text (NUL bytes)")
    try:
        text = decode(raw.data)
    except ValueError as exc:
        return Rejection(raw.source, str(exc))
    if "\x00" in text or _control_ratio(text) > 0.05:
        return Rejection(raw.source, "binary data, not text")
    meta = dict(raw.meta)
    if raw.media_type == "text/html":
        html_article = _from_html(text)
        if html_article is None:
            return Rejection(raw.source, "HTML holds no article text once page furniture "
                                         "is removed")
        text, html_meta = html_article
        meta = {**html_meta, **meta}
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return Rejection(raw.source, "empty article (no text)")
    if len(text) > max_chars:
        return Rejection(raw.source, f"article text is {len(text)} characters, over the limit "
                                     f"of {max_chars}")
    language = langdetect.detect(text)
    if not language.is_english:
        return Rejection(raw.source, f"not English ({language.code}): {language.reason}; "
                                     "newskg extracts from English articles only")
    title = meta.get("title") or _first_line(text)
    article = Article(id=content_id(text), source=raw.source, text=text, title=title,
                      media_type=raw.media_type, url=meta.get("url"),
                      outlet=meta.get("outlet"), language=language.code)
    article.date = _iso_date(meta["date"]) if meta.get("date") else find_date(text)
    article.authors = [meta["author"]] if meta.get("author") else find_authors(text)
    return article


def load(sources: Iterable[str | Path], max_bytes: int = DEFAULT_MAX_BYTES,
         max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Article | Rejection]:
    """Articles (or rejections) from files, folders and JSONL, in input order."""
    for item in iter_inputs(sources, max_bytes):
        yield item if isinstance(item, Rejection) else to_article(item, max_chars)


def _control_ratio(text: str) -> float:
    sample = text[:10_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(len(sample), 1)


def _from_html(html: str) -> tuple[str, dict[str, str]] | None:
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True,
                               favor_precision=True)
    if not text or not text.strip():
        return None
    meta: dict[str, str] = {}
    found = trafilatura.extract_metadata(html)
    if found is not None:
        for key, value in (("title", found.title), ("date", found.date),
                           ("author", found.author), ("outlet", found.sitename),
                           ("url", found.url)):
            if value:
                meta[key] = value
    if meta.get("title") and not text.startswith(meta["title"]):
        text = f"{meta['title']}\n\n{text}"
    return text, meta


def _first_line(text: str) -> str | None:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()
    return None


# ---------------------------------------------------------------- metadata from text


def _iso_date(value: str) -> str | None:
    """An ISO date from a date string in any of the common news formats."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.+\-Z]+)?", value):
        return _real_date(int(value[:4]), int(value[5:7]), int(value[8:10]))
    for pattern in _DATE_PATTERNS:
        found = pattern.search(value)
        if found:
            return _date_of(found)
    return None


def _date_of(found: re.Match[str]) -> str | None:
    parts = found.groupdict()
    month = int(parts["mm"]) if parts.get("mm") else _MONTH_NUMBER[parts["m"][:3].lower()]
    day, year = int(parts["d"]), int(parts["y"])
    if not 1900 <= year <= 2100:
        return None
    return _real_date(year, month, day)


def _real_date(year: int, month: int, day: int) -> str | None:
    """The ISO form of a date that exists (not 31 February), else None."""
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def header_lines(text: str, count: int = 12) -> list[tuple[int, str]]:
    """The first ``count`` non-empty lines with their line numbers."""
    lines = [(n, line.strip()) for n, line in enumerate(text.split("\n")) if line.strip()]
    return lines[:count]


def find_date(text: str) -> str | None:
    """The publication date of a dateline near the top: a line that is mostly a date.

    The very first line is skipped when a header line follows it: a date there is
    usually the site's current-date bar, not the article's.
    """
    lines = header_lines(text)
    for index, (_, line) in enumerate(lines):
        if index == 0 and len(lines) > 1:
            continue
        found = find_date_in_line(line)
        if found:
            return found
    return None


def find_date_in_line(line: str) -> str | None:
    """The date of a line that is mostly a date (a dateline), else None."""
    stripped = _DATELINE_PREFIX.sub("", line)
    for pattern in _DATE_PATTERNS:
        found = pattern.search(stripped)
        if found and len(stripped) - len(found.group(0)) <= 25:
            return _date_of(found)
    return None


def find_authors(text: str) -> list[str]:
    """Byline authors: ``By X``, a name line above a dateline, or a repeated author box."""
    lines = [line.strip() for line in text.split("\n")]
    nonempty = [(n, line) for n, line in enumerate(lines) if line]
    authors: list[str] = []
    for index, (_, line) in enumerate(nonempty[:15]):
        found = _BYLINE.match(line)
        if found:
            authors += _split_names(found.group("names"))
        elif (_is_name(line) and index + 1 < len(nonempty)
              and find_date_in_line(nonempty[index + 1][1])
              and not furniture.is_furniture_line(line)):
            authors.append(line)
    for (_, line), (_, following) in zip(nonempty, nonempty[1:]):
        # An author box repeats the name (a link and a heading) before the bio.
        if line == following and _is_name(line) and line not in authors:
            authors.append(line)
    return list(dict.fromkeys(authors))


def _split_names(names: str) -> list[str]:
    parts = re.split(r"\s*(?:,|\band\b|&)\s*", names)
    return [part.strip() for part in parts if _is_name(part.strip())]


def _is_name(line: str) -> bool:
    """A person's name: two to four capitalised words, none of them a desk or wire."""
    words = line.split()
    return bool(_NAME_LINE.match(line)) and all(w[:1].isupper() for w in words) and \
        words[-1].lower() not in _NOT_AUTHORS
