"""The errors newskg raises: each says what was found, what was expected, and where."""
from __future__ import annotations


class KGError(Exception):
    """Base class of every error newskg reports to a user (exit status 2 on the CLI)."""


class InputError(KGError):
    """An article or source that cannot be read or is not an article."""


class ValidationError(KGError):
    """Shapes or ontology that cannot be loaded or applied."""


class StoreError(KGError):
    """The store cannot be opened, read or written."""


class QueryError(KGError):
    """A SPARQL query that cannot be parsed or is refused."""
