"""Which dbt mart fills which serving table, and the check that a mart still fits its table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Column, Date, Double, Integer, Numeric, String, Table
from sqlalchemy.types import TypeEngine

from puntored.database.models import (
    Client,
    Product,
    Provider,
    ProviderClientDailyMetrics,
    ProviderDailyMetrics,
    ProviderProductDailyMetrics,
)
from puntored.errors import PuntoredError

# Unpartitioned tables (the dimensions) keep their one sync_state row under this date.
WHOLE_TABLE_DT = date(1970, 1, 1)
# dbt's record of when a fact mart's day was last rebuilt (one value per dt; not synced).
BUILT_AT = "_built_at"
_TIMESTAMP_TYPES = ("timestamp", "timestamp(3)", "timestamp(6)", "timestamp without time zone")


@dataclass(frozen=True)
class Mart:
    name: str  # the dbt model in the warehouse
    table: Table  # its mirror in the serving database
    partitioned: bool  # by dt (the fact marts) or synced whole (the dimensions)

    @property
    def columns(self) -> list[Column[Any]]:
        return list(self.table.columns)

    @property
    def checksum_columns(self) -> list[Column[Any]]:
        """The partition key dt is the grouping key, not part of a row's checksum."""
        return [c for c in self.columns if not (self.partitioned and c.name == "dt")]


DIMENSIONS = (
    Mart("dim_providers", Provider.__table__, partitioned=False),  # type: ignore[arg-type]
    Mart("dim_products", Product.__table__, partitioned=False),  # type: ignore[arg-type]
    Mart("dim_clients", Client.__table__, partitioned=False),  # type: ignore[arg-type]
)
FACTS = (
    Mart("fct_provider_daily", ProviderDailyMetrics.__table__, partitioned=True),  # type: ignore[arg-type]
    Mart("fct_provider_product_daily", ProviderProductDailyMetrics.__table__, partitioned=True),  # type: ignore[arg-type]
    Mart("fct_provider_client_daily", ProviderClientDailyMetrics.__table__, partitioned=True),  # type: ignore[arg-type]
)
MARTS = DIMENSIONS + FACTS


@dataclass(frozen=True)
class Partitions:
    """Which dt partitions a query covers: a range (open ends allowed), or exactly ``dts``."""

    date_from: date | None = None
    date_to: date | None = None
    dts: tuple[date, ...] | None = None

    def where_sql(self) -> str:
        """The condition on "dt" (DuckDB, Athena, PostgreSQL and SQLite all read it)."""
        if self.dts is not None:
            listed = ", ".join(_date_literal(dt) for dt in sorted(self.dts)) or "NULL"
            return f'"dt" IN ({listed})'
        conditions = []
        if self.date_from is not None:
            conditions.append(f'"dt" >= {_date_literal(self.date_from)}')
        if self.date_to is not None:
            conditions.append(f'"dt" <= {_date_literal(self.date_to)}')
        return " AND ".join(conditions)

    @property
    def everything(self) -> bool:
        return self.dts is None and self.date_from is None and self.date_to is None


def _date_literal(dt: date) -> str:
    return f"DATE '{dt.isoformat()}'"


class MartSchemaError(PuntoredError):
    """A mart in the warehouse no longer fits its serving table (missing column, wrong type)."""


def check_mart_columns(mart: Mart, warehouse_columns: dict[str, str]) -> bool:
    """Raise MartSchemaError listing every missing column and every incompatible type.

    Returns whether the mart records dbt's rebuilds in ``_built_at`` (fact marts only).
    """
    if not warehouse_columns:
        raise MartSchemaError(f"mart {mart.name} not found in the warehouse")
    problems = []
    built_at = warehouse_columns.get(BUILT_AT) if mart.partitioned else None
    if built_at is not None and built_at.strip().lower() not in _TIMESTAMP_TYPES:
        problems.append(f"column {BUILT_AT} is {built_at}, expected timestamp")
    for column in mart.columns:
        found = warehouse_columns.get(column.name)
        if found is None:
            problems.append(f"missing column {column.name}")
        elif not type_fits(column.type, found):
            expected = _expected_type_name(column.type)
            problems.append(f"column {column.name} is {found}, expected {expected}")
    if problems:
        raise MartSchemaError(
            f"mart {mart.name} does not fit {mart.table.name}: " + "; ".join(problems)
        )
    return built_at is not None


_DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)")
_INTEGER_TYPES = {"tinyint", "smallint", "integer", "int", "bigint"}
_STRING_TYPES = {"varchar", "string", "text"}
_DOUBLE_TYPES = {"double", "float", "real"}


def type_fits(model_type: TypeEngine[Any], warehouse_type: str) -> bool:
    """Whether values of a warehouse column (DuckDB or Athena type name) fit the model column."""
    found = warehouse_type.strip().lower()
    if isinstance(model_type, Date):
        return found == "date"
    if isinstance(model_type, Double):
        return found in _DOUBLE_TYPES
    if isinstance(model_type, Numeric):
        match = _DECIMAL.fullmatch(found)
        return bool(
            match
            and int(match.group(2)) == model_type.scale
            and int(match.group(1)) <= (model_type.precision or 38)
        )
    if isinstance(model_type, Integer):
        return found in _INTEGER_TYPES
    if isinstance(model_type, String):
        return found in _STRING_TYPES or found.startswith("varchar(")
    return False


def _expected_type_name(model_type: TypeEngine[Any]) -> str:
    if isinstance(model_type, Date):
        return "date"
    if isinstance(model_type, Double):
        return "double"
    if isinstance(model_type, Numeric):
        return f"decimal({model_type.precision},{model_type.scale})"
    if isinstance(model_type, Integer):
        return "an integer type"
    return "varchar"
