"""Plain dataclasses that the extractors find and the emitter turns into triples.

Finding (``kg.extract``) and emitting (``kg.emit``) are kept apart: extractors
return these records, never RDF, so each half can be tested alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ActorType = Literal["Person", "Organization", "State"]
ACTOR_TYPES: tuple[str, ...] = ("Person", "Organization", "State")


@dataclass(frozen=True, order=True)
class Span:
    """Characters ``text[begin:end]`` of an article's cleaned text (0-based, end exclusive)."""

    begin: int
    end: int
    text: str

    @classmethod
    def of(cls, text: str, begin: int, end: int) -> Span:
        """The span of ``text`` between two offsets, trimmed of surrounding whitespace."""
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        return cls(begin, end, text[begin:end])

    def within(self, other: Span) -> bool:
        return other.begin <= self.begin and self.end <= other.end

    def overlaps(self, other: Span) -> bool:
        return self.begin < other.end and other.begin < self.end


@dataclass
class Article:
    """One article as read from its source: cleaned body text plus metadata."""

    id: str                      # content hash; also the last segment of the article IRI
    source: str                  # file path or URL it was read from
    text: str                    # the cleaned text that every offset refers to
    title: str | None = None
    date: str | None = None      # ISO date or date-time, when the text states one
    authors: list[str] = field(default_factory=list)
    outlet: str | None = None
    url: str | None = None
    media_type: str = "text/plain"
    language: str | None = None
    body_start: int = 0          # where the body begins (after title/byline lines)


@dataclass
class Mention:
    """A name (or demonym, metonym, description) of an actor in an article."""

    span: Span
    name: str                    # the surface form, whitespace-normalised
    type: str                    # one of ACTOR_TYPES
    gazetteer_key: str | None = None   # key of the gazetteer entry when linked
    kind: str = "name"           # name | demonym | metonym | abbreviation | description | byline
    actor: str | None = None     # actor key, set by kg.resolve


@dataclass
class Role:
    """A job or role the article gives a person (``talk show host``)."""

    holder: Mention
    role: str
    span: Span


@dataclass
class Claim:
    """A statement the article attributes to an actor, with the exact supporting span."""

    claimant: Mention
    text: str                    # the claimed content, without the attribution
    evidence: Span               # the content's characters in the article
    about: list[Mention] = field(default_factory=list)
    cue: str = ""                # the speech verb or cue that introduced it
    kind: str = "quote"          # quote | reported | according_to | assessment | report
    negated: bool = False


@dataclass
class Recognition:
    """A state recognising another (self-proclaimed) state, as the article reports it."""

    recognizer: Mention
    recognized: Mention
    evidence: Span
    withdrawn: bool = False      # a withdrawal of recognition rather than a recognition


@dataclass
class Extraction:
    """Everything found in one article."""

    article: Article
    mentions: list[Mention] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    recognitions: list[Recognition] = field(default_factory=list)
    model: str = ""              # the NLP model name and version used
