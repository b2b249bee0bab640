"""Actor mentions: gazetteer names, demonyms and metonyms, spaCy persons and organisations.

The gazetteer wins where it overlaps a named-entity span (spaCy often types
self-proclaimed states as ORG or PERSON); capitals count only when used for
the government ("Moscow said", "Moscow's plans"), not as places.
"""
from __future__ import annotations

import functools
import json
import re

from spacy.tokens import Span as SpacySpan

from kg import resources
from kg.extract import ArticleContext
from kg.gazetteer import Hit, fold
from kg.model import ACTOR_TYPES, Mention, Span
from kg.namespaces import NKG

EMITS = frozenset({NKG.mentions, NKG.Person, NKG.Organization, NKG.State})

_POSSESSIVE = re.compile(r"(?:['\u2019]s?|\u2019)$")
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "poss", "csubj"})
_CAMEL_GLUE = re.compile(r"[a-z][A-Z]{2,}|[A-Z]{3,}[a-z]")
_NAME_TOKEN = re.compile(r"^[A-Z][\w'’.-]*$")


@functools.lru_cache(maxsize=1)
def filters() -> dict[str, frozenset[str]]:
    raw = json.loads(resources.data_file("name_filters.json").read_text(encoding="utf-8"))
    return {key: frozenset(value) for key, value in raw.items() if isinstance(value, list)}


@functools.lru_cache(maxsize=1)
def honorifics() -> frozenset[str]:
    try:
        return frozenset(h.lower().rstrip(".") for h in resources.lines("honorifics.txt"))
    except resources.KGError:
        return frozenset({"mr", "mrs", "ms", "dr", "sir", "prof"})


@functools.lru_cache(maxsize=1)
def titles() -> frozenset[str]:
    try:
        return frozenset(t.lower() for t in resources.lines("titles.txt"))
    except resources.KGError:
        return frozenset()


def clean_person_name(name: str) -> str:
    """A person's name without honorifics, possessive endings and extra spaces."""
    words = name.replace("\u00a0", " ").split()
    while words and words[0].lower().rstrip(".") in honorifics():
        words = words[1:]
    cleaned = " ".join(words)
    return _POSSESSIVE.sub("", cleaned).strip(" ,.;:")


def extract(ctx: ArticleContext) -> list[Mention]:
    """Every actor mention in the article body and byline."""
    paragraphs = list(ctx.body_paragraphs())
    hits_by_paragraph = [list(ctx.gazetteer.find(p.doc.text)) for p in paragraphs]
    unambiguous = {h.form.entry.key for hits in hits_by_paragraph for h in hits
                   if len(ctx.gazetteer.entries_for(h.text)) == 1}
    for paragraph, hits in zip(paragraphs, hits_by_paragraph):
        for hit in hits:
            entry = _entry_of(ctx, hit, unambiguous)
            if entry is None or entry.type not in ACTOR_TYPES:
                continue   # a region, or a name two entries share and nothing here decides
            if hit.form.kind == "metonym" and not _used_for_government(paragraph.doc, hit):
                continue
            if hit.doubtful and not _named_entity_at(paragraph.doc, hit):
                continue
            span = ctx.span(paragraph, hit.begin, hit.end)
            ctx.add_mention(Mention(span, span.text, entry.type, gazetteer_key=entry.key,
                                    kind=hit.form.kind))
        # Place names the gazetteer knows but that were not used for a government
        # (a capital as a place) must not come back as spaCy persons or organisations.
        blocked = [(h.begin, h.end) for h in hits]
        for ent in paragraph.doc.ents:
            if ent.label_ in ("PERSON", "ORG") and not _known_place(ctx, ent.text) and \
                    not _place_like(ent):
                _add_named_entity(ctx, paragraph, ent, blocked)
        _add_appositive_names(ctx, paragraph)
        _add_institutions(ctx, paragraph)
    _retype_surnames(ctx)
    _add_media_descriptors(ctx)
    _add_bylines(ctx)
    return ctx.mentions


def _named_entity_at(doc, hit: Hit) -> bool:
    """Whether spaCy sees a name where an ambiguous word opens a sentence ("Turkey said")."""
    span = doc.char_span(hit.begin, hit.end, alignment_mode="expand")
    return span is not None and any(t.ent_type_ in ("GPE", "NORP", "ORG", "PERSON", "LOC")
                                    for t in span)


def _entry_of(ctx: ArticleContext, hit: Hit, unambiguous: set[str]):
    """The entry a hit names; a shared name ("Congo") goes to the one named in full here."""
    entries = ctx.gazetteer.entries_for(hit.text)
    if len(entries) <= 1:
        return hit.form.entry
    named = [e for e in entries if e.key in unambiguous]
    return named[0] if len(named) == 1 else None


_GEOGRAPHIC_NOUNS = frozenset({"river", "sea", "lake", "mountains", "mountain", "valley", "region",
                               "province", "city", "town", "village", "island", "islands",
                               "peninsula", "strait", "gulf", "coast", "border", "desert",
                               "oblast", "district", "county", "airport", "port"})


def _place_like(ent: SpacySpan) -> bool:
    """An entity spaCy typed PERSON/ORG that reads as a place or a common word."""
    doc = ent.doc
    following = doc[ent.end] if ent.end < len(doc) else None
    if following is not None and following.lower_ in _GEOGRAPHIC_NOUNS:
        return True        # "the Dniester river"
    if len(ent) == 1 and ent[0].pos_ != "PROPN":
        return True        # "Turnout" opening a sentence
    previous = doc[ent.start - 1] if ent.start > 0 else None
    return previous is not None and previous.lower_ in ("of", "near", "in", "outside") and \
        ent.label_ == "ORG" and len(ent) == 1 and ent.start >= 2 and \
        doc[ent.start - 2].lower_ in ("west", "east", "north", "south", "town", "city")



def _add_appositive_names(ctx: ArticleContext, paragraph) -> None:
    """'Lee Ji-woo, a sanctions expert at …' / 'the de facto president, Badra Gunba,':
    proper nouns in apposition with a job title name a person, even when the NER missed it."""
    from kg.extract.roles import is_title_word

    doc = paragraph.doc
    for token in doc:
        if token.dep_ != "appos":
            continue
        title, name = (token, token.head) if is_title_word(token) else (token.head, token)
        if not is_title_word(title) or name.pos_ != "PROPN":
            continue
        chain = _proper_noun_chain(name)
        if len(chain) < 2:
            continue
        covering = [ctx.mention_at(paragraph.offset + t.idx, paragraph.offset + t.idx + len(t))
                    for t in chain]
        if any(m is not None for m in covering):
            # "Camilo Restrepo Lara, the foreign minister": a name the NER typed ORG
            for mention in {id(m): m for m in covering if m is not None}.values():
                if mention.type == "Organization" and not mention.gazetteer_key:
                    mention.type = "Person"
            continue
        span = ctx.token_span(paragraph, chain[0], chain[-1])
        ctx.add_mention(Mention(span, clean_person_name(span.text), "Person"))


def _proper_noun_chain(token) -> list:
    """The contiguous capitalised proper nouns ending at ``token`` (its compounds)."""
    from kg.extract.roles import is_title_word

    chain = [token]
    while chain[0].i > 0:
        previous = chain[0].nbor(-1)
        # A capitalised word the parser made part of the name ("Ryom Chol Jin", with
        # "Ryom" mistagged as a verb at the start of the sentence) belongs to it too.
        name_part = previous.pos_ == "PROPN" or (
            previous.dep_ == "compound" and previous.is_sent_start and previous.is_alpha)
        if name_part and previous.text[:1].isupper() and \
                not is_title_word(previous) and previous.lower_.rstrip(".") not in honorifics():
            chain.insert(0, previous)
        elif previous.text == "-" and chain[0].i > 1 and not previous.whitespace_:
            chain.insert(0, previous)
        else:
            break
    while chain and not chain[0].is_alpha:
        chain = chain[1:]
    return [t for t in chain]


# Institutions that speak for a state: "Georgia's foreign ministry", "the US Treasury".
_INSTITUTIONS = frozenset({"ministry", "treasury", "department", "embassy", "office"})


def _add_institutions(ctx: ArticleContext, paragraph) -> None:
    """A state's ministry ("Georgia's foreign ministry", "China's foreign ministry
    spokesman") is an organisation of its own, named with its state."""
    doc = paragraph.doc
    for token in doc:
        if token.lemma_.lower() not in _INSTITUTIONS:
            continue
        first = token
        while first.i > 0 and first.nbor(-1).dep_ in ("compound", "amod", "poss", "case") and \
                not first.nbor(-1).is_punct and first.nbor(-1).i >= token.sent.start:
            first = first.nbor(-1)
        if first.i == token.i:
            continue
        begin = paragraph.offset + first.idx
        states = [m for m in ctx.mentions_in(begin, paragraph.offset + token.idx)
                  if m.type == "State"]
        if not states or states[0].span.begin != begin or any(
                m.type == "Organization" for m in
                ctx.mentions_in(begin, paragraph.offset + token.idx + len(token))):
            continue
        last = token
        # "Colombia's Ministry of Foreign Affairs": a capitalised "of …" belongs to the name.
        if token.i + 2 < len(doc) and doc[token.i + 1].lower_ == "of" and \
                doc[token.i + 2].text[:1].isupper():
            last = doc[token.i + 2]
            while last.i + 1 < len(doc) and (doc[last.i + 1].text[:1].isupper() or
                                             doc[last.i + 1].lower_ in ("and", "of")) \
                    and doc[last.i + 1].is_alpha:
                last = doc[last.i + 1]
            while last.lower_ in ("and", "of"):
                last = doc[last.i - 1]
        span = ctx.token_span(paragraph, first, last)
        ctx.add_mention(Mention(span, span.text, "Organization", kind="description"))


def _retype_surnames(ctx: ArticleContext) -> None:
    """'Marsh told …' typed ORG by the NER is the surname of Helen Marsh, named before;
    'Equinor' typed PERSON in one sentence and ORG in others is an organisation."""
    from kg.resolve import same_surname

    people = [m for m in ctx.mentions if m.type == "Person" and len(m.name.split()) > 1]
    org_names = {fold(e.text) for p in ctx.body_paragraphs() for e in p.doc.ents
                 if e.label_ == "ORG"}
    for mention in ctx.mentions:
        if mention.gazetteer_key or mention.kind != "name":
            continue
        surname_of = any(same_surname(mention.name, p.name) for p in people)
        if mention.type == "Organization" and len(mention.name.split()) == 1 and surname_of:
            mention.type = "Person"
        elif mention.type == "Person" and not surname_of and fold(mention.name) in org_names \
                and not any(mention.name in p.name for p in people):
            mention.type = "Organization"


def _add_media_descriptors(ctx: ArticleContext) -> None:
    """'Russian state TV', 'state television': an unnamed broadcaster, resolved later."""
    heads = "|".join(sorted((re.escape(h) for h in filters()["state_media_heads"]),
                            key=len, reverse=True))
    pattern = re.compile(rf"\b(?:(?P<demonym>[A-Z][\w’'-]+(?: [A-Z][\w’'-]+)?)\s+)?"
                         rf"state[- ](?:{heads})\b", re.IGNORECASE)
    for paragraph in ctx.body_paragraphs():
        for found in pattern.finditer(paragraph.doc.text):
            begin, end = found.start(), found.end()
            demonym = found.group("demonym")
            if demonym and not any(f.kind == "demonym"
                                   for f in ctx.gazetteer.forms.get(fold(demonym), [])):
                begin = found.start() + len(demonym) + 1
            span = ctx.span(paragraph, begin, end)
            ctx.add_mention(Mention(span, span.text, "Organization", kind="description"))


def _known_place(ctx: ArticleContext, name: str) -> bool:
    """A region ("Donbas") or a short name kept for recognition contexts ("Donetsk")."""
    folded = fold(name.strip()).removeprefix("the ")
    return folded in _context_alias_index(ctx.gazetteer) or folded in _places()


@functools.lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    return frozenset(fold(line) for line in resources.lines("places.txt"))


@functools.lru_cache(maxsize=4)
def _context_alias_index(gazetteer) -> frozenset[str]:
    return frozenset(fold(alias) for entry in gazetteer.entries.values()
                     for alias in entry.context_aliases)


def _used_for_government(doc, hit: Hit) -> bool:
    """A capital names its government as a subject or possessor, or where spaCy sees an ORG."""
    span = doc.char_span(hit.begin, hit.end, alignment_mode="expand")
    if span is None:
        return False
    if any(token.ent_type_ == "ORG" for token in span):
        return True  # "the Kremlin", "the White House": institutions, not places
    root = span.root
    following = doc[span.end] if span.end < len(doc) else None
    return root.dep_ in _SUBJECT_DEPS or (following is not None and following.tag_ == "POS")


def _add_named_entity(ctx: ArticleContext, paragraph, ent: SpacySpan,
                      blocked: list[tuple[int, int]]) -> None:
    begin, end = ent.start_char, ent.end_char
    overlapping = [(b, e) for b, e in blocked if b < end and begin < e]
    if overlapping:
        # Keep the part of a span left of or right of a gazetteer name
        # ("UNICEF Tomas Verhoef" → "Tomas Verhoef"), when it still looks like a name.
        b, e = max(overlapping, key=lambda r: r[1])
        if e < end and ent.label_ == "PERSON":
            begin = e
        else:
            return
    text = paragraph.doc.text[begin:end]
    while text and not text[0].isalnum():
        begin, text = begin + 1, text[1:]
    if ent.label_ == "PERSON":
        _add_person(ctx, paragraph, begin, end, text)
    else:
        _add_organization(ctx, paragraph, begin, end, text)


def _add_person(ctx: ArticleContext, paragraph, begin: int, end: int, text: str) -> None:
    name = clean_person_name(text)
    words = name.split()
    if any(w.lower() in filters()["org_name_words"] for w in words[1:]):
        _add_organization(ctx, paragraph, begin, end, text)   # "National Cyber Security Centre"
        return
    if not words or not all(_NAME_TOKEN.match(w) for w in words) or _CAMEL_GLUE.search(name):
        return
    if name.lower() in filters()["not_person"] or name.lower() in titles():
        return
    if len(words) > 4:
        return
    offset = text.find(name) if name in text else 0
    start = begin + offset
    # The NER sometimes drops the first word of a name ("Ryom Chol Jin" → "Chol Jin").
    doc = paragraph.doc
    first = doc.char_span(start, start + len(name), alignment_mode="expand")
    if first is not None and first.start > 0:
        chain = _proper_noun_chain(doc[first.start])
        if len(chain) > 1 and not any(t.ent_type_ in ("GPE", "NORP", "ORG", "LOC")
                                      for t in chain[:-1]) and \
                not ctx.gazetteer.entries_for(chain[0].text):
            start = chain[0].idx
            name = doc.text[start:begin + offset + len(name)]
    span = ctx.span(paragraph, start, start + len(name))
    ctx.add_mention(Mention(span, name, "Person"))


def _add_organization(ctx: ArticleContext, paragraph, begin: int, end: int, text: str) -> None:
    name = _POSSESSIVE.sub("", text.strip()).strip(" ,.;:’'")
    words = name.split()
    if len(words) > 1 and words[0].lower().rstrip(".") in honorifics():
        _add_person(ctx, paragraph, begin, end, text)   # "Mr Petro" typed ORG
        return
    if not words or len(words) > 8 or _CAMEL_GLUE.search(name) or not name[:1].isupper():
        return
    lowered = [w.lower().strip("’'") for w in words]
    if lowered[-1] in filters()["event_heads"]:
        return
    if all(w in filters()["generic_org_words"] or ctx.gazetteer.lookup(w) or w == "the"
           for w in lowered):
        return
    if lowered[-1] in titles():
        return  # "Russian Military Expert" in a title-case headline is a person's title
    if len(words) == 1 and name.isupper() and len(name) <= 4 and \
            f"({name})" not in ctx.text and not any(
                initials(m.name) == name for m in ctx.mentions if m.type == "Organization"):
        return  # an unexplained short acronym ("BST", "GARY") is rarely an actor
    if lowered[0] == "the" and len(words) > 1:
        begin += text.find(words[1])
        name = " ".join(words[1:])
    else:
        begin += text.find(name)
    span = ctx.span(paragraph, begin, begin + len(name))
    ctx.add_mention(Mention(span, name, "Organization"))


_MINOR_WORDS = frozenset({"of", "for", "the", "and", "on", "in", "to", "&"})


def initials(name: str) -> str:
    """'National Cyber Security Centre' → 'NCSC', 'Institute for the Study of War' → 'ISW'."""
    return "".join(w[0] for w in name.replace("-", " ").split()
                   if w.lower() not in _MINOR_WORDS and w[:1].isalpha()).upper()


def _add_bylines(ctx: ArticleContext) -> None:
    """Bylined authors are mentioned persons, found where the byline names them."""
    for author in ctx.article.authors:
        position = ctx.text.find(author)
        if position < 0:
            continue
        span = Span(position, position + len(author), author)
        ctx.add_mention(Mention(span, clean_person_name(author), "Person", kind="byline"))
