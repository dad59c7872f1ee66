"""One landing run: new files → classified lines → quarantine + merged dt partitions.

Nothing is committed (partitions swapped in, bookmark saved) until the conservation law
``records read = landed + quarantined + duplicates`` has been checked on what was written.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

from pyspark import StorageLevel
from pyspark.sql import DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from puntored.contract.lake import RAW_QUARANTINE, RAW_TRANSACTIONS
from puntored.contract.transaction import field_names
from puntored.errors import PuntoredError
from puntored.glue.landing import dedup, files, parse, publish, validate, write
from puntored.glue.landing.config import LandingConfig
from puntored.storage import Storage, StorageError, join

RAW_COLUMNS = [*field_names(), "source_file", "ingested_at"]
QUARANTINE_COLUMNS = ["raw_record", "reason", "source_file", "ingested_at"]
PROBE = "_write_probe"


class ConservationError(PuntoredError):
    """Records read do not equal landed + quarantined + duplicates: nothing was committed."""


@dataclass
class LandingResult:
    run_id: str
    started_at: str
    files_found: int = 0
    files_read: int = 0
    records_read: int = 0
    landed: int = 0
    quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    duplicates_in_batch: int = 0
    duplicates_in_lake: int = 0
    unreadable_files: dict[str, str] = field(default_factory=dict)
    skipped_files: dict[str, str] = field(default_factory=dict)  # not read: relative -> why
    stale_staging_removed: list[str] = field(default_factory=list)  # dead runs' staging
    partitions_written: list[str] = field(default_factory=list)
    quarantine_partitions_written: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    manifest_path: str | None = None

    @property
    def duplicates(self) -> int:
        return self.duplicates_in_batch + self.duplicates_in_lake

    @property
    def quarantined_by_code(self) -> dict[str, int]:
        """Counts by reason code, detail dropped (``missing_field:amount`` → ``missing_field``)."""
        codes: Counter[str] = Counter()
        for reason, count in self.quarantined_by_reason.items():
            codes[reason.split(":", 1)[0]] += count
        return dict(sorted(codes.items()))

    def summary(self) -> str:
        """One line for the pipeline's stage report."""
        if self.files_read == 0 and not self.unreadable_files and not self.skipped_files:
            return f"nothing new ({self.files_found} landing files already processed)"
        return (
            f"read {self.records_read:,} records from {self.files_read} files: landed "
            f"{self.landed:,}, quarantined {self.quarantined:,}, duplicates {self.duplicates:,}, "
            f"unreadable files {len(self.unreadable_files)}, "
            f"skipped files {len(self.skipped_files)}; "
            f"partitions {', '.join(self.partitions_written) or 'none'}"
        )

    def to_manifest(self) -> dict[str, object]:
        body = asdict(self)
        body.pop("manifest_path")
        body["quarantined_by_code"] = self.quarantined_by_code
        body["duplicates"] = self.duplicates
        body["conservation"] = {
            "read": self.records_read,
            "landed_plus_quarantined_plus_duplicates": self.landed
            + self.quarantined
            + self.duplicates,
            "holds": self.records_read == self.landed + self.quarantined + self.duplicates,
        }
        return body


def preflight(config: LandingConfig, storage: Storage, run_id: str) -> None:
    """Before any Spark work: the lake and the state location take a write (one line if not),
    and staging left by a run that died (``_staging/<run>/``, Spark's ``_temporary``) is
    removed — the run lock (decision 0701) means no other run is using it."""
    for what, location in (
        ("lake", join(config.staging(run_id), PROBE)),
        ("state", join(config.state, f"{PROBE}-{run_id}")),
    ):
        try:
            storage.write_bytes(location, b"")
            storage.delete(location)
        except StorageError as error:
            raise PuntoredError(f"the {what} is not writable, nothing was read: {error}") from None
    storage.delete_prefix(config.staging(run_id))


def stale_staging(config: LandingConfig, storage: Storage, run_id: str) -> list[str]:
    """Run ids with something left under ``_staging/`` (other than ``run_id``)."""
    runs = {e.relative.split("/", 1)[0] for e in storage.list_files(config.staging_root)}
    return sorted(runs - {run_id})


def land(
    spark: SparkSession,
    config: LandingConfig,
    now: datetime | None = None,
    storage: Storage | None = None,
) -> LandingResult:
    clock = time.perf_counter()
    storage = storage or Storage(config.aws)
    started = now or datetime.now(UTC)
    run_id = config.run_id or started.strftime("%Y%m%dT%H%M%S%fZ")
    result = LandingResult(run_id=run_id, started_at=started.isoformat().replace("+00:00", "Z"))
    preflight(config, storage, run_id)
    result.stale_staging_removed = remove_stale_staging(config, storage, run_id)
    bookmark = files.Bookmark(storage, config.bookmark)
    found = files.discover(storage, config.landing, config.first, config.last)
    new = [f for f in found.files if config.reprocess or bookmark.is_new(f.relative, f.size)]
    skipped = {
        relative: reason
        for relative, reason in found.skipped.items()
        if config.reprocess or bookmark.is_new(relative, found.skipped_sizes[relative])
    }
    result.files_found = found.found
    result.skipped_files = dict(sorted(skipped.items()))
    if new:
        result.unreadable_files = files.check_files(storage, new)
        readable = [f for f in new if f.relative not in result.unreadable_files]
        result.files_read = len(readable)
        staging = config.staging(run_id)
        try:
            _land_files(spark, config, storage, readable, result, staging, started)
        finally:
            storage.delete_prefix(staging)
    if new or skipped:
        bookmark.mark({f.relative: f.size for f in new})
        bookmark.mark({r: found.skipped_sizes[r] for r in skipped})
        bookmark.save()
        result.duration_s = round(time.perf_counter() - clock, 3)
        result.manifest_path = _write_manifest(storage, config, result)
    # No new file: nothing at all is written, not even a manifest.
    return result


def remove_stale_staging(config: LandingConfig, storage: Storage, run_id: str) -> list[str]:
    """Delete what dead runs left under ``_staging/``; their run ids."""
    stale = stale_staging(config, storage, run_id)
    for other in stale:
        storage.delete_prefix(config.staging(other))
    return stale


def _land_files(
    spark: SparkSession,
    config: LandingConfig,
    storage: Storage,
    readable: list[files.LandingFile],
    result: LandingResult,
    staging: str,
    started: datetime,
) -> None:
    ingested_at = started.strftime("%Y-%m-%d %H:%M:%S")
    raw = publish.publisher_for(
        storage, config.transactions, RAW_TRANSACTIONS.name, result.run_id,
        config.glue_database, config.aws,
    )  # fmt: skip
    quarantine = publish.publisher_for(
        storage, config.quarantine, RAW_QUARANTINE.name, result.run_id,
        config.glue_database, config.aws,
    )  # fmt: skip
    lines = _classify(spark, config, readable, started.date().isoformat())
    try:
        valid_days, bad_days = _count_lines(lines, result)
        staged_raw = join(staging, RAW_TRANSACTIONS.name)
        result.landed = _stage_transactions(
            spark, raw, lines, valid_days, staged_raw, ingested_at, result
        )
        staged_quarantine = join(staging, RAW_QUARANTINE.name)
        _stage_quarantine(
            spark, quarantine, lines, bad_days, readable, result, staged_quarantine, started
        )
        _check_conservation(result)
        days = raw.publish(staged_raw)
        result.partitions_written = [d.isoformat() for d in days]
        days = quarantine.publish(staged_quarantine)
        result.quarantine_partitions_written = [d.isoformat() for d in days]
    finally:
        lines.unpersist()


def _classify(
    spark: SparkSession, config: LandingConfig, readable: list[files.LandingFile], day: str
) -> DataFrame:
    """Every line parsed once, classified and narrowed to typed columns; that frame is cached
    (not the text, not the parsed structs): everything after reads it (decision 0202)."""
    if readable:
        lines = parse.read_lines(spark, [f.location for f in readable])
    else:
        lines = spark.createDataFrame([], "raw_record string, source_file string, line_id long")
    parsed = parse.parse_events(lines)
    classified = validate.classify(
        parsed, config.providers, config.product_provider, config.clients, config.max_line_bytes
    )
    return validate.narrow(classified, day).persist(StorageLevel.MEMORY_AND_DISK)


def _count_lines(lines: DataFrame, result: LandingResult) -> tuple[list[date], list[date]]:
    """Every line count from one aggregation; the days with valid and with rejected lines."""
    counts = lines.groupBy("reason", "dt").count().collect()
    result.records_read = sum(row["count"] for row in counts)
    bad: Counter[str] = Counter()
    for row in counts:
        if row["reason"] is not None:
            bad[row["reason"]] += row["count"]
    result.quarantined_by_reason = dict(sorted(bad.items()))
    result.quarantined = sum(bad.values())
    valid_days = sorted({r["dt"] for r in counts if r["reason"] is None})
    bad_days = sorted({r["dt"] for r in counts if r["reason"] is not None})
    return valid_days, bad_days


def _stage_transactions(
    spark: SparkSession,
    raw: publish.Publisher,
    lines: DataFrame,
    days: list[date],
    staging: str,
    ingested_at: str,
    result: LandingResult,
) -> int:
    """Writes the touched partitions, merged with their new rows, to ``staging``; returns the
    new rows written, counted as they are written (an ``Observation`` on the write).

    Each term of the conservation law is counted on its own (never as a difference), so a
    lost or doubled row shows up as a broken law.
    """
    if not days:
        return 0
    events = validate.valid_events(lines)
    lake_ids = write.read_partitions(spark, raw, days, ["transaction_id"])
    repeated = dedup.repeats(events, lake_ids).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        stats = repeated.agg(
            F.count("*").alias("ids"),
            F.sum(F.col("copies") - 1).alias("batch"),
            F.sum(F.col("in_lake").cast("int")).alias("lake"),
        ).first()
        assert stats is not None
        result.duplicates_in_batch = int(stats["batch"] or 0)
        result.duplicates_in_lake = int(stats["lake"] or 0)
        new = events
        if stats["ids"]:
            new = dedup.first_arrivals(events, repeated.where(F.col("copies") > 1))
        if lake_ids is not None:
            new = dedup.drop_lake_duplicates(new, repeated.where("in_lake"))
        new = write.with_ingested_at(new, ingested_at).select(*RAW_COLUMNS, "dt")
        new_days = days
        if stats["ids"]:  # some day may have had nothing but duplicates
            new_days = sorted(r["dt"] for r in new.select("dt").distinct().collect())
        if not new_days:
            return 0
        written = Observation("landed")
        merged = new.observe(written, F.count(F.lit(1)).alias("rows"))
        existing = write.read_partitions(spark, raw, new_days, RAW_COLUMNS)
        if existing is not None:
            merged = existing.unionByName(merged)
        write.write_staged(merged, staging, ["event_at", "transaction_id"])
        return int(written.get["rows"])
    finally:
        repeated.unpersist()


def _stage_quarantine(
    spark: SparkSession,
    quarantine: publish.Publisher,
    lines: DataFrame,
    bad_days: list[date],
    readable: list[files.LandingFile],
    result: LandingResult,
    staging: str,
    started: datetime,
) -> None:
    """Quarantined lines plus one row per unreadable file (raw_record null), merged per dt.

    Rows from the files of this run replace that file's earlier quarantine rows, so
    reprocessing a file does not quarantine its lines twice.
    """
    fallback_day = started.date().isoformat()
    bad = validate.quarantined(lines)
    unreadable = [
        (None, reason, source, _arrival_day(source, fallback_day))
        for source, reason in sorted(result.unreadable_files.items())
    ]
    days = set(bad_days)
    if unreadable:
        schema = "raw_record string, reason string, source_file string, dt string"
        bad_files = spark.createDataFrame(unreadable, schema).withColumn("dt", F.to_date("dt"))
        bad = bad.unionByName(bad_files)
        days |= {date.fromisoformat(row[-1]) for row in unreadable}
    if result.quarantined == 0 and not unreadable:
        return
    bad = write.with_ingested_at(bad, started.strftime("%Y-%m-%d %H:%M:%S"))
    bad = bad.select(*QUARANTINE_COLUMNS, "dt")
    existing = write.read_partitions(spark, quarantine, days, QUARANTINE_COLUMNS)
    if existing is not None:
        sources = [f.relative for f in readable] + list(result.unreadable_files)
        existing = existing.where(~F.col("source_file").isin(*sources))
        bad = existing.unionByName(bad)
    write.write_staged(bad, staging, ["source_file", "reason"])


def _arrival_day(relative: str, fallback: str) -> str:
    day = files.arrival_date(relative)
    return day.isoformat() if day else fallback


def _check_conservation(result: LandingResult) -> None:
    accounted = result.landed + result.quarantined + result.duplicates
    if result.records_read != accounted:
        raise ConservationError(
            f"conservation broken: read {result.records_read} != landed {result.landed} "
            f"+ quarantined {result.quarantined} + duplicates {result.duplicates} "
            f"(= {accounted}); nothing was committed"
        )


def _write_manifest(storage: Storage, config: LandingConfig, result: LandingResult) -> str:
    location = join(config.manifests, f"land-{result.run_id}.json")
    storage.write_json(location, result.to_manifest())
    return location
