"""Plain records of the cross-article layer: what is read from the store and what is found.

Finding (lineage, statements, distortions, contradictions) returns these records, never
RDF; ``kg.crosssource.emit`` alone turns them into triples.
"""
from __future__ import annotations

from dataclasses import dataclass, field

DISTORTION_KINDS = ("modality", "entity_swap", "quantity", "scope", "negation", "attribution")
DERIVATION_KINDS = ("near_copy", "spun_rewrite", "quotes_source", "shared_source")


@dataclass(frozen=True)
class Doc:
    """An article as stored: its IRI (= graph), text and the metadata lineage uses."""

    iri: str
    text: str
    date: str | None = None
    title: str | None = None
    fingerprint: str = ""        # content hash (or a hash of the text) to notice changes
    outlets: tuple[str, ...] = ()   # publisher names, when the store knows them


@dataclass(frozen=True)
class ClaimRecord:
    """One nkg:Claim with its evidence span."""

    iri: str
    article: str
    claimant: str
    text: str
    begin: int
    end: int
    anchor: str


@dataclass(frozen=True, order=True)
class Evidence:
    """Characters ``[begin, end)`` of an article's text, and those characters."""

    article: str
    begin: int
    end: int
    anchor: str


@dataclass(frozen=True)
class Derivation:
    """``copy`` derives from ``source``: near copy, spun rewrite, quotation or shared source."""

    copy: str
    source: str
    kind: str
    directed: bool               # False for shared_source (the direction is arbitrary)
    confidence: float = 0.0
    basis: str = ""              # how the direction was decided: date, containment, ...


@dataclass(frozen=True)
class Statement:
    """One utterance by one claimant, reported by claims in different articles."""

    key: str
    claimant: str
    claims: tuple[str, ...]      # claim IRIs, at most one per article


@dataclass(frozen=True)
class Distortion:
    """``claim`` departs from ``compared_to`` (another report of the same statement)."""

    claim: str
    compared_to: str
    kind: str
    evidence: Evidence           # the changed words, in the changed claim's article
    original: Evidence | None = None   # the words they replace, in the other article


@dataclass(frozen=True)
class Contradiction:
    """Two assertions in different articles that cannot both be true."""

    sides: tuple[Evidence, Evidence]
    topic: str = ""


@dataclass
class CrossReport:
    """What an analysis did: counts of findings and the work it took."""

    articles: int = 0
    added: int = 0
    removed: int = 0
    derivations: int = 0
    statements: int = 0
    distortions: int = 0
    contradictions: int = 0
    lineage_comparisons: int = 0     # article pairs verified in this run
    claim_comparisons: int = 0       # claim pairs compared in this run
    triples_added: int = 0
    triples_removed: int = 0
    seconds: float = 0.0
    full_rebuild: bool = False
    counts_by_kind: dict[str, int] = field(default_factory=dict)
    # seconds per stage: reading (state, fingerprints, removals), lineage (with reading the
    # new articles), statements, entities, distortions, contradictions, writing
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"{self.articles} articles ({self.added} new, {self.removed} removed): "
                f"{self.derivations} derivations, {self.statements} statements, "
                f"{self.distortions} distortions, {self.contradictions} contradictions; "
                f"{self.lineage_comparisons} article pairs and {self.claim_comparisons} claim "
                f"pairs compared in {self.seconds:.2f} s")


__all__ = ["Doc", "ClaimRecord", "Evidence", "Derivation", "Statement", "Distortion",
           "Contradiction", "CrossReport", "DISTORTION_KINDS", "DERIVATION_KINDS"]
