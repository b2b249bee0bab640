"""Extraction: one article in, plain findings out (mentions, roles, claims, recognitions).

Each extractor module exposes ``extract(ctx) -> list[...]`` and ``EMITS``, the
ontology terms its findings become. ``EXTRACTORS`` fixes their order: later ones
read what earlier ones found from the shared ``ArticleContext``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Span as SpacySpan
from spacy.tokens import Token

from kg.furniture import furniture_ranges, in_ranges
from kg.gazetteer import Gazetteer, default_gazetteer
from kg.model import Article, Extraction, Mention, Span
from kg.nlp import Paragraph, model_name, parse


@dataclass
class ArticleContext:
    """An article, its parse, its furniture and what extractors have found so far."""

    article: Article
    paragraphs: list[Paragraph]      # every line; furniture lines are tokenised only
    furniture: list[tuple[int, int]]
    gazetteer: Gazetteer
    mentions: list[Mention] = field(default_factory=list)
    speakers: list[Mention] = field(default_factory=list)   # claimants so far, in order
    extraction: Extraction | None = None

    @property
    def text(self) -> str:
        return self.article.text

    def is_furniture(self, begin: int, end: int) -> bool:
        return in_ranges(begin, end, self.furniture)

    def body_paragraphs(self) -> Iterator[Paragraph]:
        """Paragraphs that are article content, not page furniture."""
        for paragraph in self.paragraphs:
            end = paragraph.offset + len(paragraph.doc.text)
            if not self.is_furniture(paragraph.offset, end):
                yield paragraph

    def sentences(self) -> Iterator[tuple[Paragraph, SpacySpan]]:
        for paragraph in self.body_paragraphs():
            for sentence in paragraph.doc.sents:
                yield paragraph, sentence

    def is_title_case(self, paragraph: Paragraph) -> bool:
        """Whether a line is set in title case (a headline): its parse is unreliable."""
        words = [w for w in paragraph.doc.text.split() if w[:1].isalpha() and len(w) > 3]
        return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)

    def span(self, paragraph: Paragraph, begin_char: int, end_char: int) -> Span:
        """An article span from character offsets inside a paragraph's doc."""
        return Span.of(self.text, paragraph.offset + begin_char, paragraph.offset + end_char)

    def token_span(self, paragraph: Paragraph, first: Token, last: Token) -> Span:
        return self.span(paragraph, first.idx, last.idx + len(last.text))

    def mentions_in(self, begin: int, end: int) -> list[Mention]:
        """Mentions whose span lies inside ``[begin, end)``."""
        return [m for m in self.mentions if begin <= m.span.begin and m.span.end <= end]

    def mention_at(self, begin: int, end: int) -> Mention | None:
        """The longest mention overlapping ``[begin, end)``, if any."""
        found = [m for m in self.mentions if m.span.begin < end and begin < m.span.end]
        return max(found, key=lambda m: m.span.end - m.span.begin) if found else None

    def tokens_of(self, mention: Mention) -> SpacySpan | None:
        """The parsed tokens of a mention, from the paragraph that holds it."""
        for paragraph in self.paragraphs:
            local = mention.span.begin - paragraph.offset
            if 0 <= local < len(paragraph.doc.text):
                return paragraph.doc.char_span(local, mention.span.end - paragraph.offset,
                                               alignment_mode="expand")
        return None

    def add_mention(self, mention: Mention) -> Mention:
        """Add a mention unless one with the same span and type exists; return the kept one."""
        for existing in self.mentions:
            if existing.span == mention.span and existing.type == mention.type and \
                    existing.gazetteer_key == mention.gazetteer_key and \
                    existing.name == mention.name:
                return existing
        self.mentions.append(mention)
        self.mentions.sort(key=lambda m: (m.span.begin, m.span.end))
        return mention


def make_context(article: Article, nlp: Language, gazetteer: Gazetteer | None = None,
                 paragraphs: list[Paragraph] | None = None,
                 furniture: list[tuple[int, int]] | None = None) -> ArticleContext:
    """Find an article's furniture and parse the rest (unless ``paragraphs`` and
    ``furniture`` are given, from ``kg.nlp.parse_many``), ready for the extractors."""
    if furniture is None:
        furniture = furniture_ranges(article.text)
    if paragraphs is None:
        paragraphs = parse(nlp, article.text, furniture)
    return ArticleContext(article, paragraphs, furniture, gazetteer or default_gazetteer())


def _extractors() -> tuple[tuple[str, Callable[[ArticleContext], list]], ...]:
    from kg.extract import actors, claims, recognitions, roles

    return (("mentions", actors.extract), ("roles", roles.extract),
            ("claims", claims.extract), ("recognitions", recognitions.extract))


def extract(article: Article, nlp: Language, gazetteer: Gazetteer | None = None,
            paragraphs: list[Paragraph] | None = None,
            furniture: list[tuple[int, int]] | None = None) -> Extraction:
    """Run every extractor, in order, on one article (parsed here unless ``paragraphs``
    holds its parse, from ``kg.nlp.parse_many`` with ``furniture`` unparsed)."""
    ctx = make_context(article, nlp, gazetteer, paragraphs, furniture)
    extraction = Extraction(article=article, model=model_name(nlp))
    ctx.extraction = extraction
    for name, run in _extractors():
        setattr(extraction, name, run(ctx))
    # Claims and recognitions may add mentions (anonymous sources, described states).
    extraction.mentions = ctx.mentions
    return extraction


def finish(extraction: Extraction) -> Extraction:
    """Steps that need resolved actors: restatements of one actor's claim fold into one."""
    from kg.extract.claims import merge_restatements

    extraction.claims = merge_restatements(extraction.claims)
    return extraction
