"""Arrow record batches → PostgreSQL's binary ``COPY`` format, vectorised (numpy + Arrow).

The server then parses no text (no numeric or date parsing) and nothing is converted row by row
in Python. A row is ``int16 field count`` then, per field, ``int32 length`` (-1 for NULL) and the
value in its column type's binary form:

* ``bigint``/``integer``: 8/4-byte big-endian two's complement; ``double precision``: IEEE 754;
* ``date``: int32 days since 2000-01-01;
* ``numeric(p,s)``: int16 ndigits, weight, sign, dscale, then base-10,000 digits. Every value of
  a column is sent with the digit count its precision needs, leading zero groups included (the
  server strips them), so it has a fixed width;
* ``varchar``/``text``: the UTF-8 bytes.

The field types come from the serving table's columns (the server reads exactly the binary form
of its column type), the values from the Arrow columns the warehouse returned.

How a batch is assembled: rows are grouped by which columns are NULL, so inside a group every
field has one width. The fixed-width parts between two text values (field count, length
prefixes, numbers) become one numpy structured array per run of columns, each text column stays
an Arrow binary column, and Arrow joins them row by row. The encoded rows of the groups are then
put back in the batch's order (one Arrow ``take``): the sync sends rows in primary-key order so
that the server's index builds find them sorted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import BigInteger, Column, Date, Double, Integer, Numeric, String

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"
POSTGRES_EPOCH_DAYS = 10_957  # 2000-01-01 - 1970-01-01
NBASE = 10_000  # a numeric digit is base 10,000: four decimal digits
NBASE_DIGITS = 4
NUMERIC_NEGATIVE = 0x4000
NULL_LENGTH = -1
# b"" as an Arrow scalar built from buffers: converting any Python value (pa.scalar, pa.array)
# imports pandas, half a second once per sync process.
_NO_SEPARATOR = pa.Array.from_buffers(
    pa.binary(), 1, [None, pa.py_buffer(np.zeros(2, dtype=np.int32)), pa.py_buffer(b"")]
)[0]
_NUMPY_TYPES = {
    pa.int8(): np.int8, pa.int32(): np.int32, pa.int64(): np.int64, pa.float64(): np.float64,
}  # fmt: skip


def encode_rows(batch: pa.RecordBatch, columns: list[Column[Any]]) -> list[memoryview]:
    """The batch's rows in binary COPY form (without HEADER and TRAILER), in the batch's order."""
    if batch.num_rows == 0:
        return []
    nullable = [i for i in range(batch.num_columns) if batch.column(i).null_count]
    if not nullable:
        return [_data(_encode_group(batch, columns, set()))]
    pattern = np.zeros(batch.num_rows, dtype=np.int64)
    for bit, index in enumerate(nullable):
        is_null = _numbers(pc.cast(batch.column(index).is_null(), pa.int8()))
        pattern |= is_null.astype(np.int64) << bit
    groups, positions = [], []
    for code in np.unique(pattern):
        rows = np.flatnonzero(pattern == code)
        nulls = {index for bit, index in enumerate(nullable) if code >> bit & 1}
        groups.append(_encode_group(batch.take(_indices(rows)), columns, nulls))
        positions.append(rows)
    if len(groups) == 1:
        return [_data(groups[0])]
    order = np.empty(batch.num_rows, dtype=np.int64)  # where each row of the batch was encoded
    order[np.concatenate(positions)] = np.arange(batch.num_rows)
    return [_data(pa.concat_arrays(groups).take(_indices(order)))]


def _indices(values: np.ndarray) -> pa.Array:
    """int64 numpy values as an Arrow array, zero-copy (``pa.array`` would import pandas)."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def _data(rows: pa.Array) -> memoryview:
    """The bytes of a binary array's values, end to end."""
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)
    start, end = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    return memoryview(rows.buffers()[2].slice(start, end - start))


def _encode_group(batch: pa.RecordBatch, columns: list[Column[Any]], nulls: set[int]) -> pa.Array:
    """Rows whose NULL columns are exactly ``nulls``, one binary value per row."""
    rows = batch.num_rows
    segments: list[pa.Array] = []
    run = _Run(rows)
    run.add(">i2", len(columns))
    for index, column in enumerate(columns):
        if index in nulls:
            run.add(">i4", NULL_LENGTH)
        elif isinstance(column.type, String):
            text = batch.column(index).cast(pa.string()).cast(pa.binary())
            run.add(">i4", pc.binary_length(text))
            segments += [run.to_arrow(), text]
            run = _Run(rows)
        else:
            _add_value(run, batch.column(index), column)
    if run.fields:
        segments.append(run.to_arrow())
    return (
        segments[0] if len(segments) == 1 else pc.binary_join_element_wise(*segments, _NO_SEPARATOR)
    )


class _Run:
    """The fixed-width fields between two text values, as one numpy structured array."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.fields: list[tuple[str, Any, Any]] = []  # (dtype, shape, values)

    def add(self, dtype: str, values: Any, shape: tuple[int, ...] = ()) -> None:
        self.fields.append((dtype, shape, values))

    def to_arrow(self) -> pa.Array:
        layout = np.dtype(
            [(f"f{i}", dtype, shape) for i, (dtype, shape, _) in enumerate(self.fields)]
        )
        record = np.empty(self.rows, dtype=layout)
        for i, (_, _, values) in enumerate(self.fields):
            record[f"f{i}"] = _numbers(values) if isinstance(values, pa.Array) else values
        offsets = np.arange(0, (self.rows + 1) * layout.itemsize, layout.itemsize, dtype=np.int32)
        return pa.Array.from_buffers(
            pa.binary(), self.rows, [None, pa.py_buffer(offsets), pa.py_buffer(record)]
        )


def _add_value(run: _Run, array: pa.Array, column: Column[Any]) -> None:
    """Append one non-NULL, non-text field (length prefix + value) to the run."""
    type_ = column.type
    if isinstance(type_, Date):
        dtype, values = ">i4", _numbers(array.cast(pa.int32())) - POSTGRES_EPOCH_DAYS
    elif isinstance(type_, Double):
        dtype, values = ">f8", _numbers(array.cast(pa.float64()))
    elif isinstance(type_, Numeric):
        digits = _numeric_words(array, type_.precision or 18, type_.scale or 0)
        run.add(">i4", digits.shape[1] * 2)
        run.add(">i2", digits, (digits.shape[1],))
        return
    elif isinstance(type_, BigInteger):
        dtype, values = ">i8", _numbers(array.cast(pa.int64()))
    elif isinstance(type_, Integer):
        dtype, values = ">i4", _numbers(array.cast(pa.int32()))
    else:
        raise TypeError(f"no binary COPY encoding for column {column.name} of type {type_!r}")
    run.add(">i4", np.dtype(dtype).itemsize)
    run.add(dtype, values)


def _numbers(array: pa.Array) -> np.ndarray:
    """The values of a primitive Arrow array (no NULLs) as a zero-copy numpy view.

    Read from the data buffer: ``Array.to_numpy`` would import pandas (seconds, once).
    """
    data = np.frombuffer(array.buffers()[1], dtype=_NUMPY_TYPES[array.type])
    return data[array.offset : array.offset + len(array)]


def _numeric_words(array: pa.Array, precision: int, scale: int) -> np.ndarray:
    """(rows, 4 + digits) int16: ndigits, weight, sign, dscale, then the base-10,000 digits."""
    if precision > 18:
        raise TypeError(f"numeric({precision},{scale}) does not fit the int64 encoding")
    unscaled = _unscaled_decimals(array, scale)
    integer_groups = -(-(precision - scale) // NBASE_DIGITS)
    fraction_groups = -(-scale // NBASE_DIGITS)
    digits = integer_groups + fraction_groups
    integer_part, fraction = np.divmod(np.abs(unscaled), 10**scale)
    fraction = fraction * 10 ** (fraction_groups * NBASE_DIGITS - scale)
    words = np.empty((len(unscaled), 4 + digits), dtype=np.int64)
    words[:, 0] = digits
    words[:, 1] = integer_groups - 1  # weight of the first digit
    words[:, 2] = np.where(unscaled < 0, NUMERIC_NEGATIVE, 0)
    words[:, 3] = scale
    _split_base_10000(integer_part, words[:, 4 : 4 + integer_groups])
    _split_base_10000(fraction, words[:, 4 + integer_groups :])
    return words


def _split_base_10000(values: np.ndarray, out: np.ndarray) -> None:
    """Write the base-10,000 digits of non-negative ``values`` into ``out`` (most significant
    first), stopping early once every remaining higher digit is zero."""
    out[:] = 0
    rest = values
    for g in reversed(range(out.shape[1])):
        if not rest.any():
            break
        rest, out[:, g] = np.divmod(rest, NBASE)


def _unscaled_decimals(array: pa.Array, scale: int) -> np.ndarray:
    """A decimal array's values as int64 counts of 10^-scale."""
    if not pa.types.is_decimal128(array.type) or array.type.scale != scale:
        array = array.cast(pa.decimal128(38, scale))
    words = np.frombuffer(array.buffers()[1], dtype="<i8")
    # 16-byte little-endian two's complement: the low word is the value when it fits int64
    # (precision <= 18 always does).
    return words[2 * array.offset : 2 * (array.offset + len(array)) : 2]
