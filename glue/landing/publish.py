"""Publish a run's staged dt partitions so readers never see half a day, two copies or none.

A run writes every touched day, merged (old rows + new), to ``<lake>/_staging/<run>/<table>/``.
Publishing makes each staged day the table's day in one step a reader cannot see halfway
(docs/decisions/0220-landing-on-s3-publish-by-catalog.md):

- **Local folders** (``FolderSwap``): rename the old ``dt=D`` folder aside, rename the staged
  one in, delete the old (DuckDB reads ``<table>/*/*.parquet``).
- **S3** (``CatalogSwitch``): S3 has no rename. The staged objects are copied (server side) to
  a run-scoped prefix ``<table>/dt=D/run=<run>/``, which no reader looks at, and then the
  partition's location in the Glue Data Catalog is switched to it with one ``UpdatePartition``
  (``CreatePartition`` for a new day). Athena and dbt-athena resolve the partition through the
  catalog, so a query sees the old version or the new one, never both. The version it
  replaces is kept until the day is published again (queries started before the switch still
  read it); older versions and copies of runs that died before their switch are deleted then.

Both give one partition at a time atomically; a run that dies between two days leaves some days
published and its bookmark unsaved, and the re-run counts those rows as lake duplicates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from puntored.contract.lake import PARTITION_COLUMN, partition_day, partition_name
from puntored.errors import PuntoredError
from puntored.storage import AwsConfig, Storage, is_s3, join

RUN_PREFIX = "run="


class PublishError(PuntoredError):
    """The catalog refused a partition change (one line: table, day, why)."""


class Publisher(Protocol):
    def current(self, day: date) -> str | None:
        """Where the published rows of ``day`` are (None: the day has none yet)."""
        ...

    def publish(self, staged: str) -> list[date]:
        """Make every day staged under ``staged`` (``dt=D/`` folders) the table's; the days."""
        ...


def staged_days(storage: Storage, staged: str) -> dict[date, list[str]]:
    """day -> the staged files of that day (one listing)."""
    days: dict[date, list[str]] = {}
    for entry in storage.list_files(staged):
        folder, _, name = entry.relative.partition("/")
        day = partition_day(folder)
        if day is not None and name and not name.startswith("_"):
            days.setdefault(day, []).append(entry.location)
    return dict(sorted(days.items()))


class FolderSwap:
    """Local folders: the partition is ``<table>/dt=D``, swapped in by two renames."""

    def __init__(self, storage: Storage, table: str) -> None:
        self.storage = storage
        self.table = table

    def current(self, day: date) -> str | None:
        location = join(self.table, partition_name(day))
        return location if self.storage.exists(location) else None

    def publish(self, staged: str) -> list[date]:
        days = sorted(staged_days(self.storage, staged))
        table, trash = Path(self.table), Path(staged + ".trash")
        table.mkdir(parents=True, exist_ok=True)
        trash.mkdir(parents=True, exist_ok=True)
        for day in days:
            target = table / partition_name(day)
            if target.exists():
                target.rename(trash / partition_name(day))
            (Path(staged) / partition_name(day)).rename(target)
        self.storage.delete_prefix(str(trash))
        return days


class CatalogSwitch:
    """S3: run-scoped prefixes, the partition's location switched in the Glue Data Catalog."""

    def __init__(
        self,
        storage: Storage,
        aws: AwsConfig,
        database: str,
        table_name: str,
        table: str,
        run_id: str,
    ) -> None:
        self.storage = storage
        self.glue = aws.client("glue")
        self.database = database
        self.table_name = table_name
        self.table = table
        self.run_id = run_id

    def current(self, day: date) -> str | None:
        partition = self._partition(day)
        return None if partition is None else str(partition["StorageDescriptor"]["Location"])

    def version_location(self, day: date, run_id: str) -> str:
        return join(self.table, partition_name(day), f"{RUN_PREFIX}{run_id}") + "/"

    def publish(self, staged: str) -> list[date]:
        days = staged_days(self.storage, staged)
        descriptor = self._table_descriptor() if days else {}
        for day, objects in days.items():
            target = self.version_location(day, self.run_id)
            for location in objects:  # copies first: nobody reads the new prefix yet
                self.storage.copy(location, join(target, location.rsplit("/", 1)[-1]))
            replaced = self._switch(day, target, descriptor)
            self._drop_versions(day, keep={target, replaced})
        return list(days)

    def _switch(self, day: date, location: str, descriptor: dict[str, Any]) -> str | None:
        """Point the day's partition at ``location``; the location it had (None: new day)."""
        old = self._partition(day)
        partition_input = {
            "Values": [day.isoformat()],
            "StorageDescriptor": {**descriptor, "Location": location},
        }
        with self._errors(day):
            if old is None:
                self.glue.create_partition(
                    DatabaseName=self.database,
                    TableName=self.table_name,
                    PartitionInput=partition_input,
                )
                return None
            self.glue.update_partition(
                DatabaseName=self.database,
                TableName=self.table_name,
                PartitionValueList=[day.isoformat()],
                PartitionInput=partition_input,
            )
        return str(old["StorageDescriptor"]["Location"])

    def _drop_versions(self, day: date, keep: set[str | None]) -> None:
        """Delete this day's versions other than ``keep`` (superseded long ago, or copied by
        a run that died before its switch)."""
        day_prefix = join(self.table, partition_name(day))
        kept = {k.rstrip("/") for k in keep if k}
        versions = {
            join(day_prefix, entry.relative.split("/", 1)[0])
            for entry in self.storage.list_files(day_prefix)
            if entry.relative.startswith(RUN_PREFIX)
        }
        for version in sorted(versions - kept):
            self.storage.delete_prefix(version)

    def _partition(self, day: date) -> dict[str, Any] | None:
        try:
            answer = self.glue.get_partition(
                DatabaseName=self.database,
                TableName=self.table_name,
                PartitionValues=[day.isoformat()],
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "EntityNotFoundException":
                return None
            raise PublishError(self._why(day, error)) from None
        return dict(answer["Partition"])

    def _table_descriptor(self) -> dict[str, Any]:
        """The table's storage descriptor (columns, formats, SerDe) for its partitions."""
        with self._errors(None):
            table = self.glue.get_table(DatabaseName=self.database, Name=self.table_name)
        descriptor = dict(table["Table"]["StorageDescriptor"])
        descriptor.pop("Location", None)
        return descriptor

    def _why(self, day: date | None, error: Exception) -> str:
        where = f"{self.database}.{self.table_name}" + (f" {PARTITION_COLUMN}={day}" if day else "")
        if isinstance(error, ClientError):
            details = error.response.get("Error", {})
            why = f"{details.get('Code')} {details.get('Message', '')}".rstrip()
            return f"Glue Data Catalog refused {where}: {why}"
        return f"Glue Data Catalog unreachable for {where}: {error}"

    @contextmanager
    def _errors(self, day: date | None) -> Iterator[None]:
        try:
            yield
        except (ClientError, BotoCoreError) as error:
            raise PublishError(self._why(day, error)) from None


def publisher_for(
    storage: Storage,
    table: str,
    table_name: str,
    run_id: str,
    database: str | None,
    aws: AwsConfig,
) -> Publisher:
    """``CatalogSwitch`` for a table on S3, ``FolderSwap`` for a local folder."""
    if is_s3(table):
        if not database:
            raise PuntoredError(f"{table} is on S3: a Glue database is needed to publish it")
        return CatalogSwitch(storage, aws, database, table_name, table, run_id)
    return FolderSwap(storage, table)
