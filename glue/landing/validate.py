"""Classify every parsed line: ``reason`` is null for a valid event, else a stable code.

Checks run in this order, so each bad line gets one unambiguous reason: JSON, required
fields, types, allowed values, amounts, provider, product, timestamp (the generator injects
its defects with the same codes and order).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from puntored.contract.transaction import TRANSACTION_FIELDS, FieldType
from puntored.glue.landing.parse import CORRUPT, broken_json_sql

BOGOTA = "America/Bogota"
FUTURE_TOLERANCE = "INTERVAL 5 MINUTES"
_ARRIVAL = r"arrival_date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/"
_MONEY = ("amount", "commission")
LONG_LINE_KEPT = 1024  # characters of a line_too_long record kept in the quarantine
Checks = Iterator[tuple[str, str]]  # (condition, reason), both SQL, in checking order


def sql_string(value: str) -> str:
    """``value`` as a Spark SQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _event(name: str) -> str:
    return f"event.`{name}`"


def _text(name: str) -> str:
    return f"event_text.`{name}`"


def _in(name: str, values: Iterable[str]) -> str:
    """``event.<name>`` is one of ``values`` (null when it is null, as ``Column.isin``)."""
    quoted = [sql_string(v) for v in sorted(values)]
    if not quoted:
        return f"CASE WHEN {_event(name)} IS NOT NULL THEN false END"
    return f"{_event(name)} IN ({', '.join(quoted)})"


def _missing_field() -> Checks:
    for field in TRANSACTION_FIELDS:
        if field.required:
            absent = f"{_event(field.name)} IS NULL AND {_text(field.name)} IS NULL"
            yield absent, sql_string(f"missing_field:{field.name}")


def _wrong_type() -> Checks:
    """A field present as text whose typed value is null: its JSON type did not fit. One
    check on a line the typed parse accepted (nearly every line), the per-field ones nested
    under it."""
    fields = [
        f"WHEN {_text(f.name)} IS NOT NULL AND {_event(f.name)} IS NULL "
        f"THEN {sql_string(f'wrong_type:{f.name}')}"
        for f in TRANSACTION_FIELDS
    ]
    yield f"{_event(CORRUPT)} IS NOT NULL", f"CASE {' '.join(fields)} ELSE 'wrong_type' END"


def _invalid_value() -> Checks:
    for field in TRANSACTION_FIELDS:
        if field.allowed is not None:
            yield (
                f"NOT ({_in(field.name, field.allowed)})",
                sql_string(f"invalid_value:{field.name}"),
            )
        elif field.type is FieldType.STRING and field.required:
            yield f"trim({_event(field.name)}) = ''", sql_string(f"invalid_value:{field.name}")
    yield f"{_event('latency_ms')} < 0", "'invalid_value:latency_ms'"
    reversal_without_sale = (
        f"{_event('event_type')} = 'reversal' "
        f"AND coalesce(trim({_event('reversed_transaction_id')}) = '', true)"
    )
    yield reversal_without_sale, "'invalid_value:reversed_transaction_id'"


def _negative_amount() -> Checks:
    for name in _MONEY:
        yield f"{_event(name)} < 0", sql_string(f"negative_amount:{name}")


def _unknown_product(product_provider: Mapping[str, str]) -> str:
    """The product is not one of the reference's, or not of this provider."""
    pairs = [sql_string(x) for pair in sorted(product_provider.items()) for x in pair]
    provider = "''"
    if pairs:
        provider = f"coalesce(element_at(map({', '.join(pairs)}), {_event('product_id')}), '')"
    return f"{provider} != {_event('provider_id')}"


def arrival_end_sql() -> str:
    """End of the file's arrival hour (Bogota folders) in UTC; null outside the layout."""
    pattern = sql_string(_ARRIVAL)
    day = f"regexp_extract(source_file, {pattern}, 1)"
    hour = f"regexp_extract(source_file, {pattern}, 2)"
    local_start = f"to_timestamp(concat({day}, ' ', {hour}), 'yyyy-MM-dd HH')"
    return f"to_utc_timestamp({local_start}, '{BOGOTA}') + INTERVAL 1 HOUR"


def arrival_date_sql() -> str:
    return f"to_date(regexp_extract(source_file, {sql_string(_ARRIVAL)}, 1))"


def reason_sql(
    providers: Iterable[str],
    product_provider: Mapping[str, str],
    clients: Iterable[str],
    max_line_bytes: int | None = None,
) -> str:
    """The ``reason`` of a parsed line as one SQL ``CASE``: the first check that holds gives
    the code, in the order of the module docstring. Built as text and handed to Spark in one
    call: as ``Column`` objects it was a few hundred py4j calls per run (decision 0202)."""
    checks = [(broken_json_sql(), "'malformed_json'")]
    if max_line_bytes is not None:
        checks.insert(0, (f"octet_length(raw_record) > {int(max_line_bytes)}", "'line_too_long'"))
    checks += [*_missing_field(), *_wrong_type(), *_invalid_value(), *_negative_amount()]
    checks.append((f"NOT ({_in('provider_id', providers)})", "'unknown_provider'"))
    checks.append((_unknown_product(product_provider), "'unknown_product'"))
    checks.append((f"NOT ({_in('client_id', clients)})", "'unknown_client'"))
    future = f"{_event('event_at')} > {arrival_end_sql()} + {FUTURE_TOLERANCE}"
    checks.append((future, "'future_timestamp'"))
    body = "\n".join(f"WHEN {condition} THEN {reason}" for condition, reason in checks)
    return f"CASE\n{body}\nEND"


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
    reason = reason_sql(providers, product_provider, clients, max_line_bytes)
    return parsed.withColumn("reason", F.expr(reason))


def narrow(classified: DataFrame, fallback_day: str) -> DataFrame:
    """What the rest of the run needs of each line, typed and flat: ``reason``, the contract
    columns, lineage (``source_file``, ``line_id``), ``dt`` (the event's Bogota day for a valid
    line, the arrival day for a rejected one) and ``raw_record`` (rejected lines only, as
    quarantined). This is the frame a run caches: the text and the parsed structs are not
    kept (decision 0202). One ``selectExpr``: one call into the JVM."""
    event_day = f"to_date(from_utc_timestamp({_event('event_at')}, '{BOGOTA}'))"
    arrival_day = f"coalesce({arrival_date_sql()}, to_date({sql_string(fallback_day)}))"
    return classified.selectExpr(
        "reason",
        *[f"{_event(f.name)} AS `{f.name}`" for f in TRANSACTION_FIELDS],
        "source_file",
        "line_id",
        f"CASE WHEN reason IS NULL THEN {event_day} ELSE {arrival_day} END AS dt",
        f"CASE WHEN reason IS NOT NULL THEN {_quarantined_text()} END AS raw_record",
    )


def _quarantined_text() -> str:
    # A garbage line may hold bytes that are not UTF-8; Parquet strings must be valid UTF-8
    # (DuckDB and Athena refuse the file otherwise): invalid bytes become U+FFFD.
    raw = "decode(encode(raw_record, 'UTF-8'), 'UTF-8')"
    # An over-long line keeps its start only: enough to identify it, not megabytes per row.
    return (
        f"CASE WHEN reason = 'line_too_long' THEN substring({raw}, 1, {LONG_LINE_KEPT}) "
        f"ELSE {raw} END"
    )


def valid_events(lines: DataFrame) -> DataFrame:
    """The contract columns of valid lines (of ``narrow``), plus lineage, ordering keys, ``dt``."""
    columns = [f.name for f in TRANSACTION_FIELDS]
    return lines.where(F.col("reason").isNull()).select(*columns, "source_file", "line_id", "dt")


def quarantined(lines: DataFrame) -> DataFrame:
    """Rejected lines (of ``narrow``) as read, with their reason and arrival ``dt``."""
    return lines.where(F.col("reason").isNotNull()).select(
        "raw_record", "reason", "source_file", "dt"
    )
