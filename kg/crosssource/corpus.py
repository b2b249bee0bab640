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
    for chunk in _chunks(sorted(set(iris))):
        # One branch per property: as OPTIONALs, pyoxigraph read the dates and titles of
        # every article in the store for each chunk (0.9 s per 200 articles at 10k).
        rows = store.select(f"""SELECT ?a ?text ?date ?title ?h ?pub WHERE {{ {_values('a', chunk)}
            {{ GRAPH ?a {{ ?a nif:isString ?text }} }}
            UNION {{ GRAPH ?a {{ ?a dcterms:date ?date }} }}
            UNION {{ GRAPH ?a {{ ?a dcterms:title ?title }} }}
            UNION {{ GRAPH ?a {{ ?a nkg:contentHash ?h }} }}
            UNION {{ GRAPH ?a {{ ?a dcterms:publisher|schema:publisher ?p .
                                 OPTIONAL {{ ?p rdfs:label ?plabel }}
                                 BIND (COALESCE(?plabel, STR(?p)) AS ?pub) }} }} }}""")
        found: dict[str, dict[str, set[str]]] = {}
        for row in rows:
            fields = found.setdefault(row["a"], {})
            for name, value in row.items():
                if name != "a":
                    fields.setdefault(name, set()).add(value)
        for iri, fields in found.items():
            if "text" not in fields:
                continue
            text = min(fields["text"])
            fingerprint = min(fields.get("h", ())) if fields.get("h") else (
                "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32])
            docs[iri] = Doc(iri, text, min(fields["date"]) if "date" in fields else None,
                            min(fields["title"]) if "title" in fields else None, fingerprint,
                            tuple(sorted(fields.get("pub", ()))))
    return docs


def read_claims(store: KGStore, articles: Iterable[str] | None = None,
                claimants: Iterable[str] | None = None) -> list[ClaimRecord]:
    """Claims with their first evidence span, of some articles or of some claimants (or all)."""
    pattern = """GRAPH ?a { ?c a nkg:Claim ; nkg:claimant ?who ; nkg:evidence ?s .
          OPTIONAL { ?c nkg:text ?text }
          ?s nif:beginIndex ?b ; nif:endIndex ?e ; nif:anchorOf ?anchor . }"""
    wanted_articles = None if articles is None else set(articles)
    wanted_claimants = None if claimants is None else set(claimants)
    blocks: list[str] = []
    # pyoxigraph reads every claim of the store for each VALUES block, so many articles or
    # claimants are read in one pass over all claims and filtered here (linear, not N²)
    if wanted_articles is not None and len(wanted_articles) <= _CHUNK:
        blocks.append(_values("a", sorted(wanted_articles)))
    if wanted_claimants is not None and len(wanted_claimants) <= _CHUNK:
        blocks.append(_values("who", sorted(wanted_claimants)))
    if not blocks:
        blocks = [""]
    seen: dict[str, ClaimRecord] = {}
    for block in blocks:
        rows = store.select(f"SELECT ?c ?a ?who ?text ?b ?e ?anchor WHERE {{ {block} {pattern} }}")
        for row in rows:
            if not ((wanted_articles is not None and row["a"] in wanted_articles) or
                    (wanted_claimants is not None and row["who"] in wanted_claimants) or
                    (wanted_articles is None and wanted_claimants is None)):
                continue
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
    # The type is asked in the graph of the name (the actor's record): asked anywhere, every
    # article graph that types the actor would repeat its names (15 s for 1k articles).
    pattern = """GRAPH ?g { ?e rdfs:label|skos:altLabel ?name }
        FILTER EXISTS { GRAPH ?g { ?e a ?t }
                        FILTER (?t IN (nkg:Person, nkg:Organization, nkg:State)) }"""
    blocks = [""] if actors is None else [_values("e", chunk)
                                          for chunk in _chunks(sorted(set(actors)))]
    names: dict[str, set[str]] = {}
    for block in blocks:
        for row in store.select(f"SELECT DISTINCT ?e ?name WHERE {{ {block} {pattern} }}"):
            names.setdefault(row["e"], set()).add(row["name"])
    return names


__all__ = ["article_fingerprints", "read_docs", "read_claims", "actor_names"]
