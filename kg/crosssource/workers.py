"""Lineage verification in worker processes: the same verdicts as in one process, sooner.

The lineage stage of an analysis is pure computation on texts: each new article's
signatures, then ``classify`` against each of its candidates. Only the choice of candidates
depends on the articles indexed before it, so the driver keeps that (in input order) and
hands the rest to ``jobs`` processes, collecting the verdicts in input order.
"""
from __future__ import annotations

import multiprocessing
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from kg.crosssource.lineage import Body, Signatures, boilerplate_hashes, classify
from kg.crosssource.model import Derivation, Doc

# Below this many new articles a worker start (~0.5 s each) costs more than it saves.
MIN_ARTICLES_FOR_WORKERS = 300
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

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` (``signatures_of`` or ``verdicts``), in a worker when there are
        workers; ``.get()`` the result."""
        if self._pool is None:
            return _Done(function(*args, body=self._body))
        return self._pool.apply_async(function, args)
