"""What every HTML page shares: template helpers for IRIs and a strict Content-Security-Policy.

Templates are autoescaped (Flask's default for ``.html``), so text from the
articles is shown, never interpreted. Links: an IRI under ``BASE_IRI`` links to
its page on this server, another http(s) IRI links out, and any other scheme
(``javascript:``, ``data:``) is shown as text only. The CSP allows scripts and
styles from this server's own files only, so even a template mistake could not
run a script taken from an article.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, current_app, request

from kg.namespaces import PREFIXES

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
SAFE_SCHEMES = ("http://", "https://")
COMPACT_PREFIXES = sorted(((p, str(ns)) for p, ns in PREFIXES.items()),
                          key=lambda item: -len(item[1]))


def local_path(iri: str, base: str, root: str = "") -> str | None:
    """The path on this server (under ``root``) of an IRI under ``base``, else None.

    >>> local_path("https://w3id.org/newskg/id/actor/anna-petrova", "https://w3id.org/newskg/id/")
    '/actor/anna-petrova'
    >>> local_path("https://w3id.org/newskg/id/actor/café", "https://w3id.org/newskg/id/")
    '/actor/caf%C3%A9'
    >>> local_path("http://example.org/x", "https://w3id.org/newskg/id/") is None
    True
    """
    if not iri.startswith(base) or len(iri) == len(base):
        return None
    path, hash_mark, fragment = iri[len(base):].partition("#")
    # Keep what is valid in a URL path (percent-escapes too); encode the rest (spaces, letters
    # outside ASCII), as a browser would.
    safe = quote(path, safe="/%:@!$&'()*+,;=-._~")
    return f"{root}/{safe}{hash_mark}{quote(fragment, safe='=,:@-._~')}"


def href(iri: str) -> str | None:
    """Where a link to ``iri`` points: its local page, the IRI itself (http/https), or None."""
    local = local_path(iri, current_app.config["BASE_IRI"], request.script_root)
    if local is not None:
        return local
    return iri if iri.lower().startswith(SAFE_SCHEMES) else None


def compact(iri: str) -> str:
    """A short form of an IRI: ``nkg:Claim``, ``actor/anna-petrova``, or the IRI itself.

    >>> compact("https://w3id.org/newskg/ontology#Claim")
    'nkg:Claim'
    """
    try:
        base = current_app.config["BASE_IRI"]
    except RuntimeError:  # outside an app (doctest)
        base = None
    if base and iri.startswith(base) and len(iri) > len(base):
        return iri[len(base):]
    for prefix, namespace in COMPACT_PREFIXES:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def add_security_headers(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.filters["href"] = href
    app.jinja_env.filters["compact"] = compact
    app.after_request(add_security_headers)
