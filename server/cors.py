"""CORS headers: the endpoint is public and read-only, so any origin may query it from a browser."""
from __future__ import annotations

from flask import Flask, Response, request

ALLOWED_METHODS = "GET, POST, OPTIONS"
# Content-Type lets a browser POST application/sparql-query; Authorization carries the update token.
ALLOWED_HEADERS = "Content-Type, Accept, Authorization"
PREFLIGHT_MAX_AGE_S = "86400"


def add_cors_headers(response: Response) -> Response:
    """Allow every origin; answer a preflight (OPTIONS) with the methods and headers allowed."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE_S
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_cors_headers)
