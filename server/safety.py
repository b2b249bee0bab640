"""Parse SPARQL with rdflib before it runs, and refuse what would make the server reach out.

pyoxigraph evaluates ``SERVICE`` with its own HTTP client and ``LOAD`` fetches
its IRI, so both are refused on the parse tree (keywords are case-insensitive,
``SERVICE SILENT`` and ``SERVICE ?var`` exist: text search is not enough).
``FROM`` / ``FROM NAMED`` only ever name local graphs in pyoxigraph; an IRI
that names no graph of this store is refused so that a client never mistakes
it for a fetch that returned nothing.

The parse also tells the query form, which content negotiation needs. rdflib
knows SPARQL 1.1; a query that rdflib cannot parse is refused even where
pyoxigraph (which also reads SPARQL 1.2 drafts) would accept it.

The full parse costs 6-15 ms, more than most lookups take to run, so ``quick_form``
lets a query skip it when it cannot need it: no ``service``, ``from`` or ``\\u``
anywhere in its text (any case, even inside strings: a conservative test that no
escape or lexer subtlety can get round), few brackets, and a prologue of plain
BASE/PREFIX lines followed by the form's keyword. pyoxigraph then parses it once
as it runs; a query it refuses is parsed again here for rdflib's clearer message.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from server.errors import QueryRefused, QuerySyntaxError
from server.negotiation import QueryForm

FORMS: dict[str, QueryForm] = {"SelectQuery": "SELECT", "AskQuery": "ASK",
                               "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
NO_FETCH = "this endpoint never fetches data from other servers"
# Substrings (lower case) that send a query through the full parse: SERVICE and FROM are
# what it checks, and a \u escape could spell either (SPARQL expands escapes first).
FULL_PARSE_MARKS = ("service", "from", "\\u")
MAX_QUICK_BRACKETS = 256   # deeper queries get rdflib's "nested too deeply" answer
_IRIREF = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_PROLOGUE = re.compile(rf"(?:\s+|#[^\n]*(?:\n|$)|BASE\s*{_IRIREF}|PREFIX\s+[^\s:<>#]*:\s*{_IRIREF})*",
                       re.IGNORECASE)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:-])", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedQuery:
    """What the endpoint needs to know of a query before running it."""

    form: QueryForm
    from_graphs: tuple[str, ...]        # FROM, as absolute IRIs
    from_named_graphs: tuple[str, ...]  # FROM NAMED

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


def quick_form(text: str) -> QueryForm | None:
    """The form of a query that may run without the full parse (see the module note), or
    None when it needs it.

    >>> quick_form("PREFIX ex: <http://example.org/>\\nselect * { ?s ex:p ?o }")
    'SELECT'
    >>> quick_form("SELECT * FROM <http://example.org/g> { ?s ?p ?o }") is None
    True
    """
    lowered = text.lower()
    if any(mark in lowered for mark in FULL_PARSE_MARKS):
        return None
    if text.count("{") + text.count("(") > MAX_QUICK_BRACKETS:
        return None
    prologue = _PROLOGUE.match(text)
    form = _FORM.match(text, prologue.end() if prologue else 0)
    return form.group(1).upper() if form else None   # type: ignore[return-value]


def parse_query(text: str, *, base: str, prefixes: Mapping[str, str]) -> ParsedQuery:
    """Parse a query; refuse SERVICE and undeclared prefixes.

    Args:
        text: the query.
        base: the base IRI relative IRIs resolve against.
        prefixes: prefixes the query may use without declaring them.

    Raises:
        QuerySyntaxError: the query does not parse (400), with rdflib's message, or
            uses a prefix neither declared nor in ``prefixes``.
        QueryRefused: it uses SERVICE (400).
    """
    prologue, query = parse_checked(text, prefixes)
    resolved = translatePrologue(prologue, base, dict(prefixes))
    from_graphs, from_named = [], []
    # CompValue attributes are None when absent (its .get() would return the key itself).
    for clause in query.datasetClause or ():
        if clause.default is not None:
            from_graphs.append(str(resolved.absolutize(clause.default)))
        else:
            from_named.append(str(resolved.absolutize(clause.named)))
    return ParsedQuery(FORMS[query.name], tuple(from_graphs), tuple(from_named))


def parse_checked(text: str, prefixes: Mapping[str, str], *, update_hint: bool = True
                  ) -> tuple[ParseResults, CompValue]:
    """rdflib's parse of a query (prologue, query), with SERVICE and undeclared prefixes
    refused; shared by this endpoint's checks and those of a forwarding one (server.remote).

    Raises:
        QuerySyntaxError: the query does not parse (with a hint when it is an update and
            ``update_hint``), is nested too deeply, or uses an undeclared prefix.
        QueryRefused: it uses SERVICE.
    """
    try:
        prologue, query = parseQuery(text)
    except ParseBaseException as exc:
        hint = _update_hint(text) if update_hint else ""
        raise QuerySyntaxError(f"SPARQL syntax error: {exc}{hint}") from None
    except RecursionError:
        raise QuerySyntaxError("the query is nested too deeply to parse") from None
    _refuse_service(query)
    _refuse_undeclared_prefixes(prologue, query, prefixes)
    return prologue, query


def check_update(text: str) -> None:
    """Parse an update and refuse LOAD and SERVICE.

    Raises:
        QuerySyntaxError: the update does not parse (400).
        QueryRefused: it uses LOAD or SERVICE (400).
    """
    try:
        update = parseUpdate(text)
    except ParseBaseException as exc:
        raise QuerySyntaxError(f"SPARQL Update syntax error: {exc}") from None
    except RecursionError:
        raise QuerySyntaxError("the update is nested too deeply to parse") from None
    for node in tree_nodes(update):
        if node.name == "Load":
            raise QueryRefused(f"LOAD {_term_text(node.iri)} is refused: {NO_FETCH}")
    _refuse_service(update)


def refuse_unknown_graphs(iris: tuple[str, ...], is_local: Callable[[str], bool],
                          clause: str) -> None:
    """Refuse a FROM or FROM NAMED IRI that names no graph of this store.

    Raises:
        QueryRefused: ``is_local`` is false for one of ``iris`` (400).
    """
    for iri in iris:
        if not is_local(iri):
            raise QueryRefused(f"{clause} <{iri}> names no graph of this store, and {NO_FETCH}; "
                               "list the graphs with SELECT DISTINCT ?g { GRAPH ?g {} }")


def _refuse_undeclared_prefixes(prologue: ParseResults, query: CompValue,
                                prefixes: Mapping[str, str]) -> None:
    """Name an undeclared prefix plainly (pyoxigraph's message buries it in a list of tokens)."""
    declared = {decl.prefix or "" for decl in prologue if decl.name == "PrefixDecl"}
    for node in tree_nodes(query):
        if node.name == "pname" and (node.prefix or "") not in declared | prefixes.keys():
            raise QuerySyntaxError(
                f"SPARQL syntax error: undeclared prefix in {_term_text(node)}; declare it "
                f"with PREFIX {node.prefix or ''}: <namespace IRI> (predeclared: "
                f"{', '.join(sorted(prefixes))})")


def _refuse_service(tree: object) -> None:
    for node in tree_nodes(tree):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused(f"SERVICE {_term_text(node.term)} is refused: {NO_FETCH}")


def _term_text(term: object) -> str:
    """An IRI, variable or prefixed name of the parse tree as written in SPARQL."""
    if isinstance(term, CompValue):  # a prefixed name, not resolved at this stage
        return f"{term.prefix or ''}:{term.localname or ''}"
    return term.n3() if hasattr(term, "n3") else str(term)


def _update_hint(text: str) -> str:
    """A hint when a query that does not parse is an update sent as a query."""
    try:
        parseUpdate(text)
    except (ParseBaseException, RecursionError):
        return ""
    return " (this is a SPARQL Update: send it as update= or application/sparql-update)"


def tree_nodes(tree: object) -> Iterator[CompValue]:
    """Every CompValue of an rdflib parse tree, depth first."""
    if isinstance(tree, CompValue):
        yield tree
        children = tree.values()
    elif isinstance(tree, (list, tuple, ParseResults)):
        children = tree
    else:
        return
    for child in children:
        yield from tree_nodes(child)
