"""Partition fingerprints, each one definition rendered as SQL for every engine that holds a
copy of a mart (DuckDB, Athena, PostgreSQL, SQLite). Two kinds:

* **content**: row count plus an order-independent checksum: each row is rendered as canonical
  text, hashed with MD5, and two 32-bit slices of the hashes are summed. The canonical text does
  not depend on how an engine formats numbers: decimals are printed with exactly their column's
  scale ('-5000.00'), doubles become integers of 1e-9, dates ISO text, nulls a marker. Exact, but
  it formats and hashes every row (~1-2 s per million rows): used for the small dimensions and
  for fact marts without ``_built_at``.
* **totals**: row count plus, per column, the count of non-NULL values and the sum of the values
  as exact integers (decimals in units of their scale, doubles in 1e-9, text by length). Aggregates
  every engine computes at memory speed (~50x cheaper than content): used to verify what the sync
  wrote into the serving database, partition by partition.

The aggregates are computed by the engine: nothing is pulled into Python to fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import Column, Date, Double, Integer, Numeric, String
from sqlalchemy.types import TypeEngine

NULL_MARKER = "'~'"
FIELD_SEPARATOR = "'|'"
DOUBLE_SCALE = 1_000_000_000


class FingerprintKind(Enum):
    CONTENT = "content"
    TOTALS = "totals"


@dataclass(frozen=True)
class Fingerprint:
    row_count: int
    checksum: str
    # totals fingerprints: the named aggregates behind the checksum (to say what differs)
    totals: dict[str, int | None] = field(default_factory=dict, compare=False, hash=False)


EMPTY = Fingerprint(0, "empty")


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
    # The exact sum of a decimal column in units of its scale, as an integer (totals). Summing
    # the decimals and scaling once is exact where decimals are exact, and ~60x cheaper in
    # DuckDB than scaling every row.
    decimal_total: Callable[[str, int], str] = lambda column, scale: (
        f"CAST(sum({column}) * {10**scale} AS BIGINT)"
    )
    # Days since 1970-01-01 as an integer (the totals fingerprint of a date column).
    epoch_days: Callable[[str], str] = lambda column: (
        f"date_diff('day', DATE '1970-01-01', {column})"
    )


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
    epoch_days=lambda column: f"({column} - DATE '1970-01-01')",
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
    # SQLite keeps Numeric as REAL: each value is rounded to its units before summing.
    decimal_total=lambda column, scale: f"sum(CAST(round({column} * {10**scale}) AS INTEGER))",
    epoch_days=lambda column: f"CAST(julianday({column}) - 2440587.5 AS INTEGER)",
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
    return f"CAST({_scaled_integer(name, scale)} AS VARCHAR)"


def row_digest_sql(columns: list[Column[Any]], dialect: SqlDialect) -> str:
    row_text = f" || {FIELD_SEPARATOR} || ".join(canonical_text(c, dialect) for c in columns)
    return dialect.md5_hex(row_text)


def fingerprint_sql(
    kind: FingerprintKind,
    table_sql: str,
    columns: list[Column[Any]],
    dialect: SqlDialect,
    *,
    where_sql: str = "",
    partitioned: bool,
) -> str:
    """SELECT [dt,] row_count, <aggregates…> FROM table [WHERE …] [GROUP BY dt]."""
    if kind is FingerprintKind.TOTALS:
        return totals_sql(table_sql, columns, dialect, where_sql=where_sql, partitioned=partitioned)
    return content_sql(table_sql, columns, dialect, where_sql=where_sql, partitioned=partitioned)


def content_sql(
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


def totals_sql(
    table_sql: str,
    columns: list[Column[Any]],
    dialect: SqlDialect,
    *,
    where_sql: str = "",
    partitioned: bool,
) -> str:
    """SELECT [dt,] row_count, then per column its non-NULL count and integer sum."""
    key = '"dt", ' if partitioned else ""
    aggregates = ", ".join(
        f'count("{c.name}") AS "{c.name}__n", {_total(c, dialect)} AS "{c.name}__s"'
        for c in columns
    )
    where = f" WHERE {where_sql}" if where_sql else ""
    group_by = ' GROUP BY "dt"' if partitioned else ""
    return f"SELECT {key}count(*) AS row_count, {aggregates} FROM {table_sql}{where}{group_by}"


def _total(column: Column[Any], dialect: SqlDialect) -> str:
    """The sum of a column's values as an exact integer every engine computes the same way."""
    name, type_ = f'"{column.name}"', column.type
    if isinstance(type_, Date):
        return f"sum({dialect.epoch_days(name)})"
    if isinstance(type_, Double):
        return f"sum({_scaled_integer(name, DOUBLE_SCALE)})"
    if isinstance(type_, Numeric):
        return dialect.decimal_total(name, type_.scale or 0)
    if isinstance(type_, Integer):
        return f"sum({name})"
    if isinstance(type_, String):
        return f"sum(length({name}))"
    raise TypeError(f"no totals fingerprint for column {name} of type {type_!r}")


def _scaled_integer(name: str, scale: int) -> str:
    # floor(x + 0.5) rounds the same way everywhere (round() differs on halves between engines)
    # and absorbs a REAL's representation error (SQLite stores Numeric as floating point).
    # The CASE keeps NULLs away from floor(): SQLAlchemy's SQLite floor() rejects them.
    return (
        f"CASE WHEN {name} IS NULL THEN NULL ELSE CAST(floor({name} * {scale} + 0.5) AS BIGINT) END"
    )


def make_fingerprint(kind: FingerprintKind, columns: list[Column[Any]], row: Any) -> Fingerprint:
    """A fingerprint from one answer row of fingerprint_sql (after dt), whatever numeric types
    the engine returned (DuckDB HUGEINT, PostgreSQL numeric, pandas numpy scalars)."""
    row_count = int(row[0] or 0)
    if not row_count:
        return EMPTY
    if kind is FingerprintKind.CONTENT:
        return Fingerprint(row_count, f"{int(row[1]):x}-{int(row[2]):x}")
    names = [f"{c.name}{suffix}" for c in columns for suffix in ("__n", "__s")]
    totals = {name: _exact_int(value) for name, value in zip(names, row[1:], strict=True)}
    text = "|".join("~" if v is None else str(v) for v in totals.values())
    return Fingerprint(row_count, "t" + hashlib.md5(text.encode()).hexdigest(), totals)


def _exact_int(value: Any) -> int | None:
    if value is None or value != value:  # NULL (pandas: NaN/NA for an all-NULL sum)
        return None
    return int(value)
