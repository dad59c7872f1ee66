"""Merge new rows into dt partitions: read back the touched days, write them staged.

Only the partitions touched by a run are rewritten: each is read back from where it is
published (``publish.Publisher.current``), unioned with its new rows and written to the run's
staging prefix; ``publish`` then makes the staged days the table's. A plain dynamic overwrite
with only the new batch would wipe late days' earlier rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from puntored.contract.lake import PARTITION_COLUMN
from puntored.glue.landing.publish import Publisher
from puntored.storage import is_s3

MAX_ROWS_PER_FILE = 2_000_000


def read_partitions(
    spark: SparkSession, publisher: Publisher, days: Iterable[date], columns: list[str]
) -> DataFrame | None:
    """The published rows of these dt partitions (None when none exists yet)."""
    frames = []
    for day in sorted(days):
        location = publisher.current(day)
        if location is None:
            continue
        frame = spark.read.parquet(location).select(*columns)
        frames.append(frame.withColumn(PARTITION_COLUMN, F.lit(day).cast("date")))
    if not frames:
        return None
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.unionByName(frame)
    return merged


def write_staged(frame: DataFrame, staging: str, sort_columns: list[str]) -> None:
    """One task per dt (a day is a few files), sorted inside each file, ZSTD Parquet."""
    (
        frame.repartition("dt")
        .sortWithinPartitions("dt", *sort_columns)
        .write.mode("overwrite")
        .option("compression", "zstd")
        .option("maxRecordsPerFile", MAX_ROWS_PER_FILE)
        .partitionBy("dt")
        .parquet(staging)
    )
    if not is_s3(staging):  # Hadoop's local checksum files; Glue's S3 committer writes none
        for checksum in Path(staging).rglob("*.crc"):
            checksum.unlink()
        (Path(staging) / "_SUCCESS").unlink(missing_ok=True)


def with_ingested_at(frame: DataFrame, ingested_at: str) -> DataFrame:
    return frame.withColumn("ingested_at", F.to_timestamp(F.lit(ingested_at)))
