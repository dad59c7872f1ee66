"""Duplicate ``transaction_id``s: keep the earliest arrival, drop every later copy.

Rule: among copies of one id, the copy kept is the first in arrival order (source file path,
which sorts by arrival_date, hour and file name; then line order). A copy of an id already in
the lake is dropped too: what was landed first stays. Re-sent events are byte-identical, so
the rule only decides which ``source_file`` the row keeps.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F


def drop_batch_duplicates(events: DataFrame) -> DataFrame:
    arrival_order = Window.partitionBy("transaction_id").orderBy("source_file", "line_id")
    ranked = events.withColumn("_copy", F.row_number().over(arrival_order))
    return ranked.where(F.col("_copy") == 1).drop("_copy")


def drop_lake_duplicates(events: DataFrame, landed: DataFrame) -> DataFrame:
    """Events whose id is not in ``landed`` (the touched partitions already in the lake)."""
    return events.join(landed.select("transaction_id"), "transaction_id", "left_anti")
