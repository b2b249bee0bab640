"""Human-facing pages. For now only the home page, which says where the endpoint is."""
from __future__ import annotations

from flask import Blueprint, render_template, url_for

bp = Blueprint("pages", __name__)

EXAMPLE_QUERY = """PREFIX nkg: <https://w3id.org/newskg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?recognizer ?recognized ?article WHERE {
  ?r a nkg:Recognition ; nkg:reportedIn ?article ;
     nkg:recognizer/rdfs:label ?recognizer ; nkg:recognized/rdfs:label ?recognized .
}"""


@bp.get("/")
def index() -> str:
    return render_template("index.html", endpoint=url_for("sparql.endpoint", _external=True),
                           example=EXAMPLE_QUERY)
