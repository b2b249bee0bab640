"""An analysis's pure computations in worker processes: the same results as in one process,
sooner.

The lineage stage is pure computation on texts: each new article's signatures, then
``classify`` against each of its candidates. Only the choice of candidates depends on the
articles indexed before it, so the driver keeps that (in input order) and hands the rest to
``jobs`` processes, collecting the verdicts in input order. Later stages hand over what is
independent the same way: the distortions between each report and its original, each new
article's count assertions and the parallel sentences of each copy and its source; the
driver keeps what depends on order (the indexes).
"""
from __future__ import annotations

import multiprocessing
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from kg.crosssource.contradictions import Assertion, assertions, in_parallel_sentences
from kg.crosssource.distortions import distortions_between
from kg.crosssource.entities import EntityMatcher
from kg.crosssource.lineage import Body, Signatures, boilerplate_hashes, classify
from kg.crosssource.model import ClaimRecord, Contradiction, Derivation, Distortion, Doc

# Below this many new articles a worker start (~0.5 s each) costs more than it saves.
MIN_ARTICLES_FOR_WORKERS = 300
# Work per task in the later stages: each task also carries the actor names (MatcherSpec).
PAIRS_PER_TASK = 512                 # report pairs (distortions) or copy pairs (parallels)
ASSERTION_ARTICLES_PER_TASK = 128    # articles whose count assertions are found
# Bodies a worker remembers (candidates recur across articles): ~30 KB each, so at most
# ~0.5 GB per worker. With 4096, a 10k-article analysis computed each body ~3 times per worker
# (lineage 134-145 s, workers' CPU 199-218 s; with all remembered 111 s, 156 s).
BODIES_PER_WORKER = 16384

_bodies: OrderedDict[str, Body] = OrderedDict()
# The new articles of this analysis, handed to each worker once when it starts: tasks then
# name them by IRI instead of carrying ~24 texts each (other articles come as Docs).
_known: dict[str, Doc] = {}

DocRef = Doc | str    # a Doc, or the IRI of one of the worker's known Docs


def _init_worker(known: list[Doc]) -> None:
    _known.update((doc.iri, doc) for doc in known)


def _doc(ref: DocRef) -> Doc:
    return _known[ref] if isinstance(ref, str) else ref


def _body(doc: Doc) -> Body:
    body = _bodies.get(doc.iri)
    if body is None:
        body = _bodies[doc.iri] = Body.of(doc.text)
        if len(_bodies) > BODIES_PER_WORKER:
            _bodies.popitem(last=False)
    else:
        _bodies.move_to_end(doc.iri)
    return body


def signatures_of(ref: DocRef, body: Callable[[Doc], Body] = _body) -> Signatures:
    """The LSH signatures of one article (in a worker; ``body`` gives an article's body)."""
    return Signatures.of(body(_doc(ref)))


def verdicts(ref: DocRef, others: Sequence[DocRef],
             boilerplate: Sequence[Sequence[str]],
             body: Callable[[Doc], Body] = _body) -> list[Derivation | None]:
    """``classify`` of an article against each of ``others``, in order (in a worker), without
    the word runs of its ``boilerplate`` passages."""
    doc = _doc(ref)
    mine = body(doc)
    ignore = boilerplate_hashes(boilerplate)
    return [classify(doc, other, mine, body(other), ignore)
            for other in map(_doc, others)]


@dataclass(frozen=True)
class MatcherSpec:
    """What a task carries of the analysis's EntityMatcher: the actor names it is built
    from. A worker builds it once per ``key`` (pickling the matcher would carry the whole
    gazetteer with every task)."""

    key: str
    names: dict[str, set[str]]


_matcher: list[tuple[str, EntityMatcher]] = []   # in a worker: the current analysis's


def _matcher_of(spec: MatcherSpec | EntityMatcher) -> EntityMatcher:
    if isinstance(spec, EntityMatcher):
        return spec
    if not _matcher or _matcher[0][0] != spec.key:
        _matcher[:] = [(spec.key, EntityMatcher(spec.names))]
    return _matcher[0][1]


# A report, the report it is compared with, and their articles.
ReportPair = tuple[ClaimRecord, ClaimRecord, DocRef, DocRef]


def distortions_of(pairs: Sequence[ReportPair], matcher: MatcherSpec | EntityMatcher,
                   body: Callable[[Doc], Body] = _body) -> list[list[Distortion]]:
    """``distortions_between`` each report and its original, in order (in a worker)."""
    found = _matcher_of(matcher)
    out = []
    for member, original, new, old in pairs:
        docs = {member.article: _doc(new), original.article: _doc(old)}
        out.append(distortions_between(member, original, docs, found))
    return out


def assertions_of(refs: Sequence[DocRef], matcher: MatcherSpec | EntityMatcher,
                  body: Callable[[Doc], Body] = _body) -> list[list[Assertion]]:
    """The count assertions of each article, in order (in a worker)."""
    found = _matcher_of(matcher)
    return [assertions(doc, body(doc), found) for doc in map(_doc, refs)]


def parallels_of(items: Sequence[tuple[DocRef, DocRef, list[ClaimRecord]]],
                 matcher: MatcherSpec | EntityMatcher,
                 body: Callable[[Doc], Body] = _body) -> list[list[Contradiction]]:
    """``in_parallel_sentences`` of each (copy, source, their claims), in order (in a
    worker)."""
    found = _matcher_of(matcher)
    out = []
    for copy, source, claims in items:
        copy_doc, source_doc = _doc(copy), _doc(source)
        out.append(in_parallel_sentences(copy_doc, source_doc, body(copy_doc),
                                         body(source_doc), claims, found))
    return out


class _Done:
    """A result computed in this process, with the ``get`` of an async result."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self) -> Any:
        return self.value


class LineageWorkers:
    """``jobs`` processes for lineage, or this process when jobs is 1; ``known`` are the docs
    each worker receives once at start (tasks then name them by ``ref``). In this process,
    tasks take their bodies from ``body`` (the analysis's own, so none is computed twice)."""

    def __init__(self, jobs: int, known: Sequence[Doc] = (),
                 body: Callable[[Doc], Body] | None = None) -> None:
        self.jobs = jobs
        self.known = list(known)
        self._known_iris = {doc.iri for doc in self.known}
        self._body = body or _body
        self._pool: Any = None

    def __enter__(self) -> LineageWorkers:
        if self.jobs > 1:
            # spawn, not fork: the parent holds an open store and its native threads
            self._pool = multiprocessing.get_context("spawn").Pool(
                self.jobs, initializer=_init_worker, initargs=(self.known,))
        return self

    def ref(self, doc: Doc) -> DocRef:
        """What a task carries for ``doc``: its IRI when the workers know it, else the doc."""
        return doc.iri if self._pool is not None and doc.iri in self._known_iris else doc

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def matcher(self, matcher: EntityMatcher, names: dict[str, set[str]]
                ) -> MatcherSpec | EntityMatcher:
        """What tasks carry of ``matcher`` (built from ``names``): the matcher itself in this
        process, its names for workers."""
        return matcher if self._pool is None else MatcherSpec(uuid.uuid4().hex, names)

    def map(self, function: Callable[..., list], items: Sequence[Any], per_task: int,
            *args: Any) -> Iterator[Any]:
        """``function(chunk, *args)`` over ``items`` in chunks of ``per_task`` (a list of one
        result per item), the results in order, with a bounded window of tasks in flight."""
        # the build's bounded, ordered window (kg.pipeline imports this package)
        from kg.pipeline import WINDOW_PER_JOB, batches, in_order

        window = max(1, self.jobs) * WINDOW_PER_JOB
        for result in in_order(batches(items, per_task),
                               lambda chunk: self.submit(function, chunk, *args), window):
            yield from result.get()

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` (``signatures_of``, ``verdicts``, ``distortions_of``,
        ``assertions_of`` or ``parallels_of``), in a worker when there are workers; ``.get()``
        the result."""
        if self._pool is None:
            return _Done(function(*args, body=self._body))
        return self._pool.apply_async(function, args)
