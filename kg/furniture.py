"""Page furniture in plain-text scrapes: lines that belong to the page, not the article.

The article text is kept verbatim (offsets must reproduce it); furniture is
reported as character ranges that the extractors skip.
"""
from __future__ import annotations

import functools
import re

from kg import resources

# End markers count only past this share of the article's lines: near the top the
# same words ("Comments", "More News For You") are widgets inside the header.
END_MARKER_MIN_POSITION = 0.4


@functools.lru_cache(maxsize=1)
def _line_patterns() -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(p, re.IGNORECASE) for p in resources.lines("furniture.txt"))
    except resources.KGError:
        return ()


@functools.lru_cache(maxsize=1)
def _end_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(rf"(?:{p})", re.IGNORECASE)
                 for p in resources.lines("article_end.txt"))


def is_furniture_line(line: str) -> bool:
    """Whether one line, on its own, is page furniture (a share widget, a related link)."""
    stripped = line.strip()
    return any(p.match(stripped) for p in _line_patterns())


def _is_end_marker(line: str) -> bool:
    stripped = line.strip().rstrip(":.")
    return any(p.fullmatch(stripped) for p in _end_patterns())


def furniture_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges ``[begin, end)`` of ``text`` that are page furniture."""
    from kg.nlp import nonblank_lines

    spans: list[tuple[int, int]] = []
    lines = nonblank_lines(text)
    for index, (begin, line) in enumerate(lines):
        if _is_end_marker(line) and index >= END_MARKER_MIN_POSITION * len(lines):
            spans.append((begin, len(text)))
            break
        if is_furniture_line(line) or _is_end_marker(line):
            spans.append((begin, begin + len(line)))
    return spans


def in_ranges(begin: int, end: int, ranges: list[tuple[int, int]]) -> bool:
    """Whether ``[begin, end)`` overlaps any of the ranges."""
    return any(begin < r_end and r_begin < end for r_begin, r_end in ranges)
