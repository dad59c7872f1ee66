"""The API's SQL (SQLAlchemy 2 ``select()``), one module per resource. Every query is bounded
by provider and a date or time range, so it runs on the serving indexes."""

from typing import Any

from sqlalchemy import Connection, Result
from sqlalchemy.orm import Session

# What a query runs on: the hot routes pass a bare connection, the others an ORM session.
Reader = Connection | Session


def as_dicts(result: Result[Any]) -> list[dict[str, Any]]:
    """The rows as plain dicts: pydantic-core validates a dict eight times faster than a
    SQLAlchemy ``RowMapping`` (124 product rows: 0.11 ms against 0.94 ms)."""
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]
