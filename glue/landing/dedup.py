"""Duplicate ``transaction_id``s: keep the earliest arrival, drop every later copy.

Rule: among copies of one id, the copy kept is the first in arrival order (source file path,
which sorts by arrival_date, hour and file name; then line order). A copy of an id already in
the lake is dropped too: what was landed first stays. Re-sent events are byte-identical, so
the rule only decides which ``source_file`` the row keeps.

The window that applies the rule sorts every row it sees, so it only sees the rows whose id
occurs more than once in the batch (``repeats``: one aggregation over the id column, the
touched lake partitions' ids included); every other row passes untouched (decision 0202).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

COPY = "_copy"
REPEATS = "_repeats"


def number_copies(events: DataFrame) -> DataFrame:
    """Adds ``_copy``: 1 for the first arrival of each id, 2, 3… for later copies."""
    arrival_order = Window.partitionBy("transaction_id").orderBy("source_file", "line_id")
    return events.withColumn(COPY, F.row_number().over(arrival_order))


def is_first_copy() -> Column:
    return F.col(COPY) == 1


def first_copies(numbered: DataFrame) -> DataFrame:
    return numbered.where(is_first_copy()).drop(COPY)


def drop_lake_duplicates(events: DataFrame, landed: DataFrame) -> DataFrame:
    """Events whose id is not in ``landed``."""
    return events.join(landed.select("transaction_id"), "transaction_id", "left_anti")


def repeats(events: DataFrame, landed: DataFrame | None) -> DataFrame:
    """One row per id that needs the rule: ``copies`` in the batch (> 1) or ``in_lake`` (its
    id is already in ``landed``, the touched partitions). Ids of ``landed`` alone are left out.
    """
    batch = events.select("transaction_id", F.lit(1).alias("batch"), F.lit(0).alias("lake"))
    if landed is not None:
        lake = landed.select("transaction_id", F.lit(0).alias("batch"), F.lit(1).alias("lake"))
        batch = batch.unionByName(lake)
    per_id = batch.groupBy("transaction_id").agg(
        F.sum("batch").alias("copies"), (F.max("lake") == 1).alias("in_lake")
    )
    return per_id.where((F.col("copies") > 1) | ((F.col("copies") > 0) & F.col("in_lake")))


def first_arrivals(events: DataFrame, repeated: DataFrame) -> DataFrame:
    """``events`` with only the first copy of each id in ``repeated`` (ids with copies)."""
    marked = events.join(
        repeated.select("transaction_id", F.lit(True).alias(REPEATS)), "transaction_id", "left"
    )
    single = marked.where(F.col(REPEATS).isNull()).drop(REPEATS)
    copies = marked.where(F.col(REPEATS).isNotNull()).drop(REPEATS)
    return single.unionByName(first_copies(number_copies(copies))).select(*events.columns)
