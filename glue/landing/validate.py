"""Classify every parsed line: ``reason`` is null for a valid event, else a stable code.

Checks run in this order, so each bad line gets one unambiguous reason: JSON, required
fields, types, allowed values, amounts, provider, product, timestamp (the generator injects
its defects with the same codes and order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from puntored.contract.transaction import TRANSACTION_FIELDS, FieldType
from puntored.glue.landing.parse import CORRUPT, is_broken_json

BOGOTA = "America/Bogota"
FUTURE_TOLERANCE = "INTERVAL 5 MINUTES"
_ARRIVAL = r"arrival_date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/"
_MONEY = ("amount", "commission")
LONG_LINE_KEPT = 1024  # characters of a line_too_long record kept in the quarantine


def _first(codes: Iterable[tuple[Column, str]]) -> Column:
    """The code of the first condition that holds (null when none does)."""
    return F.coalesce(*[F.when(condition, F.lit(code)) for condition, code in codes])


def _field(name: str) -> Column:
    return F.col(f"event.{name}")


def _missing_field() -> Column:
    checks = []
    for field in TRANSACTION_FIELDS:
        if field.required:
            present = _field(field.name).isNotNull() | F.col(f"event_text.{field.name}").isNotNull()
            checks.append((~present, f"missing_field:{field.name}"))
    return _first(checks)


def _wrong_type() -> Column:
    """A field present as text whose typed value is null: its JSON type did not fit."""
    checks = [
        (
            F.col(f"event_text.{f.name}").isNotNull() & _field(f.name).isNull(),
            f"wrong_type:{f.name}",
        )
        for f in TRANSACTION_FIELDS
    ]
    typed_failed = F.col(f"event.{CORRUPT}").isNotNull()
    return F.when(typed_failed, F.coalesce(_first(checks), F.lit("wrong_type")))


def _invalid_value() -> Column:
    checks: list[tuple[Column, str]] = []
    for field in TRANSACTION_FIELDS:
        if field.allowed is not None:
            checks.append((~_field(field.name).isin(*field.allowed), f"invalid_value:{field.name}"))
        elif field.type is FieldType.STRING and field.required:
            checks.append((F.trim(_field(field.name)) == "", f"invalid_value:{field.name}"))
    checks.append((_field("latency_ms") < 0, "invalid_value:latency_ms"))
    reversal_without_sale = (_field("event_type") == "reversal") & F.coalesce(
        F.trim(_field("reversed_transaction_id")) == "", F.lit(True)
    )
    checks.append((reversal_without_sale, "invalid_value:reversed_transaction_id"))
    return _first(checks)


def _negative_amount() -> Column:
    return _first((_field(name) < 0, f"negative_amount:{name}") for name in _MONEY)


def _is_in(name: str, values: Iterable[str]) -> Column:
    """``event.<name>`` is one of ``values``, built as one SQL expression: one call into the
    JVM instead of one per literal (``isin`` over the 5,000 clients took 6-12 s of driver time
    per run, most of a small day's landing; decision 0202). Same null and empty-set semantics
    as ``Column.isin``."""
    quoted = ["'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in sorted(values)]
    if not quoted:
        return F.when(_field(name).isNotNull(), F.lit(False))
    return F.expr(f"event.{name} IN ({', '.join(quoted)})")


def _map_literal(pairs: Mapping[str, str]) -> Column:
    return F.create_map(*[F.lit(x) for pair in sorted(pairs.items()) for x in pair])


def arrival_end() -> Column:
    """End of the file's arrival hour (Bogota folders) in UTC; null outside the layout."""
    day = F.regexp_extract("source_file", _ARRIVAL, 1)
    hour = F.regexp_extract("source_file", _ARRIVAL, 2)
    local_start = F.to_timestamp(F.concat(day, F.lit(" "), hour), "yyyy-MM-dd HH")
    return F.to_utc_timestamp(local_start, BOGOTA) + F.expr("INTERVAL 1 HOUR")


def arrival_date() -> Column:
    return F.to_date(F.regexp_extract("source_file", _ARRIVAL, 1))


def classify(
    parsed: DataFrame,
    providers: Iterable[str],
    product_provider: Mapping[str, str],
    clients: Iterable[str],
    max_line_bytes: int | None = None,
) -> DataFrame:
    """Adds ``reason``: null for a valid event, else the first defect's code.

    The reference checks (provider, product of that provider, client = a known point of sale)
    come after the shape checks, in the order dbt's set-aside uses (decision 0310), so the
    same record gets the same code in both places. A line longer than ``max_line_bytes`` is
    ``line_too_long`` before anything else: it is never handed to the JSON parser."""
    products = _map_literal(product_provider)
    future = _field("event_at") > arrival_end() + F.expr(FUTURE_TOLERANCE)
    reason = F.when(is_broken_json(), F.lit("malformed_json")).otherwise(
        F.coalesce(
            _missing_field(),
            _wrong_type(),
            _invalid_value(),
            _negative_amount(),
            F.when(~_is_in("provider_id", providers), F.lit("unknown_provider")),
            F.when(
                F.coalesce(F.element_at(products, _field("product_id")), F.lit(""))
                != _field("provider_id"),
                F.lit("unknown_product"),
            ),
            F.when(~_is_in("client_id", clients), F.lit("unknown_client")),
            F.when(future, F.lit("future_timestamp")),
        )
    )
    if max_line_bytes is not None:
        too_long = F.octet_length("raw_record") > max_line_bytes
        reason = F.when(too_long, F.lit("line_too_long")).otherwise(reason)
    return parsed.withColumn("reason", reason)


def narrow(classified: DataFrame, fallback_day: str) -> DataFrame:
    """What the rest of the run needs of each line, typed and flat: ``reason``, the contract
    columns, lineage (``source_file``, ``line_id``), ``dt`` (the event's Bogota day for a valid
    line, the arrival day for a rejected one) and ``raw_record`` (rejected lines only, as
    quarantined). This is the frame a run caches: the text and the parsed structs are not
    kept (decision 0202)."""
    is_valid = F.col("reason").isNull()
    columns = [_field(f.name).alias(f.name) for f in TRANSACTION_FIELDS]
    event_day = F.to_date(F.from_utc_timestamp(_field("event_at"), BOGOTA))
    arrival_day = F.coalesce(arrival_date(), F.to_date(F.lit(fallback_day)))
    return classified.select(
        "reason",
        *columns,
        "source_file",
        "line_id",
        F.when(is_valid, event_day).otherwise(arrival_day).alias("dt"),
        F.when(~is_valid, _quarantined_text()).alias("raw_record"),
    )


def _quarantined_text() -> Column:
    # A garbage line may hold bytes that are not UTF-8; Parquet strings must be valid UTF-8
    # (DuckDB and Athena refuse the file otherwise): invalid bytes become U+FFFD.
    raw = F.decode(F.encode("raw_record", "UTF-8"), "UTF-8")
    # An over-long line keeps its start only: enough to identify it, not megabytes per row.
    return F.when(
        F.col("reason") == "line_too_long", F.substring(raw, 1, LONG_LINE_KEPT)
    ).otherwise(raw)


def valid_events(lines: DataFrame) -> DataFrame:
    """The contract columns of valid lines (of ``narrow``), plus lineage, ordering keys, ``dt``."""
    columns = [f.name for f in TRANSACTION_FIELDS]
    return lines.where(F.col("reason").isNull()).select(*columns, "source_file", "line_id", "dt")


def quarantined(lines: DataFrame) -> DataFrame:
    """Rejected lines (of ``narrow``) as read, with their reason and arrival ``dt``."""
    return lines.where(F.col("reason").isNotNull()).select(
        "raw_record", "reason", "source_file", "dt"
    )
