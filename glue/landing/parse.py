"""Read landing files as text lines and parse them with the contract's explicit schema.

Lines are read as text first so every line's fate is known and the raw text can be kept for
the quarantine. Parsing is ``from_json`` (no Python UDFs); a second, all-string parse runs only
for the lines the typed parse rejected, to tell broken JSON from a wrongly typed field.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from puntored.contract.spark import transaction_schema
from puntored.contract.transaction import field_names

CORRUPT = "_corrupt_record"
_JSON_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT}
# Landing-relative path: everything from the last "transactions/" on.
_RELATIVE_SOURCE = r"^.*/(transactions/[^/]+/[^/]+/[^/]+)$"


def read_lines(spark: SparkSession, paths: Sequence[str]) -> DataFrame:
    """One row per line: ``raw_record``, ``source_file`` (landing-relative), ``line_id``.

    ``line_id`` grows with the line's position inside its file (a gzip file is one split),
    so (source_file, line_id) is the arrival order of the lines.
    """
    full_path = F.input_file_name()
    relative = F.regexp_extract(full_path, _RELATIVE_SOURCE, 1)
    return spark.read.text(list(paths)).select(
        F.col("value").alias("raw_record"),
        F.when(relative == "", full_path).otherwise(relative).alias("source_file"),
        F.monotonically_increasing_id().alias("line_id"),
    )


def typed_schema() -> T.StructType:
    return T.StructType([*transaction_schema().fields, T.StructField(CORRUPT, T.StringType())])


def text_schema() -> T.StructType:
    """Every field as a string: accepts any JSON value, so only broken JSON is corrupt here."""
    fields = [T.StructField(name, T.StringType()) for name in field_names()]
    return T.StructType([*fields, T.StructField(CORRUPT, T.StringType())])


def parse_events(lines: DataFrame) -> DataFrame:
    """Adds ``event`` (typed struct, partial on type errors) and ``event_text`` (all strings,
    only for lines the typed parse marked corrupt; null otherwise)."""
    event = F.from_json("raw_record", typed_schema(), _JSON_OPTIONS)
    parsed = lines.withColumn("event", event)
    event_text = F.when(
        F.col(f"event.{CORRUPT}").isNotNull(),
        F.from_json("raw_record", text_schema(), _JSON_OPTIONS),
    )
    return parsed.withColumn("event_text", event_text)


def broken_json_sql() -> str:
    """Blank line, non-object JSON, or JSON that does not parse even with all-string fields
    (a SQL condition over ``parse_events``' columns)."""
    return (
        "trim(raw_record) = '' OR NOT startswith(ltrim(raw_record), '{') "
        f"OR (event.`{CORRUPT}` IS NOT NULL AND event_text.`{CORRUPT}` IS NOT NULL)"
    )
