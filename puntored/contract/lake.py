"""The lake's layout, defined once: table folders and ``dt`` partition naming.

The landing job writes it, the Athena DDL / Glue catalog and dbt's sources read it, the reports
and the tests address it — all through these names. Standard library only (the Glue and Flink
environments import the contract).

    <lake>/raw/transactions/dt=YYYY-MM-DD/*.parquet   raw.transactions
    <lake>/raw/quarantine/dt=YYYY-MM-DD/*.parquet     raw.quarantine
    <lake>/_manifests/land-<run>.json                 one manifest per landing run
    <lake>/reports/provider_id=<id>/dt=YYYY-MM-DD/    provider reconciliation files
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PARTITION_COLUMN = "dt"
MANIFESTS_FOLDER = "_manifests"
STAGING_FOLDER = "_staging"
REPORTS_FOLDER = "reports"
LANDING_TRANSACTIONS_FOLDER = "transactions"  # under the landing zone's root


@dataclass(frozen=True)
class LakeTable:
    """A Hive-style table of the lake: ``<lake>/<database>/<name>/dt=YYYY-MM-DD/``."""

    database: str
    name: str

    @property
    def relative(self) -> str:
        """The table's folder relative to the lake root (``raw/transactions``)."""
        return f"{self.database}/{self.name}"

    def location(self, lake_root: str) -> str:
        """The table's folder under a lake root (a local path or an ``s3://`` URI)."""
        return f"{lake_root.rstrip('/')}/{self.relative}"


RAW_TRANSACTIONS = LakeTable("raw", "transactions")
RAW_QUARANTINE = LakeTable("raw", "quarantine")


def partition_name(day: date) -> str:
    """The folder of one day's partition: ``dt=YYYY-MM-DD``."""
    return f"{PARTITION_COLUMN}={day.isoformat()}"


def partition_day(folder_name: str) -> date | None:
    """The day of a ``dt=YYYY-MM-DD`` folder name; None for any other name."""
    prefix = f"{PARTITION_COLUMN}="
    if not folder_name.startswith(prefix):
        return None
    try:
        return date.fromisoformat(folder_name[len(prefix) :])
    except ValueError:
        return None
