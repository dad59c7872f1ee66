"""Merge new rows into dt partitions and swap them into place.

Only the partitions touched by a run are rewritten: each is read back, unioned with its new
rows, written to a staging folder, then swapped in (rename the old folder aside, rename the new
one in, delete the old). A plain dynamic overwrite with only the new batch would wipe late
days' earlier rows.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from puntored.contract.lake import partition_day, partition_name

MAX_ROWS_PER_FILE = 2_000_000


def partition_dir(table_dir: Path, day: date) -> Path:
    return table_dir / partition_name(day)


def read_partitions(
    spark: SparkSession, table_dir: Path, days: Iterable[date], columns: list[str]
) -> DataFrame | None:
    """The existing rows of these dt partitions (None when none exists yet)."""
    paths = [str(p) for d in sorted(days) if (p := partition_dir(table_dir, d)).is_dir()]
    if not paths:
        return None
    frame = spark.read.option("basePath", str(table_dir)).parquet(*paths)
    return frame.select(*columns, "dt")


def write_staged(frame: DataFrame, staging_dir: Path, sort_columns: list[str]) -> None:
    """One task per dt (a day is a few files), sorted inside each file, ZSTD Parquet."""
    (
        frame.repartition("dt")
        .sortWithinPartitions("dt", *sort_columns)
        .write.mode("overwrite")
        .option("compression", "zstd")
        .option("maxRecordsPerFile", MAX_ROWS_PER_FILE)
        .partitionBy("dt")
        .parquet(str(staging_dir))
    )
    for checksum in staging_dir.rglob("*.crc"):
        checksum.unlink()
    (staging_dir / "_SUCCESS").unlink(missing_ok=True)


def staged_days(staging_dir: Path) -> list[date]:
    if not staging_dir.is_dir():
        return []
    days = (partition_day(p.name) for p in staging_dir.iterdir() if p.is_dir())
    return sorted(day for day in days if day is not None)


def count_staged(spark: SparkSession, staging_dir: Path) -> int:
    if not staged_days(staging_dir):
        return 0
    return spark.read.parquet(str(staging_dir)).count()


def swap_in(staging_dir: Path, table_dir: Path, trash_dir: Path) -> list[date]:
    """Move every staged dt folder into the table, replacing the old one; returns the days."""
    days = staged_days(staging_dir)
    table_dir.mkdir(parents=True, exist_ok=True)
    trash_dir.mkdir(parents=True, exist_ok=True)
    for day in days:
        target = partition_dir(table_dir, day)
        if target.exists():
            target.rename(partition_dir(trash_dir, day))
        partition_dir(staging_dir, day).rename(target)
    shutil.rmtree(trash_dir, ignore_errors=True)
    return days


def with_ingested_at(frame: DataFrame, ingested_at: str) -> DataFrame:
    return frame.withColumn("ingested_at", F.to_timestamp(F.lit(ingested_at)))
