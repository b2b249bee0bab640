"""Reading what the cross-article layer needs from the store, through SPARQL only."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

from kg.crosssource.model import ClaimRecord, Doc
from kg.store import KGStore

_CHUNK = 200   # IRIs per VALUES block


def _values(name: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{name} {{ {' '.join(f'<{i}>' for i in iris)} }}"


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def article_fingerprints(store: KGStore) -> dict[str, str]:
    """Every article graph's IRI with its content hash (a hash of its text when it has none)."""
    rows = store.select("""SELECT ?a ?h WHERE { GRAPH ?a { ?a a nkg:Article .
        OPTIONAL { ?a nkg:contentHash ?h } } }""")
    found = {row["a"]: row.get("h", "") for row in rows}
    missing = [iri for iri, value in found.items() if not value]
    for chunk in _chunks(sorted(missing)):
        for row in store.select(f"""SELECT ?a ?text WHERE {{ {_values('a', chunk)}
                GRAPH ?a {{ ?a nif:isString ?text }} }}"""):
            found[row["a"]] = "sha256:" + hashlib.sha256(row["text"].encode()).hexdigest()[:32]
    return found


def read_docs(store: KGStore, iris: Iterable[str]) -> dict[str, Doc]:
    """The articles ``iris`` with text, date, title and publisher names."""
    docs: dict[str, Doc] = {}
    fingerprints = {}
    wanted = sorted(set(iris))
    for chunk in _chunks(wanted):
        rows = store.select(f"""SELECT ?a ?text ?date ?title ?h ?pub WHERE {{ {_values('a', chunk)}
            GRAPH ?a {{ ?a nif:isString ?text .
              OPTIONAL {{ ?a dcterms:date ?date }} OPTIONAL {{ ?a dcterms:title ?title }}
              OPTIONAL {{ ?a nkg:contentHash ?h }}
              OPTIONAL {{ ?a dcterms:publisher|schema:publisher ?p .
                         OPTIONAL {{ ?p rdfs:label ?plabel }}
                         BIND (COALESCE(?plabel, STR(?p)) AS ?pub) }} }} }}""")
        outlets: dict[str, set[str]] = {}
        for row in rows:
            if row["a"] not in docs:
                text = row["text"]
                fingerprints[row["a"]] = row.get("h") or (
                    "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32])
                docs[row["a"]] = Doc(row["a"], text, row.get("date"), row.get("title"),
                                     fingerprints[row["a"]])
            if row.get("pub"):
                outlets.setdefault(row["a"], set()).add(row["pub"])
        for iri, names in outlets.items():
            doc = docs[iri]
            docs[iri] = Doc(doc.iri, doc.text, doc.date, doc.title, doc.fingerprint,
                            tuple(sorted(names)))
    return docs


def read_claims(store: KGStore, articles: Iterable[str] | None = None,
                claimants: Iterable[str] | None = None) -> list[ClaimRecord]:
    """Claims with their first evidence span, of some articles or of some claimants (or all)."""
    pattern = """GRAPH ?a { ?c a nkg:Claim ; nkg:claimant ?who ; nkg:evidence ?s .
          OPTIONAL { ?c nkg:text ?text }
          ?s nif:beginIndex ?b ; nif:endIndex ?e ; nif:anchorOf ?anchor . }"""
    blocks: list[str] = []
    if articles is not None:
        blocks += [_values("a", chunk) for chunk in _chunks(sorted(set(articles)))]
    if claimants is not None:
        blocks += [_values("who", chunk) for chunk in _chunks(sorted(set(claimants)))]
    if articles is None and claimants is None:
        blocks = [""]
    seen: dict[str, ClaimRecord] = {}
    for block in blocks:
        rows = store.select(f"SELECT ?c ?a ?who ?text ?b ?e ?anchor WHERE {{ {block} {pattern} }}")
        for row in rows:
            try:
                begin, end = int(row["b"]), int(row["e"])
            except ValueError:
                continue
            record = ClaimRecord(row["c"], row["a"], row["who"], row.get("text") or row["anchor"],
                                 begin, end, row["anchor"])
            previous = seen.get(record.iri)
            # a claim with several spans: keep the earliest, so every run picks the same one
            if previous is None or (record.begin, record.end) < (previous.begin, previous.end):
                seen[record.iri] = record
    return sorted(seen.values(), key=lambda c: (c.article, c.begin, c.end, c.iri))


def actor_names(store: KGStore, actors: Iterable[str] | None = None) -> dict[str, set[str]]:
    """Labels and alternative labels of actors (all, or those given)."""
    block = "" if actors is None else _values("e", sorted(set(actors)))
    rows = store.select(f"""SELECT ?e ?name WHERE {{ {block}
        ?e rdfs:label|skos:altLabel ?name .
        ?e a ?t . VALUES ?t {{ nkg:Person nkg:Organization nkg:State }} }}""")
    names: dict[str, set[str]] = {}
    for row in rows:
        names.setdefault(row["e"], set()).add(row["name"])
    return names


__all__ = ["article_fingerprints", "read_docs", "read_claims", "actor_names"]
