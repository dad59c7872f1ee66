"""Parsing of command-line values shared by several commands."""

from __future__ import annotations

from datetime import date

from puntored.errors import PuntoredError


def parse_day(value: str | None, option: str) -> date | None:
    """An ISO day (YYYY-MM-DD), or a one-line error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PuntoredError(f"{option} must be a date YYYY-MM-DD, got {value!r}") from None
