"""Identity: one actor key (and IRI) per real-world actor, within and across articles.

Within an article, a surname ("Halvorsen", "Mr Halvorsen", even "Halvorson")
joins the full name it fuzzily matches; across articles, names are matched
against a registry that the store keeps in its entity graph. Names that differ
in a given name ("Lena Marsh", "Tom Marsh") stay apart. Gazetteer actors
keep their gazetteer key.
"""
from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from kg import resources
from kg.gazetteer import Gazetteer, fold
from kg.model import Extraction, Mention
from kg.namespaces import slug

NAME_TOKEN_MIN = 0.74       # each token of two full names must be this alike ("Jonh"/"Jong")
NAME_MIN = 0.88             # and the whole names this alike
SURNAME_MIN = 0.85          # a lone surname joins a full name whose surname is this alike
ORG_MIN = 0.92              # organisation names ("Council for/on Foreign Relations")
_DESCRIPTOR_WORDS = ("tv", "television", "media", "broadcaster", "channel", "radio")


def name_tokens(name: str) -> list[str]:
    """Folded tokens of a name; hyphens split ("Kim Jong-un" → kim, jong, un)."""
    return list(_name_tokens(name))


@functools.lru_cache(maxsize=65536)
def _name_tokens(name: str) -> tuple[str, ...]:
    return tuple(fold(name.replace("-", " ").replace(".", " ")).split())


def same_token(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) <= 2:
        return False
    return ratio(a, b) / 100 >= NAME_TOKEN_MIN


def same_person_name(a: str, b: str) -> bool:
    """Whether two full names name one person, allowing misspellings and transliterations."""
    ta, tb = name_tokens(a), name_tokens(b)
    if ta == tb:
        return True
    if len(ta) != len(tb) or len(ta) < 2:
        return False
    if not all(same_token(x, y) for x, y in zip(ta, tb)):
        return False
    return ratio(" ".join(ta), " ".join(tb)) / 100 >= NAME_MIN


def family_name(full: str) -> list[str]:
    """The family-name tokens of a full name: the last word, or the first for names
    written family name first ("Lee Sang-hoon", "Kim Jong Un", "Xi Jinping")."""
    words = full.split()
    tokens = name_tokens(full)
    # A hyphenated given name has a lower-case second part ("Sang-hoon"); a double-barrelled
    # surname does not ("Keast-Butler").
    hyphenated_given = len(words) == 2 and "-" in words[1] and \
        words[1].split("-", 1)[1][:1].islower()
    if len(words) >= 2 and (fold(words[0]) in _family_first() or hyphenated_given or
                            (len(words) == 3 and all(len(w) <= 4 for w in words))):
        return tokens[:1]
    last = name_tokens(words[-1]) if words else []
    return last


@functools.lru_cache(maxsize=1)
def _family_first() -> frozenset[str]:
    return frozenset(fold(name) for name in resources.lines("family_name_first.txt"))


def same_surname(surname: str, full: str) -> bool:
    """Whether a lone surname ("Dvornikow", "Keast-Butler", "Lee") is the family name
    of ``full``, allowing one or two typos in long names."""
    family = family_name(full)
    s = name_tokens(surname)
    if not s or not family or len(name_tokens(full)) <= len(s):
        return False
    if s == family or (len(s) > 1 and s == name_tokens(full)[-len(s):]):
        return True
    if len(s) != 1 or len(family) != 1:
        return False
    last = family[0]
    return len(last) >= 5 and (ratio(s[0], last) / 100 >= SURNAME_MIN
                               or Levenshtein.distance(s[0], last) <= 1)


@dataclass
class Actor:
    """A registry record: the actor key, its type, the names seen and its Wikidata QID."""

    key: str
    type: str
    names: Counter[str] = field(default_factory=Counter)
    label: str | None = None          # fixed label (gazetteer) or None to derive from names
    wikidata: str | None = None
    gazetteer_key: str | None = None

    def best_label(self) -> str:
        if self.label:
            return self.label
        full = [(n, c) for n, c in self.names.items() if len(n.split()) > 1]
        pool = full or list(self.names.items())
        # The most frequent full form; ties go to the longer, then alphabetical.
        return max(pool, key=lambda nc: (nc[1], len(nc[0]), nc[0]))[0]

    def alt_labels(self) -> list[str]:
        label = self.best_label()
        return sorted(n for n in self.names if n != label)


@dataclass
class Registry:
    """All known actors; resolves the mentions of each new extraction in input order."""

    gazetteer: Gazetteer
    actors: dict[str, Actor] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    index: NameIndex = field(default_factory=lambda: NameIndex(), repr=False)

    # ------------------------------------------------------------ registry

    def add_known(self, key: str, type_: str, label: str, alt_labels: Iterable[str],
                  wikidata: str | None) -> None:
        """Register an actor read back from the store's entity graph."""
        actor = self.actors.get(key)
        if actor is None:
            actor = self._add(Actor(key, type_))
        for name in (label, *alt_labels):
            actor.names[name] += 1
            self.index.note(actor, name)
        actor.wikidata = actor.wikidata or wikidata
        entry = self.gazetteer.get(key)
        if entry is not None:
            actor.gazetteer_key, actor.label = key, entry.label

    def _gazetteer_actor(self, key: str) -> Actor:
        entry = self.gazetteer.get(key)
        assert entry is not None
        actor = self.actors.get(key)
        if actor is None:
            actor = self._add(Actor(key, entry.type, label=entry.label,
                                    wikidata=entry.wikidata, gazetteer_key=key))
        return actor

    def _add(self, actor: Actor) -> Actor:
        self.actors[actor.key] = actor
        self.index.add(actor)
        for name in actor.names:
            self.index.note(actor, name)
        return actor

    def _new_actor(self, name: str, type_: str) -> Actor:
        key = base = slug(name)
        if self.gazetteer.get(key) is not None or (key in self.actors
                                                    and self.actors[key].type != type_):
            key = base = f"{base}-{type_.lower()}"
        number = 2
        while key in self.actors:
            key = f"{base}-{number}"
            number += 1
        return self._add(Actor(key, type_))

    # ------------------------------------------------------------ resolution

    def resolve(self, extraction: Extraction) -> None:
        """Give every mention of an extraction its actor key, registering new actors."""
        mentions = list(_all_mentions(extraction))
        people = [m for m in mentions if m.type == "Person"]
        for mention in mentions:
            if mention.gazetteer_key and self.gazetteer.get(mention.gazetteer_key):
                self._use(self._gazetteer_actor(mention.gazetteer_key), mention)
        self._resolve_people([m for m in people if m.actor is None])
        self._resolve_descriptors(extraction, [m for m in mentions if m.actor is None])
        self._resolve_acronyms(mentions)
        for mention in mentions:
            if mention.actor is None:
                self._resolve_named(mention)

    def _resolve_acronyms(self, mentions: list[Mention]) -> None:
        """'NCSC' after 'National Cyber Security Centre' in one article is the same body."""
        from kg.extract.actors import initials

        orgs = [m for m in mentions if m.type == "Organization" and len(m.name.split()) > 1]
        for mention in mentions:
            if mention.actor is not None or mention.type != "Organization" or \
                    not mention.name.isupper() or " " in mention.name:
                continue
            full = [m for m in orgs if initials(m.name) == mention.name]
            if full:
                if full[0].actor is None:
                    self._resolve_named(full[0])
                self._use(self.actors[full[0].actor], mention)

    def resolve_name(self, name: str, type_: str) -> str:
        """The actor key of a name given outside the text (a feed's outlet, say)."""
        from kg.model import Span

        entries = [e for e in self.gazetteer.lookup(name) if e.type == type_]
        mention = Mention(Span(0, 0, ""), name, type_, kind="outlet")
        if entries:
            self._use(self._gazetteer_actor(entries[0].key), mention)
        else:
            self._resolve_named(mention)
        assert mention.actor is not None
        return mention.actor

    def _use(self, actor: Actor, mention: Mention) -> None:
        mention.actor = actor.key
        actor.names[mention.name] += 1
        self.index.note(actor, mention.name)
        self.touched.add(actor.key)

    def _resolve_people(self, people: list[Mention]) -> None:
        heads: list[tuple[Mention, Actor]] = []
        for mention in sorted(people, key=lambda m: m.span.begin):
            if len(mention.name.split()) < 2:  # a lone surname, even "Keast-Butler"
                continue
            actor = next((a for h, a in heads if same_person_name(h.name, mention.name)), None)
            if actor is None:
                actor = self._find_person(mention.name) or self._new_actor(mention.name, "Person")
            heads.append((mention, actor))
            self._use(actor, mention)
        gazetteer_people = [m for m in people if m.actor and len(m.name.split()) >= 2]
        for mention in sorted(people, key=lambda m: m.span.begin):
            if mention.actor is not None:
                continue
            named = heads + [(m, self.actors[m.actor]) for m in gazetteer_people if m.actor]
            matches = sorted(((h, a) for h, a in named if same_surname(mention.name, h.name)),
                             key=lambda ha: ha[0].span.begin)
            before = [(h, a) for h, a in matches if h.span.begin <= mention.span.begin]
            if matches:
                # The nearest full name before it ("Lee Ji-woo … Ms Lee"), else the first after.
                self._use((before[-1] if before else matches[0])[1], mention)
                continue
            actor = self._find_person_by_surname(mention.name) or \
                self._find_person(mention.name) or self._new_actor(mention.name, "Person")
            self._use(actor, mention)

    def _find_person(self, name: str) -> Actor | None:
        """The first known person (in registration order) with a name that
        ``same_person_name`` matches."""
        found = [key for key, known in self.index.similar_person_names(name)
                 if same_person_name(name, known)]
        return self.actors[min(found, key=self.index.order.__getitem__)] if found else None

    def _find_person_by_surname(self, surname: str) -> Actor | None:
        """A lone surname joins the one known person with that surname, if only one."""
        found = {key for key, known in self.index.surname_candidates(surname)
                 if same_surname(surname, known)}
        return self.actors[found.pop()] if len(found) == 1 else None

    def _resolve_descriptors(self, extraction: Extraction, mentions: list[Mention]) -> None:
        """'state TV' is the article's one named broadcaster, when it names exactly one."""
        for mention in mentions:
            if mention.type != "Organization" or not _is_media_descriptor(mention.name):
                continue
            broadcasters = {m.actor for m in extraction.mentions if m.actor and m is not mention
                            and _is_broadcaster(self, m)}
            if len(broadcasters) == 1:
                self._use(self.actors[broadcasters.pop()], mention)

    def _resolve_named(self, mention: Mention) -> None:
        target = fold(mention.name).removeprefix("the ")
        found = self.index.named(mention.type, target,
                                 fuzzy=mention.type == "Organization" and len(target) > 12)
        if found:
            self._use(self.actors[min(found, key=self.index.order.__getitem__)], mention)
            return
        for entry in self.gazetteer.entries.values():
            if entry.type == mention.type == "Organization" and len(target) > 12 and any(
                    ratio(fold(n).removeprefix("the "), target) / 100 >= ORG_MIN
                    for n in entry.names):
                self._use(self._gazetteer_actor(entry.key), mention)
                return
        self._use(self._new_actor(mention.name, mention.type), mention)


class NameList:
    """An append-only list of names whose fuzzy lookups are remembered: a query asked before
    scores only the names added since (the same people recur article after article, and
    scoring every name per mention grew with the registry: ~1 ms per lookup at 10k names)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._answers: dict[tuple, tuple[int, tuple[int, ...]]] = {}

    def append(self, name: str) -> None:
        self.items.append(name)

    def __len__(self) -> int:
        return len(self.items)

    def matches(self, query: str, scorer, cutoff: float) -> tuple[int, ...]:
        """Indices of the names that ``scorer`` rates at ``cutoff`` or better (a distance
        scorer: at most ``cutoff``), as ``process.extract`` over all of them would."""
        key = (query, scorer, cutoff)
        scanned, found = self._answers.get(key, (0, ()))
        if scanned < len(self.items):
            fresh = process.extract(query, self.items[scanned:], scorer=scorer, limit=None,
                                    score_cutoff=cutoff)
            found = (*found, *sorted(scanned + index for _, _, index in fresh))
            self._answers[key] = (len(self.items), found)
        return found


class NameIndex:
    """The registry's names indexed for resolution, so that a mention is compared with the
    few names that can match it rather than every actor seen so far (a linear scan per
    mention made a build quadratic in its actors). Each lookup returns a superset of the
    matches; the caller confirms them with the same functions as before.
    """

    def __init__(self) -> None:
        self.order: dict[str, int] = {}                     # actor key -> registration order
        self._seen: set[tuple[str, str]] = set()            # (actor key, name) indexed
        self._person_names = NameList()                     # joined name tokens, for rapidfuzz
        self._person_rows: list[tuple[str, str]] = []       # (actor key, name), same order
        self._by_family: dict[tuple[str, ...], set[tuple[str, str]]] = {}
        self._family_tokens: dict[str, set[tuple[str, str]]] = {}   # one-token family names
        self._family_list = NameList()
        self._exact: dict[tuple[str, str], set[str]] = {}   # (type, folded name) -> keys
        self._org_names = NameList()
        self._org_rows: list[str] = []

    def add(self, actor: Actor) -> None:
        self.order.setdefault(actor.key, len(self.order))

    def note(self, actor: Actor, name: str) -> None:
        """Index ``name`` as one of ``actor``'s names (once)."""
        if (actor.key, name) in self._seen:
            return
        self._seen.add((actor.key, name))
        self.add(actor)
        folded = fold(name).removeprefix("the ")
        self._exact.setdefault((actor.type, folded), set()).add(actor.key)
        if actor.type == "Organization":
            self._org_names.append(folded)
            self._org_rows.append(actor.key)
        if actor.type != "Person":
            return
        row, tokens = (actor.key, name), _name_tokens(name)
        self._person_names.append(" ".join(tokens))
        self._person_rows.append(row)
        if len(tokens) < 2:
            return
        family = family_name(name)
        for key in {tuple(family)} | {tokens[-k:] for k in range(2, len(tokens))}:
            self._by_family.setdefault(key, set()).add(row)
        if len(family) == 1:
            if family[0] not in self._family_tokens:
                self._family_list.append(family[0])
            self._family_tokens.setdefault(family[0], set()).add(row)

    def similar_person_names(self, name: str) -> list[tuple[str, str]]:
        """(key, name) of the people whose name's joined tokens are at least NAME_MIN alike."""
        query = " ".join(_name_tokens(name))
        return [self._person_rows[index]
                for index in self._person_names.matches(query, ratio, 100 * NAME_MIN - 0.01)]

    def surname_candidates(self, surname: str) -> set[tuple[str, str]]:
        """(key, full name) of the people whose family name (or last tokens) is ``surname``,
        or close to it for a one-word surname."""
        tokens = _name_tokens(surname)
        found = set(self._by_family.get(tokens, ()))
        if len(tokens) == 1 and self._family_list:
            for scorer, cutoff in ((ratio, 100 * SURNAME_MIN - 0.01), (Levenshtein.distance, 1)):
                for index in self._family_list.matches(tokens[0], scorer, cutoff):
                    found |= self._family_tokens[self._family_list.items[index]]
        return found

    def named(self, type_: str, target: str, fuzzy: bool) -> set[str]:
        """Keys of the actors of ``type_`` with the folded name ``target`` (or, ``fuzzy``,
        an organisation name at least ORG_MIN alike)."""
        found = set(self._exact.get((type_, target), ()))
        if fuzzy:
            for index in self._org_names.matches(target, ratio, 100 * ORG_MIN - 0.01):
                found.add(self._org_rows[index])
        return found


def _is_media_descriptor(name: str) -> bool:
    words = fold(name).split()
    return bool(words) and words[-1] in _DESCRIPTOR_WORDS and "state" in words


_MEDIA_WORDS = ("broadcaster", "television", "télévision", "tv", "télé", "tele", "channel",
                "radio", "broadcasting")


def _is_broadcaster(registry: Registry, mention: Mention) -> bool:
    """A named broadcaster: by its gazetteer kind, or by a media word in its name."""
    actor = registry.actors.get(mention.actor or "")
    if actor is None or actor.type != "Organization" or mention.kind == "description":
        return False
    entry = registry.gazetteer.get(actor.gazetteer_key) if actor.gazetteer_key else None
    described = (entry.kind or "") if entry else mention.name
    words = fold(described).replace("-", " ").split()
    return any(word in _MEDIA_WORDS for word in words)


def _all_mentions(extraction: Extraction) -> Iterator[Mention]:
    """Every mention object an extraction refers to, each once."""
    seen: set[int] = set()
    pool: list[Mention] = list(extraction.mentions)
    pool += [role.holder for role in extraction.roles]
    for claim in extraction.claims:
        pool += [claim.claimant, *claim.about]
    for recognition in extraction.recognitions:
        pool += [recognition.recognizer, recognition.recognized]
    for mention in pool:
        if id(mention) not in seen:
            seen.add(id(mention))
            yield mention
