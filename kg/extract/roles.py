"""Roles: the job or title an article gives a person.

Three shapes: a title before the name ("talk show host Pavel Smirnov"), an
apposition ("Anna Lind, the Swedish ambassador to Norway,"), and
a definite description standing for a person named just before ("the Russian
journalist said").
"""
from __future__ import annotations

import functools

from spacy.tokens import Span as SpacySpan
from spacy.tokens import Token

from kg.extract import ArticleContext
from kg.extract.actors import honorifics, titles
from kg.model import Mention, Role
from kg.namespaces import NKG

EMITS = frozenset({NKG.role})

_TITLE_POS = frozenset({"PROPN", "NOUN", "ADJ"})
_LINKING = frozenset({"of", "to", "for", "at", "on"})
_MAX_ROLE_TOKENS = 16


def is_title_word(token: Token) -> bool:
    """Whether a token is (the head of) a job title: a titles.txt entry ends with it."""
    word = token.text.lower().strip(".")
    return word in _title_heads()


@functools.lru_cache(maxsize=1)
def _title_heads() -> frozenset[str]:
    """Head nouns of the titles: "prime minister" → minister, "secretary of state" → secretary."""
    heads = set()
    for title in titles():
        words = title.split()
        linked = [i for i, w in enumerate(words) if w in _LINKING]
        heads.add(words[linked[0] - 1] if linked and linked[0] > 0 else words[-1])
    return frozenset(heads)


def extract(ctx: ArticleContext) -> list[Role]:
    """Roles of person mentions in the article body, one per (person, wording)."""
    roles: list[Role] = []
    for paragraph in ctx.body_paragraphs():
        doc = paragraph.doc
        if ctx.is_title_case(paragraph):
            continue  # headline case: "Analyst Says Minister Backs Deal" parses as titles
        for mention in [m for m in ctx.mentions if m.type == "Person" and m.kind == "name"]:
            local_begin = mention.span.begin - paragraph.offset
            if not 0 <= local_begin < len(doc.text):
                continue
            name = doc.char_span(local_begin, mention.span.end - paragraph.offset,
                                 alignment_mode="expand")
            if name is None:
                continue
            for found in (_title_before(ctx, name), _apposition(name)):
                if found is not None:
                    roles.append(Role(mention, found.text,
                                      ctx.span(paragraph, found.start_char, found.end_char)))
        roles += _descriptions(ctx, paragraph)
    return _distinct(roles)


def _title_before(ctx: ArticleContext, name: SpacySpan) -> SpacySpan | None:
    """The title phrase right before a name ("British Intelligence MI6 Chief")."""
    doc, start = name.doc, name.start
    while start > 0 and doc[start - 1].text.lower().rstrip(".") in honorifics() and \
            not is_title_word(doc[start - 1]):
        start -= 1  # "Mr" sits between a title and the name; it is not a role itself
    first = start
    other_people = [m.span for m in ctx.mentions if m.type == "Person"]
    while first > name.sent.start:
        token = doc[first - 1]
        position = ctx_offset(ctx, doc) + token.idx
        if any(span.begin <= position < span.end for span in other_people):
            break  # another person's name: the phrase belongs to them
        if token.pos_ in _TITLE_POS or token.text.isupper() and token.is_alpha or \
                token.like_num and first < start:
            first -= 1
        elif token.lower_ in _LINKING and first < start and first - 1 > name.sent.start \
                and doc[first - 2].pos_ in _TITLE_POS:
            first -= 1
        elif token.text == "-" and not token.whitespace_ and first < start and \
                first - 1 > name.sent.start and not doc[first - 2].whitespace_:
            first -= 1   # "UN Secretary-General António Guterres"
        else:
            break
    if first == start:
        return None
    phrase = doc[first:start]
    if not any(is_title_word(t) for t in phrase):
        return None
    while phrase and (phrase[0].lower_ in _LINKING or phrase[0].pos_ == "DET"):
        phrase = phrase[1:]
    return phrase if 0 < len(phrase) <= _MAX_ROLE_TOKENS else None


def ctx_offset(ctx: ArticleContext, doc) -> int:
    """The article offset of a paragraph's doc."""
    for paragraph in ctx.paragraphs:
        if paragraph.doc is doc:
            return paragraph.offset
    raise ValueError("doc is not a paragraph of this article")


def _apposition(name: SpacySpan) -> SpacySpan | None:
    """An apposition after the name: ", the Russian ambassador to North Korea," ."""
    doc = name.doc
    for token in name.root.children:
        if token.dep_ == "appos" and token.i >= name.end and is_title_word(token):
            subtree = list(token.subtree)
            phrase = doc[subtree[0].i:subtree[-1].i + 1]
            return _trim(phrase)
    # "Title X" with the name as the apposition of a title noun before it.
    head = name.root.head
    if name.root.dep_ == "appos" and head.i < name.start and is_title_word(head):
        subtree = [t for t in head.subtree if t.i < name.start]
        phrase = doc[subtree[0].i:subtree[-1].i + 1]
        return _trim(phrase)
    return None


# Prepositions that attach an affiliation or a place, not part of the title itself:
# "a sanctions expert at the Asan Institute" is a "sanctions expert".
_AFFILIATION = frozenset({"at", "with", "from", "in", "based"})


def _trim(phrase: SpacySpan) -> SpacySpan | None:
    while phrase and (phrase[0].pos_ in ("DET", "PUNCT") or phrase[0].lower_ in ("a", "an")):
        phrase = phrase[1:]
    cut = next((t.i for t in phrase if t.lower_ in _AFFILIATION and t.i > phrase.start), None)
    if cut is not None:
        phrase = phrase.doc[phrase.start:cut]
    while phrase and phrase[-1].pos_ == "PUNCT":
        phrase = phrase[:-1]
    if not phrase or len(phrase) > _MAX_ROLE_TOKENS or any(t.pos_ in ("VERB", "AUX")
                                                            for t in phrase):
        return None
    return phrase


def _descriptions(ctx: ArticleContext, paragraph) -> list[Role]:
    """'the Russian journalist said': a description as subject stands for the last person named."""
    roles: list[Role] = []
    for token in paragraph.doc:
        if token.dep_ != "nsubj" or not is_title_word(token) or token.ent_type_:
            continue
        subtree = list(token.subtree)
        first = subtree[0]
        if first.lower_ != "the" or any(t.ent_type_ == "PERSON" for t in subtree):
            continue
        phrase = _trim(paragraph.doc[first.i:subtree[-1].i + 1])
        if phrase is None:
            continue
        holder = last_person_before(ctx, paragraph.offset + first.idx)
        if holder is not None:
            roles.append(Role(holder, phrase.text,
                              ctx.span(paragraph, phrase.start_char, phrase.end_char)))
    return roles


def last_person_before(ctx: ArticleContext, position: int) -> Mention | None:
    """The person named last before a position in the body (bylines excluded)."""
    people = [m for m in ctx.mentions
              if m.type == "Person" and m.kind == "name" and m.span.end <= position]
    return people[-1] if people else None


def _distinct(roles: list[Role]) -> list[Role]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for role in roles:
        key = (role.holder.name.lower(), role.role.lower())
        if key not in seen:
            seen.add(key)
            kept.append(role)
    return kept

