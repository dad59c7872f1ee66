"""The project's expected failures. The CLI prints their message on one line and exits 1."""


class PuntoredError(Exception):
    """Base of every error a user can act on (bad input, a stage that cannot proceed)."""
