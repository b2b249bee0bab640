"""The application factory: configuration, then one module per concern wiring itself.

Configuration, later sources overriding earlier ones: the defaults below
(store and base IRI from ``kg.config.load_config``), ``instance/config.py``,
``NEWSKG_*`` environment variables (``NEWSKG_QUERY_TIMEOUT=5``), then
``test_config``. A test may pass ``STORE_OBJECT``, an open ``KGStore``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from kg.config import load_config
from server import cors, errors, graphstore, html, pages, resources, sparql, store, void
from server.errors import ServerConfigError

MIB = 1024 * 1024
WHOLE_NUMBER_SETTINGS = ("QUERY_WORKERS", "MAX_RESULT_BYTES", "MAX_BODY")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the endpoint app; the store is opened once, here.

    Raises:
        ServerConfigError: a setting is out of range (say which and why).
        StoreError: the store cannot be opened.
    """
    app = Flask(__name__, instance_relative_config=True)
    defaults = load_config()
    app.config.from_mapping(
        STORE=str(defaults.store),   # a pyoxigraph directory, opened read-only, or a SPARQL
                                     # server: sparql+http://HOST:PORT/PATH (server.remote)
        STORE_OBJECT=None,           # an already open KGStore (tests), used instead of STORE
        BASE_IRI=defaults.base,      # resolves relative IRIs in queries
        QUERY_TIMEOUT=30.0,          # seconds; the query's worker is killed past it
        QUERY_WORKERS=4,             # processes that run queries in parallel
        MAX_RESULT_BYTES=64 * MIB,   # larger serialised results are refused
        MAX_BODY=1 * MIB,            # larger request bodies get 413
        ENABLE_UPDATE=False,
        UPDATE_TOKEN=None,           # bearer token updates need when enabled
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("NEWSKG")
    if test_config is not None:
        app.config.from_mapping(test_config)
    check_config(app.config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY"]  # werkzeug answers 413 past it

    errors.init_app(app)
    cors.init_app(app)
    html.init_app(app)
    store.init_app(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(graphstore.bp)
    app.register_blueprint(void.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(resources.bp)  # last: its catch-all route resolves instance IRIs
    return app


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse settings the server cannot run with.

    Raises:
        ServerConfigError: naming the setting, its value and what is expected.
    """
    for key in ("QUERY_TIMEOUT", *WHOLE_NUMBER_SETTINGS):
        value = config[key]
        kinds = int if key in WHOLE_NUMBER_SETTINGS else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
            kind = "whole number" if key in WHOLE_NUMBER_SETTINGS else "number"
            raise ServerConfigError(f"{key}={value!r}: expected a {kind} above 0")
    if config["ENABLE_UPDATE"] and not config["UPDATE_TOKEN"]:
        raise ServerConfigError("ENABLE_UPDATE is set but UPDATE_TOKEN is empty: updates "
                                "need a bearer token; set UPDATE_TOKEN or leave updates off")
