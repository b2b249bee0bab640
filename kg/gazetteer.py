"""The offline gazetteer: states, self-proclaimed states, organisations and people with QIDs.

Entries come from ``kg/data/gazetteer.jsonl``; this module finds their names,
demonyms and capitals in text. Nothing here calls the network.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from kg import resources

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})


def trie_pattern(words: set[str]) -> str:
    """One case-insensitive regex for ``words`` with their common prefixes factored out.

    An alternation of 1,000+ names is tried name by name at every position (0.5 ms a
    sentence); the trie tries one branch per character. Longer words still win (each
    node's continuation is a greedy option), and "'" also matches a typographic one.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word.lower():
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends = "" in node
        branches = [("['\u2019]" if ch == "'" else re.escape(ch)) + emit(child)
                    for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        inner = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{inner})?" if len(branches) == 1 else inner + "?"
        return inner if len(branches) == 1 or inner.startswith("(?:") else f"(?:{inner})"

    return emit(trie)
# Kinds of surface form, in the order a tie between equally long forms is broken.
FORM_KINDS = ("name", "abbreviation", "demonym", "metonym")


@dataclass(frozen=True)
class Entry:
    """One gazetteer record."""

    key: str
    type: str
    label: str
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    capitals: tuple[str, ...] = ()
    wikidata: str | None = None
    self_proclaimed: bool = False
    country: str | None = None
    kind: str | None = None
    parent: str | None = None            # the state a self-proclaimed state broke from
    context_aliases: tuple[str, ...] = ()  # names that count only in a recognition context

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class Form:
    """A surface form of an entry and how it refers (name, demonym, metonym...)."""

    text: str
    entry: Entry
    kind: str
    case_sensitive: bool
    ambiguous: bool = False      # an ordinary word too ("Chad", "Georgia"): not sentence-initial


@dataclass(frozen=True)
class Hit:
    """A gazetteer form found in a text."""

    begin: int
    end: int
    text: str
    form: Form
    doubtful: bool = False   # an ambiguous name opening a sentence


def fold(text: str) -> str:
    """Case- and apostrophe-insensitive comparison form."""
    return text.translate(_APOSTROPHES).casefold()


@dataclass(eq=False)   # compared and hashed by identity: one gazetteer, cached lookups
class Gazetteer:
    """Entries by key, and a matcher over all their surface forms."""

    entries: dict[str, Entry]
    forms: dict[str, list[Form]] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    @classmethod
    def from_records(cls, records: tuple[dict, ...] | list[dict]) -> Gazetteer:
        entries: dict[str, Entry] = {}
        forms: dict[str, list[Form]] = {}
        for record in records:
            entry = _entry(record)
            entries[entry.key] = entry
            ambiguous = set(record.get("ambiguous_aliases") or ())
            exact = set(record.get("case_sensitive_aliases") or ()) | ambiguous
            for text, kind in _surface_forms(entry):
                case_sensitive = text in exact or _looks_like_abbreviation(text)
                if kind == "name" and _looks_like_abbreviation(text):
                    kind = "abbreviation"
                forms.setdefault(fold(text), []).append(
                    Form(text, entry, kind, case_sensitive, text in ambiguous))
        gazetteer = cls(entries, forms)
        gazetteer._compile()
        return gazetteer

    def _compile(self) -> None:
        forms = {f.text.translate(_APOSTROPHES) for forms in self.forms.values() for f in forms}
        if not forms:
            self._pattern = None
            return
        body = trie_pattern(forms)
        self._pattern = re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)

    def find(self, text: str) -> Iterator[Hit]:
        """Longest non-overlapping matches, left to right, honouring case-sensitive forms."""
        if self._pattern is None:
            return
        for found in self._pattern.finditer(text):
            surface = found.group(0)
            form = self._best_form(surface)
            if form is None:
                continue
            # "Chad", "Turkey" opening a sentence may be ordinary words: the caller decides
            # with the parse whether they name the entry.
            doubtful = form.ambiguous and form.kind != "metonym" and \
                _sentence_initial(text, found.start())
            yield Hit(found.start(), found.end(), surface, form, doubtful)

    def _best_form(self, surface: str) -> Form | None:
        candidates = self.forms.get(fold(surface), [])
        fitting = [f for f in candidates
                   if (surface.translate(_APOSTROPHES) == f.text.translate(_APOSTROPHES)
                       if f.case_sensitive else _capitalised_like(surface, f.text))]
        if not fitting:
            return None
        return min(fitting, key=lambda f: FORM_KINDS.index(f.kind))

    def entries_for(self, surface: str) -> list[Entry]:
        """Every entry a surface form can name (two for "Congo")."""
        return list(dict.fromkeys(
            f.entry for f in self.forms.get(fold(surface), [])
            if (surface.translate(_APOSTROPHES) == f.text.translate(_APOSTROPHES)
                if f.case_sensitive else _capitalised_like(surface, f.text))))

    def get(self, key: str) -> Entry | None:
        return self.entries.get(key)

    def lookup(self, name: str) -> list[Entry]:
        """Entries one of whose names or demonyms is ``name`` (case-insensitive)."""
        return list(dict.fromkeys(f.entry for f in self.forms.get(fold(name), [])))


def _sentence_initial(text: str, position: int) -> bool:
    before = text[:position].rstrip(" \t\u201c\u2018\"'(")
    return not before or before[-1] in ".!?:\n"


def _capitalised_like(surface: str, form: str) -> bool:
    # Lower-case text matches only multi-word forms ("new york post"); a single word
    # needs its capital, so the verb "chad" or the noun "turkey" are not states.
    if surface[:1].isupper() or not form[:1].isupper():
        return True
    return " " in form


def _looks_like_abbreviation(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and sum(ch.isupper() for ch in letters) >= len(letters) - 1 \
        and " " not in text.strip()


def _surface_forms(entry: Entry) -> Iterator[tuple[str, str]]:
    for name in entry.names:
        yield name, "name"
        # "The New York Times" is also "New York Times"; but "The Independent" is not
        # "Independent", an ordinary adjective.
        if name.lower().startswith("the ") and " " in name[4:].strip():
            yield name[4:], "name"
    for demonym in entry.demonyms:
        yield demonym, "demonym"
    for capital in entry.capitals:
        yield capital, "metonym"


def _entry(record: dict) -> Entry:
    return Entry(
        key=record["key"], type=record["type"], label=record["label"],
        aliases=tuple(record.get("aliases") or ()),
        demonyms=tuple(record.get("demonyms") or ()),
        capitals=tuple(record.get("capitals") or ()),
        wikidata=record.get("wikidata") or None,
        self_proclaimed=bool(record.get("self_proclaimed")),
        country=record.get("country"), kind=record.get("kind"),
        parent=record.get("parent"),
        context_aliases=tuple(record.get("context_aliases") or ()))


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer shipped with the package, with the supplements merged in."""
    records = [dict(r) for r in resources.jsonl("gazetteer.jsonl")]
    by_key = {r["key"]: r for r in records}
    for extra in resources.jsonl("gazetteer_context.jsonl"):
        target = by_key.get(extra["key"])
        if target is not None:
            for name, value in extra.items():
                if name != "key":
                    target[name] = value
    # Regions and places ("Latin America", "Donbas") are matched too, so that the
    # longest match consumes them; their hits (type "Place") make no actor.
    records += [{"key": f"place:{name}", "type": "Place", "label": name}
                for name in resources.lines("places.txt")]
    return Gazetteer.from_records(records)
