"""The query page at ``/``: a SPARQL editor, saved example queries, a results table, downloads.

The page's script (``static/query.js``, on CodeMirror 5 vendored under
``static/vendor/``) reads its settings from ``/ui/config.json`` and sends
queries to ``/sparql`` like any other client; nothing is loaded from
another server.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from server.examples import EXAMPLES, editor_config

bp = Blueprint("pages", __name__)

EXAMPLE_QUERY = EXAMPLES[0].query


@bp.get("/")
def index() -> str:
    """The query page; ``/?query=...`` opens it with that query in the editor."""
    return render_template("index.html", endpoint=url_for("sparql.endpoint", _external=True),
                           examples=EXAMPLES, example=EXAMPLE_QUERY,
                           query_text=request.args.get("query", ""))


@bp.get("/ui/config.json")
def config() -> Response:
    return jsonify(editor_config(url_for("sparql.endpoint"), current_app.config["BASE_IRI"]))
