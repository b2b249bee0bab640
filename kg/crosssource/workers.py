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

from kg.crosssource.lineage import Body, Signatures, classify
from kg.crosssource.model import Derivation, Doc

# Below this many new articles a worker start (~0.5 s each) costs more than it saves.
MIN_ARTICLES_FOR_WORKERS = 300
BODIES_PER_WORKER = 4096      # bodies a worker remembers (candidates recur across articles)

_bodies: OrderedDict[str, Body] = OrderedDict()


def _body(doc: Doc) -> Body:
    body = _bodies.get(doc.iri)
    if body is None:
        body = _bodies[doc.iri] = Body.of(doc.text)
        if len(_bodies) > BODIES_PER_WORKER:
            _bodies.popitem(last=False)
    else:
        _bodies.move_to_end(doc.iri)
    return body


def signatures_of(doc: Doc) -> Signatures:
    """The LSH signatures of one article (in a worker)."""
    return Signatures.of(_body(doc))


def verdicts(doc: Doc, others: Sequence[Doc], boilerplate: frozenset[tuple[str, ...]]
             ) -> list[Derivation | None]:
    """``classify`` of ``doc`` against each of ``others``, in order (in a worker)."""
    body = _body(doc)
    return [classify(doc, other, body, _body(other), boilerplate) for other in others]


class _Done:
    """A result computed in this process, with the ``get`` of an async result."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self) -> Any:
        return self.value


class LineageWorkers:
    """``jobs`` processes for lineage (started on first use), or this process when jobs is 1."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: Any = None

    def __enter__(self) -> LineageWorkers:
        if self.jobs > 1:
            # spawn, not fork: the parent holds an open store and its native threads
            self._pool = multiprocessing.get_context("spawn").Pool(self.jobs)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)``, in a worker when there are workers; ``.get()`` the result."""
        if self._pool is None:
            return _Done(function(*args))
        return self._pool.apply_async(function, args)
