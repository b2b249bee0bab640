"""newskg's SPARQL endpoint: a Flask application factory and a production server.

    create_app(test_config=None) -> Flask
    serve(store_path, *, host="127.0.0.1", port=8000, base=None, timeout=30.0) -> None

``flask --app server run`` finds ``create_app`` here; ``python -m server`` serves a store: a
pyoxigraph directory, or a SPARQL server given as ``sparql+http://HOST:PORT/PATH``.
"""
from server.app import create_app
from server.serving import serve

__all__ = ["create_app", "serve"]
