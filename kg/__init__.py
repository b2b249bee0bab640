"""newskg: knowledge graphs of actors, claims and recognitions built from news articles."""

__version__ = "0.1.0"
