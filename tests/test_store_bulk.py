"""``KGStore.bulk_load`` and ``kg load``: chunked, threaded N-Quads loads give the same store."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.errors import StoreError
from kg.store import KGStore

KG = [sys.executable, "-m", "kg.cli"]


@pytest.fixture(scope="module")
def seed_nquads(seed_build, tmp_path_factory) -> Path:
    """The seed store exported as N-Quads (with the ontology graph's blank nodes)."""
    _, store, _ = seed_build
    path = tmp_path_factory.mktemp("bulk") / "seeds.nq"
    store.export("nq", path)
    return path


def _quads(store: KGStore) -> set[str]:
    """The quads without blank nodes, as N-Quads lines."""
    return {str(q) for q in store.oxigraph
            if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}


def _graph(store: KGStore, name: str) -> Graph:
    data = store.oxigraph.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))
    return Graph().parse(data=data.decode("utf-8"), format="nt")


@pytest.mark.parametrize("threads", [1, 3])
def test_bulk_load_in_small_chunks_gives_the_exported_store(seed_build, seed_nquads, tmp_path,
                                                            threads):
    _, original, _ = seed_build
    with KGStore(tmp_path / "copy") as copy:
        # 4 KB chunks: dozens of chunks, so the threads really interleave.
        count = copy.bulk_load([seed_nquads], threads=threads, chunk_bytes=4096)
        assert count == len(original) == len(copy)
        assert _quads(copy) == _quads(original)
        assert copy.named_graphs() == original.named_graphs()
        # Blank nodes (the ontology's OWL lists) keep their identity: one load per file.
        ontology = next(g for g in original.named_graphs() if g.endswith("/ontology"))
        assert isomorphic(_graph(copy, ontology), _graph(original, ontology))


def test_bulk_load_names_the_file_and_line_of_a_syntax_error(seed_nquads, tmp_path):
    lines = seed_nquads.read_bytes().splitlines(keepends=True)
    clean = [line for line in lines if b"_:" not in line][:300]
    clean[200] = b"<http://example.org/s> <http://example.org/p> not-a-term .\n"
    broken = tmp_path / "broken.nq"
    broken.write_bytes(b"".join(clean))
    with KGStore(tmp_path / "store") as store:
        with pytest.raises(StoreError, match=r"broken\.nq line 201: not N-Quads"):
            store.bulk_load([broken], threads=2, chunk_bytes=2048)


def test_bulk_load_of_a_missing_file_is_a_store_error(tmp_path):
    with KGStore(tmp_path / "store") as store:
        with pytest.raises(StoreError, match="cannot read .*absent.nq"):
            store.bulk_load([tmp_path / "absent.nq"])


def test_kg_load_restores_an_export_and_reports_the_count(seed_build, seed_nquads, tmp_path):
    _, original, _ = seed_build
    target = tmp_path / "restored"
    done = subprocess.run([*KG, "load", str(seed_nquads), "--store", str(target)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"loaded {len(original):,} quads from 1 file(s)" in done.stderr
    with KGStore(target, read_only=True) as restored:
        assert _quads(restored) == _quads(original)


def test_kg_load_of_a_bad_file_exits_2_naming_the_line(tmp_path):
    bad = tmp_path / "bad.nq"
    bad.write_text("<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n"
                   "<http://example.org/s> <http://example.org/p> oops .\n", encoding="utf-8")
    done = subprocess.run([*KG, "load", str(bad), "--store", str(tmp_path / "s")],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "bad.nq line 2: not N-Quads" in done.stderr
    assert "Traceback" not in done.stderr


def test_article_writes_reach_disk_every_flush_every_triples(tmp_path, monkeypatch):
    """RocksDB memtables are written out after FLUSH_EVERY_TRIPLES triples, so a long build
    does not hold gigabytes of them: with a bound of one article, every write adds tables
    on disk (RocksDB may also flush on its own when other stores in the process hold
    memory, so the test asks for a flush per write, which it would not do by itself)."""
    import kg.store
    from rdflib import Literal, URIRef

    def article(number: int) -> Graph:
        graph = Graph()
        node = URIRef(f"urn:test:article:{number}")
        for index in range(20):
            graph.add((node, URIRef(f"urn:test:p{index}"), Literal(f"value {number} {index}")))
        return graph

    def tables(path: Path) -> int:
        return len(list(path.glob("*.sst")))

    monkeypatch.setattr(kg.store, "FLUSH_EVERY_TRIPLES", 20)
    path = tmp_path / "store"
    store = KGStore(path)
    store.flush()              # what the store writes when it is created is on disk first
    counts = [tables(path)]
    for number in range(5):
        store.write_article(f"urn:test:article:{number}", article(number), "urn:test:entities",
                            Graph())
        counts.append(tables(path))
    assert all(after > before for before, after in zip(counts, counts[1:])), counts
    assert len(store) == 100
    store.close()


def test_kg_load_lenient_restores_the_same_and_still_names_broken_lines(seed_build, seed_nquads,
                                                                       tmp_path):
    _, original, _ = seed_build
    target = tmp_path / "restored"
    done = subprocess.run([*KG, "load", "--lenient", str(seed_nquads), "--store", str(target)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with KGStore(target, read_only=True) as restored:
        assert _quads(restored) == _quads(original)
    bad = tmp_path / "bad.nq"
    bad.write_text("<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n"
                   "<http://example.org/s> <http://example.org/p> oops .\n", encoding="utf-8")
    done = subprocess.run([*KG, "load", "--lenient", str(bad), "--store", str(tmp_path / "s")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "bad.nq line 2: not N-Quads" in done.stderr
