"""BENCHMARKS.md sections that a script owns: each lives between its own two markers."""
from __future__ import annotations

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def replace_section(section: str, begin: str, end: str, path: Path = BENCHMARKS) -> None:
    """Put ``section`` (which starts with ``begin`` and ends with ``end``) into ``path``,
    replacing the text between those markers (only that), or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
