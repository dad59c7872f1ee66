"""One checksum definition, rendered as SQL for every engine that holds a copy of a mart.

A partition's fingerprint is its row count plus an order-independent checksum: each row is
rendered as canonical text, hashed with MD5, and two 32-bit slices of the hashes are summed.
The canonical text does not depend on how an engine formats numbers: decimals are printed
with exactly their column's scale ('-5000.00'), doubles become integers of 1e-9, dates ISO
text, nulls a marker. So DuckDB (decimal), PostgreSQL (numeric) and SQLite (REAL) agree, and the
same SQL shape runs on Athena (Trino). The sums are computed by the engine: nothing is pulled
into Python to fingerprint a partition.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Date, Double, Integer, Numeric, String
from sqlalchemy.types import TypeEngine

NULL_MARKER = "'~'"
FIELD_SEPARATOR = "'|'"
DOUBLE_SCALE = 1_000_000_000


@dataclass(frozen=True)
class Fingerprint:
    row_count: int
    checksum: str


@dataclass(frozen=True)
class SqlDialect:
    """How one engine spells the few non-portable pieces of the checksum."""

    name: str
    date_text: Callable[[str], str]
    md5_hex: Callable[[str], str]
    hex_slice_to_int: Callable[[str, int], str]
    # A fixed-scale decimal as text with exactly `scale` decimals ('-5000.00'). Engines with a
    # real decimal type print it that way; SQLite (REAL) formats it with printf.
    decimal_text: Callable[[str, int], str] = lambda column, _scale: f"CAST({column} AS VARCHAR)"


DUCKDB = SqlDialect(
    name="duckdb",
    date_text=lambda column: f"strftime({column}, '%Y-%m-%d')",
    md5_hex=lambda text: f"md5({text})",
    hex_slice_to_int=lambda digest, start: f"CAST('0x' || substr({digest}, {start}, 8) AS BIGINT)",
)
ATHENA = SqlDialect(
    name="athena",
    date_text=lambda column: f"date_format({column}, '%Y-%m-%d')",
    md5_hex=lambda text: f"lower(to_hex(md5(to_utf8({text}))))",
    hex_slice_to_int=lambda digest, start: f"from_base(substr({digest}, {start}, 8), 16)",
)
POSTGRESQL = SqlDialect(
    name="postgresql",
    date_text=lambda column: f"to_char({column}, 'YYYY-MM-DD')",
    md5_hex=lambda text: f"md5({text})",
    hex_slice_to_int=lambda digest, start: (
        f"CAST(CAST('x' || lpad(substr({digest}, {start}, 8), 16, '0') AS bit(64)) AS bigint)"
    ),
)
# SQLite has neither md5 nor hex parsing: install_sqlite_functions registers both.
SQLITE = SqlDialect(
    name="sqlite",
    date_text=lambda column: f"CAST({column} AS VARCHAR)",
    md5_hex=lambda text: f"puntored_md5({text})",
    hex_slice_to_int=lambda digest, start: f"puntored_hex_to_int(substr({digest}, {start}, 8))",
    decimal_text=lambda column, scale: (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE printf('%.{scale}f', {column}) END"
    ),
)

SERVING_DIALECTS = {"postgresql": POSTGRESQL, "sqlite": SQLITE}


def install_sqlite_functions(dbapi_connection: Any, _record: Any = None) -> None:
    """SQLAlchemy "connect" listener giving SQLite the two functions the checksum needs."""
    dbapi_connection.create_function(
        "puntored_md5",
        1,
        lambda text: hashlib.md5(text.encode()).hexdigest() if text is not None else None,
        deterministic=True,
    )
    dbapi_connection.create_function(
        "puntored_hex_to_int",
        1,
        lambda digits: int(digits, 16) if digits is not None else None,
        deterministic=True,
    )


def canonical_text(column: Column[Any], dialect: SqlDialect) -> str:
    """SQL rendering one column's value as engine-independent text."""
    name = f'"{column.name}"'
    return f"coalesce({_value_text(name, column.type, dialect)}, {NULL_MARKER})"


def _value_text(name: str, type_: TypeEngine[Any], dialect: SqlDialect) -> str:
    if isinstance(type_, Date):
        return dialect.date_text(name)
    if isinstance(type_, Double):
        return _scaled_integer_text(name, DOUBLE_SCALE)
    if isinstance(type_, Numeric):
        return dialect.decimal_text(name, type_.scale or 0)
    if isinstance(type_, Integer):
        return f"CAST({name} AS VARCHAR)"
    if isinstance(type_, String):
        return name
    raise TypeError(f"no canonical text for column {name} of type {type_!r}")


def _scaled_integer_text(name: str, scale: int) -> str:
    # floor(x + 0.5) rounds the same way everywhere (round() differs on halves between engines)
    # and absorbs a REAL's representation error (SQLite stores Numeric as floating point).
    # The CASE keeps NULLs away from floor(): SQLAlchemy's SQLite floor() rejects them.
    return (
        f"CASE WHEN {name} IS NULL THEN NULL "
        f"ELSE CAST(CAST(floor({name} * {scale} + 0.5) AS BIGINT) AS VARCHAR) END"
    )


def row_digest_sql(columns: list[Column[Any]], dialect: SqlDialect) -> str:
    row_text = f" || {FIELD_SEPARATOR} || ".join(canonical_text(c, dialect) for c in columns)
    return dialect.md5_hex(row_text)


def fingerprint_sql(
    table_sql: str,
    columns: list[Column[Any]],
    dialect: SqlDialect,
    *,
    where_sql: str = "",
    partitioned: bool,
) -> str:
    """SELECT [dt,] row_count, hash_sum_a, hash_sum_b FROM table [WHERE …] [GROUP BY dt]."""
    key = '"dt", ' if partitioned else ""
    digests = f"SELECT {key}{row_digest_sql(columns, dialect)} AS digest FROM {table_sql}" + (
        f" WHERE {where_sql}" if where_sql else ""
    )
    group_by = ' GROUP BY "dt"' if partitioned else ""
    return (
        f"SELECT {key}count(*) AS row_count, "
        f"sum({dialect.hex_slice_to_int('digest', 1)}) AS hash_sum_a, "
        f"sum({dialect.hex_slice_to_int('digest', 9)}) AS hash_sum_b "
        f"FROM ({digests}) AS digests{group_by}"
    )


def make_fingerprint(row_count: Any, hash_sum_a: Any, hash_sum_b: Any) -> Fingerprint:
    """A fingerprint from the three aggregates, whatever numeric type the engine returned."""
    if not row_count:
        return Fingerprint(0, "empty")
    return Fingerprint(int(row_count), f"{int(hash_sum_a):x}-{int(hash_sum_b):x}")
