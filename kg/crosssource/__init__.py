"""Across outlets: one statement, many reports, and what changed on the way.

``analyse(store, config)`` reads the articles and claims of the store, finds

* lineage (``nkg:derivedFrom`` / ``nkg:Derivation``): near copies, spun rewrites, quotations
  and shared sources, from MinHash LSH candidates (never all pairs of articles);
* statements (``nkg:Statement``): claims of one claimant in different articles that report
  one utterance;
* distortions (``nkg:Distortion``): a report that changes a fact of the statement relative to
  its source report (modality, entity swap, quantity, scope, negation, attribution);
* contradictions (``nkg:Contradiction``): assertions in two articles that cannot both hold;

and writes them into the named graph ``iris.graph("crosssource")``.

It is incremental: the LSH indexes, claim links and findings are kept in a sidecar file next
to the store (``<store>.crosssource.pickle``), so a run after new articles were built only
compares the new articles with their LSH candidates and the claims of their claimants, and
only rewrites the triples of findings that changed. A missing or stale sidecar (or a store
whose cross-source graph was dropped) makes the run start over from the whole store.
"""
from __future__ import annotations

import logging
import pickle
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.config import Config
from kg.crosssource import contradictions as contra
from kg.crosssource import emit
from kg.crosssource.corpus import actor_names, article_fingerprints, read_claims, read_docs
from kg.crosssource.distortions import find_attributions, find_distortions
from kg.crosssource.entities import EntityMatcher
from kg.crosssource.lineage import Body, LineageIndex, Signatures, classify, reduce
from kg.crosssource.model import (ClaimRecord, Contradiction, CrossReport, Derivation,
                                  Distortion, Doc, Statement)
from kg.crosssource.statements import StatementIndex
from kg.namespaces import Iris
from kg.store import KGStore

log = logging.getLogger(__name__)

STATE_VERSION = 3
SIDECAR_SUFFIX = ".crosssource.pickle"

__all__ = ["analyse", "CrossReport", "CrossState", "sidecar_path", "ANALYSIS_VERSION"]
ANALYSIS_VERSION = emit.ANALYSIS_VERSION


@dataclass
class CrossState:
    """Everything an incremental run needs from the runs before it."""

    version: int = STATE_VERSION
    run: str = field(default_factory=lambda: uuid.uuid4().hex)
    base: str = ""
    fingerprints: dict[str, str] = field(default_factory=dict)
    dates: dict[str, str | None] = field(default_factory=dict)
    lineage: LineageIndex = field(default_factory=LineageIndex)
    derivations: dict[frozenset[str], Derivation] = field(default_factory=dict)
    statements: StatementIndex = field(default_factory=StatementIndex)
    claims: dict[str, ClaimRecord] = field(default_factory=dict)
    claims_by_article: dict[str, list[str]] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)
    statement_sets: dict[str, list[Statement]] = field(default_factory=dict)   # by claimant
    distortion_cache: dict[str, tuple[tuple, list[Distortion]]] = field(default_factory=dict)
    attribution_cache: dict[frozenset[str], list[Distortion]] = field(default_factory=dict)
    assertions: contra.AssertionIndex = field(default_factory=contra.AssertionIndex)
    contradictions: dict[str, Contradiction] = field(default_factory=dict)
    parallel: dict[frozenset[str], list[Contradiction]] = field(default_factory=dict)
    emitted: set[str] = field(default_factory=set)          # N-Triples lines in the graph
    lineage_comparisons: int = 0


def sidecar_path(config: Config, store: KGStore | None = None) -> Path | None:
    """Where the incremental state of a store lives (None for an in-memory store)."""
    path = store.path if store is not None and store.path is not None else None
    if store is not None and store.path is None:
        return None
    path = path or Path(config.store)
    return path.with_name(path.name + SIDECAR_SUFFIX)


_MEMORY_STATES: dict[int, CrossState] = {}


def _load_state(path: Path | None, store: KGStore, base: str) -> CrossState:
    state = None
    if path is None:
        state = _MEMORY_STATES.get(id(store))
    elif path.is_file():
        try:
            with path.open("rb") as handle:
                state = pickle.load(handle)
        except Exception as exc:  # a broken or foreign sidecar: start over
            log.warning("ignoring cross-source state %s: %s", path, exc)
            state = None
    if not isinstance(state, CrossState) or state.version != STATE_VERSION or state.base != base:
        return CrossState(base=base)
    return state


def _save_state(path: Path | None, store: KGStore, state: CrossState) -> None:
    if path is None:
        _MEMORY_STATES[id(store)] = state
        return
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(path)


def _graph_run(store: KGStore, iris: Iris) -> str | None:
    rows = store.select(f"""SELECT ?run WHERE {{ GRAPH <{iris.graph(emit.CROSSSOURCE_GRAPH)}> {{
        <{iris.node('analysis', 'crosssource')}> <http://purl.org/dc/terms/identifier> ?run }} }}""")
    return rows[0]["run"] if rows else None


def analyse(store: KGStore, config: Config, *, full: bool = False,
            state_path: Path | None | bool = True) -> CrossReport:
    """Bring the cross-source graph of ``store`` up to date with its articles.

    ``full`` ignores the saved state and analyses the whole store again. ``state_path``:
    True for the default sidecar next to the store, a path for another one, False or None to
    keep the state in memory only (tests).
    """
    started = time.perf_counter()
    iris = config.iris
    if state_path is True:
        path = sidecar_path(config, store)
    elif state_path:
        path = Path(state_path)
    else:
        path = None
    state = CrossState(base=config.base) if full else _load_state(path, store, config.base)
    report = CrossReport()
    if state.emitted and _graph_run(store, iris) != state.run:
        log.info("cross-source graph does not match the saved state: full analysis")
        state = CrossState(base=config.base)
    report.full_rebuild = not state.fingerprints

    current = article_fingerprints(store)
    removed = sorted(iri for iri, fp in state.fingerprints.items() if current.get(iri) != fp)
    added = sorted(iri for iri, fp in current.items() if state.fingerprints.get(iri) != fp)
    report.articles, report.added, report.removed = len(current), len(added), len(removed)

    touched_claimants: set[str] = set()
    changed_articles: set[str] = set(removed) | set(added)
    for iri in removed:
        touched_claimants |= _forget(state, iri)

    docs: dict[str, Doc] = {}
    bodies: dict[str, Body] = {}

    def doc(iri: str) -> Doc:
        if iri not in docs:
            docs.update(read_docs(store, [iri]))
        return docs[iri]

    def body(iri: str) -> Body:
        if iri not in bodies:
            bodies[iri] = Body.of(doc(iri).text)
        return bodies[iri]

    # ------------------------------------------------------------ lineage
    comparisons_before = state.statements.comparisons
    lineage_comparisons = 0
    new_pairs: list[frozenset[str]] = []
    for start in range(0, len(added), 200):
        docs.update(read_docs(store, added[start:start + 200]))
    for iri in added:
        state.fingerprints[iri] = current[iri]
        state.dates[iri] = doc(iri).date
        signatures = Signatures.of(body(iri))
        for other in sorted(state.lineage.candidates(iri, signatures)):
            lineage_comparisons += 1
            derivation = classify(doc(iri), doc(other), body(iri), body(other))
            if derivation is not None:
                pair = frozenset((iri, other))
                state.derivations[pair] = derivation
                new_pairs.append(pair)
        state.lineage.add(iri, signatures)
    state.lineage_comparisons += lineage_comparisons

    # ------------------------------------------------------------ claims and statements
    claims_new = read_claims(store, articles=added) if added else []
    by_article: dict[str, list[ClaimRecord]] = defaultdict(list)
    for claim in claims_new:
        by_article[claim.article].append(claim)
    for iri in added:
        mine = by_article.get(iri, [])
        state.claims_by_article[iri] = [c.iri for c in mine]
        for claim in mine:
            state.claims[claim.iri] = claim
            if contra.denied(claim, doc(iri).text):
                state.denied.add(claim.iri)
        touched_claimants |= state.statements.add_article(iri, mine, doc(iri))
    for claimant in touched_claimants:
        found = state.statements.statements(claimant)
        if found:
            state.statement_sets[claimant] = found
        else:
            state.statement_sets.pop(claimant, None)
    statements = [s for claimant in sorted(state.statement_sets)
                  for s in state.statement_sets[claimant]]
    statement_of = {claim: s.key for s in statements for claim in s.claims}

    # ------------------------------------------------------------ entity names
    involved = {state.claims[c].claimant for s in statements for c in s.claims
                if c in state.claims}
    matcher_articles = set(added) | {a for pair in new_pairs for a in pair}
    matcher = EntityMatcher(actor_names(store, involved | _mentioned(store, matcher_articles)))

    # ------------------------------------------------------------ distortions
    derivations = reduce(sorted(state.derivations.values(), key=lambda d: (d.copy, d.source)))
    kept_pairs = {frozenset((d.copy, d.source)) for d in derivations}
    sources: dict[str, list[str]] = defaultdict(list)
    for derivation in derivations:
        if derivation.directed:
            sources[derivation.copy].append(derivation.source)
    distortions: list[Distortion] = []
    cache: dict[str, tuple[tuple, list[Distortion]]] = {}
    for statement in statements:
        members = tuple(sorted(statement.claims))
        articles = sorted({state.claims[c].article for c in members if c in state.claims})
        signature = (members, tuple((a, tuple(sorted(sources.get(a, ())))) for a in articles))
        cached = state.distortion_cache.get(statement.key)
        if cached is not None and cached[0] == signature:
            found = cached[1]
        else:
            member_docs = {a: doc(a) for a in articles}
            found = find_distortions([statement], state.claims, member_docs, derivations,
                                     matcher)
        cache[statement.key] = (signature, found)
        distortions += found
    state.distortion_cache = cache

    for pair in list(state.attribution_cache):
        if pair not in kept_pairs:
            del state.attribution_cache[pair]
    for pair, derivation in state.derivations.items():
        if pair not in kept_pairs:
            continue
        if pair in state.attribution_cache and not pair & changed_articles:
            distortions += state.attribution_cache[pair]
            continue
        pair_claims = [state.claims[c] for a in pair for c in state.claims_by_article.get(a, [])]
        found = find_attributions(pair_claims, statement_of, {a: doc(a) for a in pair},
                                  [derivation], matcher)
        state.attribution_cache[pair] = found
        distortions += found

    # ------------------------------------------------------------ contradictions
    for iri in added:
        pairs = state.assertions.add(iri, contra.assertions(doc(iri), body(iri), matcher))
        for item in contra.from_assertions(pairs):
            state.contradictions[contra.contradiction_key(item)] = item
    for pair in list(state.parallel):
        if pair not in kept_pairs:
            del state.parallel[pair]
    for derivation in derivations:
        pair = frozenset((derivation.copy, derivation.source))
        if derivation.kind not in ("near_copy", "spun_rewrite") or pair in state.parallel:
            continue
        pair_claims = [state.claims[c] for a in pair for c in state.claims_by_article.get(a, [])]
        state.parallel[pair] = contra.in_parallel_sentences(
            doc(derivation.copy), doc(derivation.source), body(derivation.copy),
            body(derivation.source), pair_claims, matcher)
    if added:
        denial_claims = _denial_candidates(state, added)
        for item in contra.denials(denial_claims, {a: doc(a) for a in
                                                   {c.article for c in denial_claims}},
                                   statement_of):
            state.contradictions[contra.contradiction_key(item)] = item
    candidates = [*state.contradictions.values(),
                  *(c for found in state.parallel.values() for c in found)]
    contradictions = [c for c in contra.dedupe(candidates)
                      if not _within_one_statement(c, state, statement_of)]
    contradictions = _without_echoes(contradictions, derivations)

    # ------------------------------------------------------------ write
    report.lineage_comparisons = lineage_comparisons
    report.claim_comparisons = state.statements.comparisons - comparisons_before
    report.derivations = len(derivations)
    report.statements = len(statements)
    report.distortions = len(distortions)
    report.contradictions = len(contradictions)
    kinds: dict[str, int] = defaultdict(int)
    for item in distortions:
        kinds[f"distortion:{item.kind}"] += 1
    for item in derivations:
        kinds[f"derivation:{item.kind}"] += 1
    report.counts_by_kind = dict(sorted(kinds.items()))

    keyed = emit.keyed_triples(statements, derivations, distortions, contradictions, iris)
    lines = {emit.nt_line(t) for triples in keyed.values() for t in triples}
    state.run = uuid.uuid4().hex
    provenance = {emit.nt_line(t) for t in emit.provenance_triples(iris, state.run)}
    _write(store, iris, state, lines | provenance, report)
    store.flush()
    _save_state(path, store, state)
    report.seconds = time.perf_counter() - started
    return report


def _forget(state: CrossState, iri: str) -> set[str]:
    """Drop an article (removed from the store, or changed) from every index."""
    state.fingerprints.pop(iri, None)
    state.dates.pop(iri, None)
    state.lineage.remove(iri)
    for pair in [p for p in state.derivations if iri in p]:
        del state.derivations[pair]
        state.parallel.pop(pair, None)
        state.attribution_cache.pop(pair, None)
    for claim in state.claims_by_article.pop(iri, []):
        state.claims.pop(claim, None)
        state.denied.discard(claim)
    state.assertions.remove(iri)
    for key in [k for k, c in state.contradictions.items()
                if any(side.article == iri for side in c.sides)]:
        del state.contradictions[key]
    return state.statements.remove_article(iri)


def _mentioned(store: KGStore, articles: Iterable[str]) -> set[str]:
    articles = sorted(set(articles))
    found: set[str] = set()
    for start in range(0, len(articles), 200):
        values = " ".join(f"<{a}>" for a in articles[start:start + 200])
        rows = store.select(f"""SELECT DISTINCT ?e WHERE {{ VALUES ?a {{ {values} }}
            GRAPH ?a {{ ?a nkg:mentions ?e }} }}""")
        found |= {row["e"] for row in rows}
    return found


def _denial_candidates(state: CrossState, added: list[str]) -> list[ClaimRecord]:
    """The claims a denial check of the new articles needs: their claims, the denied claims
    elsewhere, and claims elsewhere that share words with a new denied claim."""
    new = {c for a in added for c in state.claims_by_article.get(a, [])}
    wanted = set(new) | set(state.denied)
    denied_new = [state.statements.claims[c] for c in new & state.denied
                  if c in state.statements.claims]
    if denied_new:
        for claim in state.statements.claims.values():
            if any(len(claim.stems & d.stems) >= 3 for d in denied_new):
                wanted.add(claim.iri)
    return [state.claims[c] for c in sorted(wanted) if c in state.claims]


def _without_echoes(items: list[Contradiction], derivations: list[Derivation]
                    ) -> list[Contradiction]:
    """Drop X–Y when Y is a near copy of Z and X–Z is already recorded (one conflict, once)."""
    source_of = {d.copy: d.source for d in derivations if d.kind == "near_copy"}

    def overlaps(a, b) -> bool:
        return a.article == b.article and a.begin < b.end and b.begin < a.end

    kept = []
    for item in items:
        echo = False
        for index, side in enumerate(item.sides):
            origin = source_of.get(side.article)
            if origin is None:
                continue
            other = item.sides[1 - index]
            echo = any(any(s.article == origin for s in o.sides)
                       and any(overlaps(s, other) for s in o.sides)
                       for o in items if o is not item)
            if echo:
                break
        if not echo:
            kept.append(item)
    return kept


def _within_one_statement(item: Contradiction, state: CrossState,
                          statement_of: dict[str, str]) -> bool:
    keys = []
    for side in item.sides:
        inside = {statement_of[c] for c in state.claims_by_article.get(side.article, [])
                  if c in statement_of and state.claims[c].begin <= side.end
                  and side.begin <= state.claims[c].end}
        keys.append(inside)
    return bool(keys[0] & keys[1])


def _write(store: KGStore, iris: Iris, state: CrossState, lines: set[str],
           report: CrossReport) -> None:
    graph = str(iris.graph(emit.CROSSSOURCE_GRAPH))
    if report.full_rebuild or not state.emitted:
        payload = "\n".join(sorted(lines))
        store.oxigraph.update(f"DROP SILENT GRAPH <{graph}> ;\n"
                              f"INSERT DATA {{ GRAPH <{graph}> {{\n{payload}\n}} }}")
        report.triples_added, report.triples_removed = len(lines), 0
    else:
        gone, new = state.emitted - lines, lines - state.emitted
        operations = []
        if gone:
            operations.append(f"DELETE DATA {{ GRAPH <{graph}> {{\n" + "\n".join(sorted(gone))
                              + "\n} }")
        if new:
            operations.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n" + "\n".join(sorted(new))
                              + "\n} }")
        if operations:
            store.oxigraph.update(" ;\n".join(operations))
        report.triples_added, report.triples_removed = len(new), len(gone)
    state.emitted = lines
