"""The embedded store: pyoxigraph on disk, one named graph per article.

Queries see the union of all graphs as their default graph (QUERY-CONTRACT.md).
Every write that replaces a graph is one transaction, so a crash never leaves
an article half-written.
"""
from __future__ import annotations

import io
import os
import queue
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from rdflib import Dataset, Graph

from kg.errors import QueryError, StoreError
from kg.namespaces import DCTERMS, NKG, PREFIXES

EXPORT_FORMATS: dict[str, ox.RdfFormat] = {
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
QUAD_FORMATS = frozenset({"trig", "nq", "jsonld"})
BULK_CHUNK_BYTES = 8 << 20   # per bulk-load call, at least: bounds memory, keeps threads busy
BULK_CHUNK_MAX = 64 << 20    # ... and at most (pyoxigraph holds ~7x a chunk while loading it)
BULK_CHUNKS_PER_THREAD = 8   # a file is cut in about this many chunks per thread
# pyoxigraph's RocksDB keeps up to 128 MB of memtable per index (12 of them) before it
# writes any to disk, so a long build grew to gigabytes; flushing after this many triples
# keeps the writer's memory flat (~140 MB) at no measurable cost in speed.
FLUSH_EVERY_TRIPLES = 100_000
_LINE_IN_ERROR = re.compile(r"line (\d+)")
_POSITION = re.compile(r"^Parser error at line \d+ between columns \d+ and \d+: |\s*\(line \d+\)$")


@dataclass(frozen=True)
class StoredArticle:
    """What the store knows of an article already built: its graph and content hash."""

    iri: str
    source: str
    content_hash: str | None


class KGStore:
    """A pyoxigraph store with the newskg graph layout."""

    _unflushed = 0   # triples written since the last flush

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        """Open (or create) the store at ``path``; ``None`` keeps it in memory."""
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._store: ox.Store | None
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            mode = "read-only" if read_only else "read-write"
            raise StoreError(f"cannot open store {self.path} {mode}: {exc}") from exc

    def close(self) -> None:
        """Flush and release the store (RocksDB allows one writer per directory).

        Raises:
            StoreError: the flush failed (disk full, store directory made read-only); the
                store is released all the same.
        """
        if self._store is not None:
            store, self._store = self._store, None  # pyoxigraph closes the database when freed
            if self.path is not None and not self.read_only:
                try:
                    store.flush()
                except OSError as exc:
                    raise StoreError(f"cannot flush store {self.path}: {exc}") from exc

    def __enter__(self) -> KGStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            self.close()
        except StoreError:
            if exc_type is None:
                raise   # else the error on its way out (often the same full disk) says more

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for callers that need its full API."""
        return self._store

    # ------------------------------------------------------------ writing

    def put_graph(self, graph_iri: str, graph: Graph) -> None:
        """Replace the named graph ``graph_iri`` with ``graph`` in one transaction."""
        payload = graph.serialize(format="nt", encoding="utf-8")
        # DROP and INSERT DATA in one update: pyoxigraph applies an update atomically.
        update = (f"DROP SILENT GRAPH <{graph_iri}> ;\n"
                  f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{payload.decode('utf-8')}\n}} }}")
        try:
            self._store.update(update)
        except (OSError, SyntaxError) as exc:
            raise StoreError(f"cannot write graph <{graph_iri}> to {self.path}: {exc}") from exc

    def write_article(self, graph_iri: str, graph: Graph, entity_graph_iri: str,
                      records: Graph, drop: Iterable[str] = ()) -> None:
        """Replace an article's graph and its actors' records (and drop ``drop``) atomically."""
        operations = [f"DROP SILENT GRAPH <{iri}>" for iri in (graph_iri, *drop)]
        for subject in sorted({str(s) for s in records.subjects()}):
            operations.append(f"DELETE WHERE {{ GRAPH <{entity_graph_iri}> {{ <{subject}> ?p ?o }} }}")
        article_nt = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
        records_nt = records.serialize(format="nt", encoding="utf-8").decode("utf-8")
        operations.append(f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{article_nt}\n}}\n"
                          f"GRAPH <{entity_graph_iri}> {{\n{records_nt}\n}} }}")
        try:
            self._store.update(" ;\n".join(operations))  # one update: one transaction
        except (OSError, SyntaxError) as exc:
            raise StoreError(f"cannot write article graph <{graph_iri}> to {self.path}: {exc}"
                             ) from exc
        self._unflushed += len(graph) + len(records)
        if self._unflushed >= FLUSH_EVERY_TRIPLES:
            self.flush()

    def bulk_load(self, sources: Iterable[str | Path], *, threads: int | None = None,
                  chunk_bytes: int | None = None, lenient: bool = False) -> int:
        """Load N-Quads (or N-Triples) files fast, ``threads`` loaders side by side; the quad count.

        Files are read in chunks of about ``chunk_bytes`` (whole lines; by default
        ``chunk_size`` of the file) handed to pyoxigraph's bulk loader in ``threads``
        threads (it releases the GIL), so memory stays bounded by
        the chunks in flight. Lines with blank nodes are loaded together per file, since
        a blank-node label names one node only within one load. Not a transaction: meant
        for fresh stores, restores and shards; on a syntax error the store keeps what was
        loaded before it. ``lenient`` skips pyoxigraph's validation of IRIs and literals
        (faster parsing): for files newskg wrote itself (shards, exports), not others'.

        Raises:
            StoreError: a file cannot be read or is not N-Quads (file and line named), or
                the store cannot be written.
        """
        threads = max(1, threads or os.cpu_count() or 1)
        work: queue.Queue[tuple[str, int, bytes] | None] = queue.Queue(maxsize=2 * threads)
        errors: list[str] = []
        loaded = [0] * threads

        def loader(slot: int) -> None:
            while (item := work.get()) is not None:
                name, first_line, data = item
                if errors:
                    continue                       # drain the queue after a failure
                try:
                    self._store.bulk_load(input=data, format=ox.RdfFormat.N_QUADS,
                                          lenient=lenient)
                    loaded[slot] += data.count(b"\n")
                except SyntaxError as exc:
                    errors.append(_syntax_error(name, first_line, str(exc)))
                except OSError as exc:
                    errors.append(f"cannot bulk-load {name} into {self.path}: {exc}")

        workers = [threading.Thread(target=loader, args=(i,), name=f"bulk-load-{i}",
                                    daemon=True) for i in range(threads)]
        for worker in workers:
            worker.start()
        try:
            for source in sources:
                name = str(source)
                try:
                    size = chunk_bytes or chunk_size(Path(source).stat().st_size, threads)
                    for first_line, data in _nquad_chunks(Path(source), size):
                        if errors:
                            break
                        work.put((name, first_line, data))
                except OSError as exc:
                    errors.append(f"cannot read {name}: {exc}")
                if errors:
                    break
        finally:
            for _ in workers:
                work.put(None)
            for worker in workers:
                worker.join()
        if errors:
            raise StoreError(errors[0])
        self.flush()
        return sum(loaded)

    def remove_graph(self, graph_iri: str) -> None:
        """Drop a named graph (no error when it does not exist)."""
        try:
            self._store.update(f"DROP SILENT GRAPH <{graph_iri}>")
        except OSError as exc:
            raise StoreError(f"cannot remove graph <{graph_iri}> from {self.path}: {exc}") from exc

    def flush(self) -> None:
        """Write buffered changes to disk.

        Raises:
            StoreError: the write failed (disk full, store directory made read-only).
        """
        self._unflushed = 0
        if self.path is not None and not self.read_only:
            try:
                self._store.flush()
            except OSError as exc:
                raise StoreError(f"cannot flush store {self.path}: {exc}") from exc

    # ------------------------------------------------------------ reading

    def query(self, sparql: str, *, union: bool = True):
        """Run a SPARQL query; the default graph is the union of all graphs unless ``union`` is off."""
        try:
            return self._store.query(sparql, use_default_graph_as_union=union,
                                     prefixes={p: str(ns) for p, ns in PREFIXES.items()})
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc

    def select(self, sparql: str) -> list[dict[str, str]]:
        """SELECT results as plain dicts of variable name to lexical value."""
        solutions = self.query(sparql)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            rows.append({n: solution[n].value for n in names if solution[n] is not None})
        return rows

    def articles(self) -> Iterator[StoredArticle]:
        """Every article graph with its source and content hash."""
        rows = self.select(f"""SELECT ?a ?src ?h WHERE {{ GRAPH ?a {{
            ?a a <{NKG.Article}> ; <{DCTERMS.source}> ?src .
            OPTIONAL {{ ?a <{NKG.contentHash}> ?h }} }} }}""")
        for row in rows:
            yield StoredArticle(row["a"], row["src"], row.get("h"))

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    def graph_triples(self, graph_iri: str) -> Graph:
        """One named graph as an rdflib Graph (for validation and tests)."""
        data = self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph_iri))
        graph = Graph()
        graph.parse(data=data.decode("utf-8"), format="nt")
        return graph

    def __len__(self) -> int:
        return len(self._store)

    # ------------------------------------------------------------ export

    def export(self, fmt: str, output: IO[bytes] | str | Path) -> None:
        """Write the whole store (or, for triple formats, the union of graphs) to ``output``."""
        if fmt not in EXPORT_FORMATS:
            raise StoreError(f"unknown export format {fmt!r}; expected one of "
                             f"{', '.join(sorted(EXPORT_FORMATS))}")
        target = str(output) if isinstance(output, Path) else output
        prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
        if fmt in QUAD_FORMATS:
            self._store.dump(target, format=EXPORT_FORMATS[fmt], prefixes=prefixes
                             if fmt == "trig" else None)
            return
        # Triple formats cannot hold named graphs: write the union of all graphs.
        triples = self._store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                    use_default_graph_as_union=True)
        ox.serialize(triples, target, format=EXPORT_FORMATS[fmt], prefixes=prefixes
                     if fmt == "ttl" else None)

    def to_dataset(self) -> Dataset:
        """The whole store as an rdflib Dataset (small stores only: tests, validation)."""
        buffer = io.BytesIO()
        self._store.dump(buffer, format=ox.RdfFormat.N_QUADS)
        dataset = Dataset(default_union=True)
        dataset.parse(data=buffer.getvalue().decode("utf-8"), format="nquads")
        return dataset


def chunk_size(file_bytes: int, threads: int) -> int:
    """The bulk-load chunk for a file: ``BULK_CHUNKS_PER_THREAD`` per thread, within
    [``BULK_CHUNK_BYTES``, ``BULK_CHUNK_MAX``]. Every chunk becomes new files in the store that
    RocksDB later merges, so a big input in small chunks pays for hundreds of merges (10M
    triples in 8 MB chunks: 105 s, slower than one call)."""
    return max(BULK_CHUNK_BYTES, min(BULK_CHUNK_MAX,
                                     file_bytes // (threads * BULK_CHUNKS_PER_THREAD)))


def _nquad_chunks(path: Path, chunk_bytes: int) -> Iterator[tuple[int, bytes]]:
    """``path`` in chunks of whole lines, about ``chunk_bytes`` each, with their first line
    number; the lines that mention a blank node come last, as one chunk (numbered 0)."""
    blank: list[bytes] = []
    line = 1
    rest = b""
    with path.open("rb") as stream:
        while True:
            block = stream.read(chunk_bytes)
            data = rest + block
            if not block:
                cut = len(data)
            else:
                cut = data.rfind(b"\n") + 1
            chunk, rest = data[:cut], data[cut:]
            if chunk:
                if b"_:" in chunk:   # maybe a blank node ("_:" in a literal is harmless)
                    kept = []
                    for text in chunk.splitlines(keepends=True):
                        (blank if b"_:" in text else kept).append(text)
                    yield line, b"".join(kept)   # numbers are approximate in such a chunk
                else:
                    yield line, chunk
                line += chunk.count(b"\n")
            if not block:
                break
    if blank:
        yield 0, b"".join(blank)


def _syntax_error(name: str, first_line: int, message: str) -> str:
    """pyoxigraph's message about a chunk that starts at file line ``first_line``, with the
    line counted in the file (0: the chunk of blank-node lines, whose lines are scattered)."""
    found = _LINE_IN_ERROR.search(message)
    reason = _POSITION.sub("", message).strip()
    if first_line and found:
        return f"{name} line {first_line + int(found.group(1)) - 1}: not N-Quads: {reason}"
    return f"{name}: not N-Quads (in a line with a blank node): {reason}"
