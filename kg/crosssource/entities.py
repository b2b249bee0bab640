"""Actor mentions inside claim texts, for entity swaps and attributions.

Names come from the gazetteer (names, demonyms, capitals) and from the store's actor records
(``rdfs:label``/``skos:altLabel``). Ids that share a name are one entity, so a gazetteer key
and the actor IRI built from it, or two spellings of one person, compare equal.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kg.crosssource.text import fold
from kg.gazetteer import Gazetteer, default_gazetteer, trie_pattern


@dataclass(frozen=True)
class Mention:
    begin: int
    end: int
    text: str
    entity: str          # the entity group (one id for all ids that share a name)


class EntityMatcher:
    """Finds actor names in a text and tells which entity each one names."""

    def __init__(self, actor_names: dict[str, set[str]] | None = None,
                 gazetteer: Gazetteer | None = None):
        self.gazetteer = gazetteer if gazetteer is not None else default_gazetteer()
        self._parent: dict[str, str] = {}
        self._by_name: dict[str, str] = {}
        for entry in self.gazetteer.entries.values():
            for name in (*entry.names, *entry.demonyms, *entry.capitals):
                self._name(f"gaz:{entry.key}", name)
        self.names: dict[str, set[str]] = {}
        for iri, names in (actor_names or {}).items():
            self.names[iri] = set(names)
            for name in names:
                self._name(iri, name)
            self._union(iri, f"gaz:{iri.rstrip('/').rsplit('/', 1)[-1]}")
        forms = {n.replace("\u2019", "'") for names in (actor_names or {}).values()
                 for n in names if len(n.strip()) >= 3}
        # a trie, not an alternation: thousands of names are tried one branch per character
        self._pattern = re.compile(rf"(?<![\w-])(?:{trie_pattern(forms)})(?![\w-])",
                                   re.IGNORECASE) if forms else None

    # ------------------------------------------------------------ groups

    def _find(self, key: str) -> str:
        self._parent.setdefault(key, key)
        while self._parent[key] != key:
            self._parent[key] = self._parent[self._parent[key]]
            key = self._parent[key]
        return key

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def _name(self, key: str, name: str) -> None:
        folded = _norm(name)
        if not folded:
            return
        other = self._by_name.setdefault(folded, key)
        self._union(key, other)

    def entity(self, key: str) -> str:
        return self._find(key)

    # ------------------------------------------------------------ finding

    def mentions(self, text: str, begin: int = 0, end: int | None = None) -> list[Mention]:
        """Names in ``text[begin:end]`` (offsets into ``text``), longest first, no overlaps."""
        end = len(text) if end is None else end
        piece = text[begin:end]
        found: list[Mention] = []
        for hit in self.gazetteer.find(piece):
            found.append(Mention(begin + hit.begin, begin + hit.end, hit.text,
                                 self._find(f"gaz:{hit.form.entry.key}")))
        if self._pattern is not None:
            for match in self._pattern.finditer(piece):
                surface = match.group(0)
                if " " not in surface and not surface[:1].isupper():
                    continue        # a one-word name needs its capital ("turkey", "chad")
                key = self._by_name.get(_norm(surface))
                if key is not None:
                    found.append(Mention(begin + match.start(), begin + match.end(), surface,
                                         self._find(key)))
        found.sort(key=lambda m: (m.begin, -(m.end - m.begin)))
        kept: list[Mention] = []
        for mention in found:
            if kept and mention.begin < kept[-1].end:
                continue
            kept.append(mention)
        return kept

    def entities(self, text: str, begin: int = 0, end: int | None = None) -> set[str]:
        return {m.entity for m in self.mentions(text, begin, end)}

    def names_of(self, iri: str) -> set[str]:
        """Every name of the entity of an actor IRI (store names and gazetteer names)."""
        group = self._find(iri)
        return {name for name, key in self._by_name.items() if self._find(key) == group} | {
            _norm(n) for n in self.names.get(iri, ())}

    def same(self, a: str, b: str) -> bool:
        return self._find(a) == self._find(b)


def _norm(name: str) -> str:
    words = re.findall(r"\w+", fold(name).replace("'", ""))
    return " ".join(words)


def name_spans(text: str, names: Iterable[str], begin: int, end: int) -> list[tuple[int, int]]:
    """Where any of ``names`` (normalised as by ``EntityMatcher``) occurs in ``text[begin:end]``."""
    folded = fold(text)
    haystack = folded if len(folded) == len(text) else text
    spans = []
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        parts = [re.escape(p) for p in name.split()]
        pattern = re.compile(r"(?<!\w)" + r"\W{0,3}".join(parts) + r"(?!\w)", re.IGNORECASE)
        for match in pattern.finditer(haystack, begin, end):
            spans.append((match.start(), match.end()))
    return sorted(spans)


__all__ = ["EntityMatcher", "Mention", "name_spans"]
