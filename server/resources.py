"""Dereferenceable IRIs: every instance IRI under ``BASE_IRI`` resolves here, at its path.

``https://w3id.org/newskg/id/actor/anna-petrova`` is served at
``/actor/anna-petrova``: an HTML page for browsers, or by content
negotiation (or ``?format=ttl|jsonld|trig|nq|nt|rdfxml``) the triples about it
in RDF: every quad whose subject is the IRI, in any graph, with the blank
nodes they lead to and, for an article, the evidence spans named by a
fragment of its IRI (``<article#char=b,e>``). Dataset formats (TriG, N-Quads,
JSON-LD) keep the graph of each quad, which tells which article said it.
An IRI without any such triple is 404.

The path is read raw (``REQUEST_URI``), so a percent-encoded IRI
(``actor/a%20b``) matches itself; the decoded form is tried next, for IRIs with
non-ASCII letters that browsers percent-encode.
"""
from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from server.errors import NotFound
from server.examples import statement_query
from server.html import href
from server.lookup import Lookup, Resource
from server.negotiation import GRAPH_FORMATS, HTML, choose_media_type
from server.protocol import read_params
from server.rdfio import rdf_format, stream_quads
from server.sparql import QUERY_PREFIXES
from server.store import get_store

bp = Blueprint("resources", __name__)

OFFERED = (HTML, *GRAPH_FORMATS)
NIF_CONTEXT = ox.NamedNode("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
                           "referenceContext")
MAX_SPANS = 10_000


@bp.route("/<path:local>", methods=["GET", "HEAD"])
def resource(local: str) -> Response:
    """The page or the RDF description of the instance IRI ``BASE_IRI + local``."""
    formats = [value for key, value in read_params(request.query_string) if key == "format"]
    media_type = choose_media_type(request.headers.get("Accept"), OFFERED,
                                   formats[0] if formats else None)
    lookup = Lookup(get_store().oxigraph)
    iri = next((candidate for candidate in candidate_iris() if lookup.exists(candidate)), None)
    if iri is None:
        wanted = current_app.config["BASE_IRI"] + raw_local_path()
        if media_type == HTML.media_type:
            return Response(render_template("not_found.html", iri=wanted), status=404,
                            mimetype="text/html", headers={"Vary": "Accept"})
        raise NotFound(f"no triples about <{wanted}> in this store")
    headers = {"Vary": "Accept", "Link": alternates(iri)}
    if media_type == HTML.media_type:
        page = render_page(lookup, lookup.resource(iri))
        return Response(page, mimetype="text/html", headers=headers)
    fmt = rdf_format(media_type)
    body = stream_quads(describe(get_store().oxigraph, iri, dataset=fmt.supports_datasets),
                        fmt, QUERY_PREFIXES)
    return Response(body, mimetype=media_type, headers=headers)


def raw_local_path() -> str:
    """The request path after the app's root, as the client sent it (percent-escapes kept)."""
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI") or request.path
    path = urlsplit(raw).path if "://" in raw.split("?", 1)[0] else raw.split("?", 1)[0]
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root):]
    return path.lstrip("/")


def candidate_iris() -> list[str]:
    """The IRIs a request path may name: as sent, then percent-decoded; valid IRIs only."""
    base, local = current_app.config["BASE_IRI"], raw_local_path()
    candidates = []
    for path in dict.fromkeys((local, unquote(local))):
        try:
            candidates.append(ox.NamedNode(base + path).value)
        except ValueError:
            continue
    return candidates


def alternates(iri: str) -> str:
    """A Link header naming the RDF representations of the page."""
    here = request.base_url
    return ", ".join(f'<{here}?format={fmt.name}>; rel="alternate"; type="{fmt.media_type}"'
                     for fmt in GRAPH_FORMATS[:4]) + f', <{iri}>; rel="canonical"'


def describe(store: ox.Store, iri: str, *, dataset: bool) -> Iterator[ox.Quad]:
    """The quads about ``iri``: its own, those of the blank nodes they reach (a concise bounded
    description), and those of the spans ``<iri#…>`` that point back to it as their context.

    With ``dataset`` false the graph names are dropped and repeated triples written once.
    """
    node = ox.NamedNode(iri)
    seen: set[ox.Triple] = set()

    def emit(quad: ox.Quad) -> Iterator[ox.Quad]:
        if dataset:
            yield quad
            return
        if quad.triple not in seen:
            seen.add(quad.triple)
            yield ox.Quad(quad.subject, quad.predicate, quad.object)

    subjects: list[ox.NamedNode | ox.BlankNode] = [node]
    for span_quad in store.quads_for_pattern(None, NIF_CONTEXT, node, None):
        subject = span_quad.subject
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(iri + "#"):
            subjects.append(subject)
            if len(subjects) > MAX_SPANS:
                break
    done: set[ox.NamedNode | ox.BlankNode] = set()
    while subjects:
        subject = subjects.pop(0)
        if subject in done:
            continue
        done.add(subject)
        for quad in store.quads_for_pattern(subject, None, None, None):
            yield from emit(quad)
            if isinstance(quad.object, ox.BlankNode) and quad.object not in done:
                subjects.append(quad.object)


def render_page(lookup: Lookup, res: Resource) -> str:
    """The HTML page of a resource: a section per kind (actor, article, claim, ...)."""
    iri = res.iri
    sections: dict[str, object] = {}
    if res.is_actor:
        sections["roles"] = lookup.roles(iri)
        sections["claims_by"] = lookup.claims("?c nkg:claimant ?this .", iri)
        sections["claims_about"] = lookup.claims("?c nkg:about ?this .", iri)
        sections["recognitions"] = lookup.recognitions(
            "{ ?c nkg:recognizer ?this } UNION { ?c nkg:recognized ?this }", iri)
        sections["mentioned_in"] = lookup.articles("?a nkg:mentions ?this .", iri)
        template = "actor.html"
    elif res.is_a("Article"):
        sections["article"] = lookup.article_ref(iri)
        sections["authors"] = lookup.people("dcterms:creator", iri)
        sections["mentions"] = lookup.people("nkg:mentions", iri)
        sections["claims"] = lookup.claims("?c nkg:reportedIn ?this .", iri)
        sections["recognitions"] = lookup.recognitions("?c nkg:reportedIn ?this .", iri)
        sections["text"] = lookup.article_text(iri)
        sections["derived_from"] = lookup.articles("?this nkg:derivedFrom ?a .", iri)
        sections["copied_by"] = lookup.articles("?a nkg:derivedFrom ?this .", iri)
        template = "article.html"
    elif res.is_a("Claim"):
        claims, _ = lookup.claims("BIND(?this AS ?c)", iri)
        sections["claim"] = claims[0] if claims else None
        sections["same_statement"] = lookup.claims(
            "?this nkg:statement ?s . ?c nkg:statement ?s . FILTER(?c != ?this)", iri)
        statements = [row["s"].value for row in
                      lookup.rows("SELECT ?s WHERE { ?this nkg:statement ?s }", iri, limit=1)]
        sections["statement"] = {"href": href(statements[0])} if statements else None
        template = "claim.html"
    elif res.is_a("Recognition"):
        found, _ = lookup.recognitions("BIND(?this AS ?c)", iri)
        sections["recognition"] = found[0] if found else None
        template = "recognition.html"
    elif res.is_a("Statement"):
        sections["view"] = lookup.statement_view(iri)
        sections["distortions_query"] = statement_query(iri)
        template = "statement.html"
    else:
        template = "resource.html"
    return render_template(template, res=res, **sections)
