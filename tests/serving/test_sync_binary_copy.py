"""The binary COPY encoder against the real PostgreSQL: what the server stores is what was sent,
in the order it was sent (an identity column numbers the rows as the COPY stores them)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Column, Date, Double, Integer, MetaData, Numeric, String, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from puntored.serving.sync.binary_copy import HEADER, TRAILER, encode_rows

pytestmark = pytest.mark.postgres

TABLE = Table(
    "encoded",
    MetaData(),
    Column("id", String(64)),
    Column("big", BigInteger),
    Column("small", Integer),
    Column("ratio", Double),
    Column("money", Numeric(18, 2)),
    Column("rate", Numeric(6, 4)),
    Column("day", Date),
    Column("note", String(200)),
)
ARROW = pa.schema([
    ("id", pa.string()), ("big", pa.int64()), ("small", pa.int32()), ("ratio", pa.float64()),
    ("money", pa.decimal128(18, 2)), ("rate", pa.decimal128(6, 4)), ("day", pa.date32()),
    ("note", pa.string()),
])  # fmt: skip
EDGES = [
    {"id": "", "big": -(2**63), "small": -(2**31), "ratio": -0.0, "money": Decimal("-0.01"),
     "rate": Decimal("-99.9999"), "day": date(1, 1, 1), "note": 'comma, "quote"\ttab\nline\\'},
    {"id": "Ñandú ☕ 𝄞", "big": 2**63 - 1, "small": 2**31 - 1, "ratio": 1e308,
     "money": Decimal("9999999999999999.99"), "rate": Decimal("0.0001"), "day": date(9999, 12, 31),
     "note": ""},
    {"id": "z", "big": 0, "small": 0, "ratio": 5e-324, "money": Decimal("0.00"),
     "rate": Decimal("12.3400"), "day": date(1999, 12, 31), "note": None},
    {"id": None, "big": None, "small": None, "ratio": None, "money": None, "rate": None,
     "day": None, "note": None},
    {"id": "a", "big": 10_000, "small": 9_999, "ratio": 0.5,
     "money": Decimal("-10000.00"), "rate": Decimal("10.0000"), "day": date(2000, 1, 1),
     "note": "x" * 200},
]  # fmt: skip

text_values = st.text(st.characters(exclude_characters="\x00", codec="utf-8"), max_size=40)
rows = st.fixed_dictionaries({
    "id": st.none() | text_values,
    "big": st.none() | st.integers(-(2**63), 2**63 - 1),
    "small": st.none() | st.integers(-(2**31), 2**31 - 1),
    "ratio": st.none() | st.floats(allow_nan=False, allow_infinity=False),
    "money": st.none() | st.decimals("-9999999999999999.99", "9999999999999999.99", places=2),
    "rate": st.none() | st.decimals("-99.9999", "99.9999", places=4),
    "day": st.none() | st.dates(),
    "note": st.none() | text_values,
})  # fmt: skip


@pytest.fixture
def server(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    """One connection and table for a test (a hypothesis test's examples share them)."""
    with psycopg.connect(postgres_url.replace("postgresql+psycopg", "postgresql")) as connection:
        connection.execute(str(CreateTable(TABLE).compile(dialect=postgresql.dialect())))
        connection.execute("ALTER TABLE encoded ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY")
        yield connection


def _round_trip(connection: psycopg.Connection[Any], values: list[dict[str, Any]]) -> list[Any]:
    connection.execute("TRUNCATE encoded RESTART IDENTITY")
    batch = pa.RecordBatch.from_pylist(values, schema=ARROW)
    columns = list(TABLE.columns)
    names = ", ".join(c.name for c in columns)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY encoded ({names}) FROM STDIN (FORMAT binary)") as copy:
            copy.write(HEADER)
            for piece in encode_rows(batch, columns):
                copy.write(piece)
            copy.write(TRAILER)
        return cursor.execute(f"SELECT {names} FROM encoded ORDER BY n").fetchall()


def _expected(values: list[dict[str, Any]]) -> list[Any]:
    return [tuple(v[c.name] for c in TABLE.columns) for v in values]


def test_edge_values_are_stored_exactly(server: psycopg.Connection[Any]) -> None:
    assert _round_trip(server, EDGES) == _expected(EDGES)


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(values=st.lists(rows, min_size=1, max_size=30))
def test_any_rows_are_stored_exactly(
    server: psycopg.Connection[Any], values: list[dict[str, Any]]
) -> None:
    assert _round_trip(server, values) == _expected(values)


def test_rows_with_different_nulls_keep_their_order(server: psycopg.Connection[Any]) -> None:
    # Encoded in groups by which columns are NULL, sent in the batch's order (the sync reads
    # in primary-key order for the server's index builds).
    values = [EDGES[i % len(EDGES)] | {"big": i} for i in (3, 0, 2, 3, 1, 4, 2, 0, 3)]
    assert _round_trip(server, values) == _expected(values)


def test_an_empty_batch_sends_nothing() -> None:
    assert encode_rows(pa.RecordBatch.from_pylist([], schema=ARROW), list(TABLE.columns)) == []


# Every value built from buffers: converting any Python value to Arrow would import pandas.
NO_PANDAS = """
import sys
import numpy as np
import pyarrow as pa
from puntored.serving.sync.binary_copy import encode_rows
from puntored.serving.sync.marts import FACTS

mart, rows = FACTS[2], 4
valid = pa.py_buffer(np.array([0b0101], np.uint8))  # rows 1 and 3 NULL
columns = []
for column in mart.columns:
    numbers = pa.py_buffer(np.arange(rows, dtype=np.int64))
    nullable = column.name in ("approval_rate", "average_ticket")
    array = pa.Array.from_buffers(pa.int64(), rows, [valid if nullable else None, numbers])
    type_ = {"dt": pa.date32(), "approval_rate": pa.float64()}.get(column.name)
    if column.name.endswith("_id"):
        array = array.cast(pa.string())
    elif type_ is not None:
        array = array.cast(pa.int32()).cast(type_) if column.name == "dt" else array.cast(type_)
    columns.append(array)
batch = pa.RecordBatch.from_arrays(columns, names=[c.name for c in mart.columns])
assert len(encode_rows(batch, mart.columns)) == 1
assert "pandas" not in sys.modules, "encoding imported pandas"
"""


def test_encoding_does_not_import_pandas() -> None:
    # Half a second once per sync process.
    repo = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", NO_PANDAS], check=True, cwd=repo)
