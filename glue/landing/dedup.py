"""Duplicate ``transaction_id``s: keep the earliest arrival, drop every later copy.

Rule: among copies of one id, the copy kept is the first in arrival order (source file path,
which sorts by arrival_date, hour and file name; then line order). A copy of an id already in
the lake is dropped too: what was landed first stays. Re-sent events are byte-identical, so
the rule only decides which ``source_file`` the row keeps.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

COPY = "_copy"


def number_copies(events: DataFrame) -> DataFrame:
    """Adds ``_copy``: 1 for the first arrival of each id, 2, 3… for later copies."""
    arrival_order = Window.partitionBy("transaction_id").orderBy("source_file", "line_id")
    return events.withColumn(COPY, F.row_number().over(arrival_order))


def is_first_copy() -> Column:
    return F.col(COPY) == 1


def first_copies(numbered: DataFrame) -> DataFrame:
    return numbered.where(is_first_copy()).drop(COPY)


def already_landed(events: DataFrame, landed: DataFrame) -> DataFrame:
    """Events whose id is in ``landed`` (the touched partitions already in the lake)."""
    return events.join(landed.select("transaction_id"), "transaction_id", "left_semi")


def drop_lake_duplicates(events: DataFrame, landed: DataFrame) -> DataFrame:
    """Events whose id is not in ``landed``."""
    return events.join(landed.select("transaction_id"), "transaction_id", "left_anti")
