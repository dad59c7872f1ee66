"""Provider reconciliation reports: per provider and day, the day's transactions (gzipped CSV)
and a totals summary that must match the daily mart.

Layout (what ``api/report_files.py`` lists and serves):
``<reports>/provider_id=<id>/dt=<YYYY-MM-DD>/{transactions.csv.gz,summary.json}``.

* **local**: DuckDB reads the raw lake Parquet (one row per transaction_id already) and writes
  with ``COPY … TO`` under ``<data root>/lake/reports``; a re-run replaces the day's folders.
* **aws** (``Settings.reports_location``): Athena computes each provider's totals (one SELECT),
  they are checked against ``fct_provider_daily`` in the marts schema *before* anything is
  published, then one ``UNLOAD`` per provider writes the day's rows as CSV lines (gzip) under
  a run-scoped prefix of the Athena staging dir; the publish step checks each provider's
  unloaded row count against its totals and writes ``transactions.csv.gz`` (a header member +
  the unloaded gzip members, one valid gzip stream) and then ``summary.json``, each one atomic
  S3 PutObject; the staging prefix is removed (decision 0712).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from puntored.contract.lake import partition_name
from puntored.errors import PuntoredError
from puntored.reference.load import load_reference
from puntored.serving.athena import Athena
from puntored.settings import Settings
from puntored.storage import Storage, join

REPORT_COLUMNS = (
    "transaction_id", "event_at", "event_type", "product_id", "client_id", "amount",
    "commission", "status", "response_code", "reversed_transaction_id",
)  # fmt: skip
# The daily mart's measures a summary carries, computed by the mart's rules: sale events by
# status; approved reversals on their own day; commission net of approved reversals.
TOTALS_SQL = """
    count(*) FILTER (WHERE event_type = 'sale') AS transactions,
    count(*) FILTER (WHERE event_type = 'sale' AND status = 'approved') AS approved,
    count(*) FILTER (WHERE event_type = 'sale' AND status = 'rejected') AS rejected,
    count(*) FILTER (WHERE event_type = 'sale' AND status = 'failed') AS failed,
    count(*) FILTER (WHERE event_type = 'reversal' AND status = 'approved') AS reversed,
    coalesce(sum(amount) FILTER (WHERE event_type = 'sale' AND status = 'approved'), 0)
        AS gross_amount,
    coalesce(sum(amount) FILTER (WHERE event_type = 'reversal' AND status = 'approved'), 0)
        AS reversed_amount,
    coalesce(sum(commission) FILTER (WHERE event_type = 'sale' AND status = 'approved'), 0)
      - coalesce(sum(commission) FILTER (WHERE event_type = 'reversal' AND status = 'approved'), 0)
        AS commission
"""
TOTAL_NAMES = (
    "transactions", "approved", "rejected", "failed", "reversed",
    "gross_amount", "reversed_amount", "net_amount", "commission",
)  # fmt: skip
_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]+")
CSV_NAME = "transactions.csv.gz"  # the names api/report_files.py serves
SUMMARY_NAME = "summary.json"
TEXT_COLUMNS = (
    "transaction_id", "event_type", "product_id", "client_id", "status", "response_code",
    "reversed_transaction_id",
)  # fmt: skip
UNLOAD_FOLDER = "reports-unload"  # under PUNTORED_ATHENA_S3_STAGING_DIR, one prefix per run


@dataclass
class ProviderReport:
    provider_id: str
    folder: str
    rows: int
    totals: dict[str, int | Decimal]


@dataclass
class ReportsResult:
    dt: date
    reports: list[ProviderReport] = field(default_factory=list)
    checked_against_mart: bool = False
    unload_statements: list[str] = field(default_factory=list)  # aws mode: what Athena ran


def run_reports(
    settings: Settings,
    dt: date,
    *,
    providers: list[str] | None = None,
    athena: Athena | None = None,
) -> ReportsResult:
    """Write (or rewrite) the reports of ``dt`` for every provider with transactions that day."""
    if settings.mode == "aws":
        return _athena_reports(settings, dt, providers, athena or Athena(settings))
    return _local_reports(settings, dt, providers)


def report_folder(lake: str, provider_id: str, dt: date) -> str:
    return f"{lake.rstrip('/')}/reports/provider_id={_safe(provider_id)}/dt={dt.isoformat()}"


def _safe(provider_id: str) -> str:
    if not _SAFE_ID.fullmatch(provider_id):
        raise PuntoredError(f"unexpected provider_id {provider_id!r}")
    return provider_id


def _local_reports(settings: Settings, dt: date, providers: list[str] | None) -> ReportsResult:
    day_folder = settings.raw_transactions_dir / f"dt={dt.isoformat()}"
    if not any(day_folder.glob("*.parquet")):
        raise PuntoredError(f"no landed transactions for {dt} under {day_folder}: run land first")
    connection = duckdb.connect()
    try:
        connection.execute("SET TimeZone = 'UTC'")  # event_at is written in UTC, whatever the host
        connection.execute(
            f"CREATE TEMP TABLE day AS SELECT {', '.join(REPORT_COLUMNS)}, provider_id "
            "FROM read_parquet(?)",
            [str(day_folder / "*.parquet")],
        )
        totals = _totals(connection, providers)
        checked = _check_against_mart(settings, dt, totals)
        _clear_day(settings.lake_dir, dt, providers)
        reports = [_write_report(connection, settings, dt, pid, t) for pid, t in totals.items()]
    finally:
        connection.close()
    return ReportsResult(dt, reports, checked_against_mart=checked)


def _totals(
    connection: duckdb.DuckDBPyConnection, providers: list[str] | None
) -> dict[str, dict[str, Any]]:
    rows = connection.execute(
        f"SELECT provider_id, count(*) AS report_rows, {TOTALS_SQL} FROM day "
        "GROUP BY provider_id ORDER BY provider_id"
    ).fetchall()
    totals = {}
    for provider_id, report_rows, *values in rows:
        if providers is not None and provider_id not in providers:
            continue
        measures = dict(zip((*TOTAL_NAMES[:7], "commission"), values, strict=True))
        measures["net_amount"] = measures["gross_amount"] - measures["reversed_amount"]
        totals[provider_id] = {
            "rows": report_rows,
            **{name: _decimal2(measures[name]) for name in TOTAL_NAMES},
        }
    return totals


def _decimal2(value: Any) -> int | Decimal:
    return value.quantize(Decimal("0.01")) if isinstance(value, Decimal) else int(value)


def _check_against_mart(settings: Settings, dt: date, totals: dict[str, dict[str, Any]]) -> bool:
    """Compare with fct_provider_daily when the warehouse has it; raise on any difference."""
    if not settings.duckdb_path.exists():
        return False
    warehouse = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        table = f'"{settings.marts_schema}"."fct_provider_daily"'
        try:
            rows = warehouse.execute(
                f"SELECT provider_id, {', '.join(TOTAL_NAMES)} FROM {table} WHERE dt = ?", [dt]
            ).fetchall()
        except duckdb.CatalogException:
            return False
    finally:
        warehouse.close()
    mart = {pid: dict(zip(TOTAL_NAMES, values, strict=True)) for pid, *values in rows}
    _refuse_differences(dt, totals, mart)
    return True


def _refuse_differences(
    dt: date, totals: dict[str, dict[str, Any]], mart: dict[str, dict[str, Any]]
) -> None:
    differences = [
        f"{pid} {name}: report {report[name]}, mart {mart.get(pid, {}).get(name)}"
        for pid, report in totals.items()
        for name in TOTAL_NAMES
        if mart.get(pid, {}).get(name) != report[name]
    ]
    if differences:
        raise PuntoredError(
            f"reports for {dt} do not match fct_provider_daily: " + "; ".join(differences[:10])
        )


def _clear_day(lake: Path, dt: date, providers: list[str] | None) -> None:
    """Remove the day's report folders (of the chosen providers), so a re-run leaves no stale
    file behind; the reports are rewritten right after."""
    for folder in (lake / "reports").glob(f"provider_id=*/dt={dt.isoformat()}"):
        if providers is None or folder.parent.name.removeprefix("provider_id=") in providers:
            shutil.rmtree(folder)


def _write_report(
    connection: duckdb.DuckDBPyConnection,
    settings: Settings,
    dt: date,
    provider_id: str,
    totals: dict[str, Any],
) -> ProviderReport:
    folder = Path(report_folder(str(settings.lake_dir), provider_id, dt))
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "transactions.csv.gz"
    connection.execute(
        f"COPY (SELECT {', '.join(REPORT_COLUMNS)} FROM day WHERE provider_id = '{provider_id}' "
        f"ORDER BY event_at, transaction_id) "
        f"TO '{csv_path}' (FORMAT csv, HEADER true, COMPRESSION gzip)"
    )
    summary = {"provider_id": provider_id, "dt": dt.isoformat(), **totals}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    measures = {name: totals[name] for name in TOTAL_NAMES}
    return ProviderReport(provider_id, str(folder), int(totals["rows"]), measures)


# -- aws mode: Athena ------------------------------------------------------------------------


def _raw_table(settings: Settings) -> str:
    return f'"{settings.glue_database}"."transactions"'


def _day_filter(dt: date, provider_id: str | None = None) -> str:
    where = f"dt = DATE '{dt.isoformat()}'"  # a date partition key (glue/ddl, projected)
    return where + (f" AND provider_id = '{_safe(provider_id)}'" if provider_id else "")


def totals_sql(settings: Settings, dt: date) -> str:
    """Per provider: the day's CSV rows and the mart's measures (net_amount in Python)."""
    return (
        f"SELECT provider_id, count(*) AS report_rows, {TOTALS_SQL.strip()} "
        f"FROM {_raw_table(settings)} WHERE {_day_filter(dt)} "
        "GROUP BY provider_id ORDER BY provider_id"
    )


def mart_sql(settings: Settings, dt: date) -> str:
    return (
        f"SELECT provider_id, {', '.join(TOTAL_NAMES)} "
        f'FROM "{settings.marts_schema}"."fct_provider_daily" '
        f"WHERE dt = DATE '{dt.isoformat()}'"
    )


def _csv_field(column: str) -> str:
    """A column as one CSV field: NULL empty, text quoted when it must be (RFC 4180)."""
    if column == "event_at":
        return f"date_format({column}, '%Y-%m-%d %H:%i:%s.%f') || '+00'"
    if column in TEXT_COLUMNS:
        return (
            f"CASE WHEN {column} IS NULL THEN '' "
            f"WHEN regexp_like({column}, '[\",\\r\\n]') "
            f"THEN '\"' || replace({column}, '\"', '\"\"') || '\"' ELSE {column} END"
        )
    return f"coalesce(CAST({column} AS VARCHAR), '')"


def csv_line_sql() -> str:
    """The SELECT list of one CSV line: UNLOAD's TEXTFILE writes fields unquoted, so the line is
    rendered whole, as one column, by the query."""
    return " || ',' || ".join(_csv_field(column) for column in REPORT_COLUMNS) + " AS line"


def render_unload_statements(
    settings: Settings, dt: date, providers: list[str], staging: str | None = None
) -> list[str]:
    """Athena UNLOAD per provider: the day's transactions as gzipped CSV lines under
    ``<staging>/provider_id=<id>/`` (UNLOAD needs an empty prefix: the run's own)."""
    staging = staging or join(settings.athena_s3_staging_dir or "", UNLOAD_FOLDER, "preview")
    return [
        f"UNLOAD (SELECT {csv_line_sql()} FROM {_raw_table(settings)} "
        f"WHERE {_day_filter(dt, provider_id)} ORDER BY event_at, transaction_id) "
        f"TO '{join(staging, f'provider_id={_safe(provider_id)}')}/' "
        "WITH (format = 'TEXTFILE', compression = 'gzip')"
        for provider_id in providers
    ]


def _athena_reports(
    settings: Settings, dt: date, providers: list[str] | None, athena: Athena
) -> ReportsResult:
    found = athena.query(totals_sql(settings, dt), database=settings.glue_database).as_dicts()
    totals = {}
    for row in found:
        if providers is not None and row["provider_id"] not in providers:
            continue
        measures = {name: row[name] for name in TOTAL_NAMES if name != "net_amount"}
        measures["net_amount"] = row["gross_amount"] - row["reversed_amount"]
        totals[str(row["provider_id"])] = {
            "rows": int(row["report_rows"]),
            **{name: _decimal2(measures[name]) for name in TOTAL_NAMES},
        }
    if not totals:
        raise PuntoredError(
            f"no landed transactions for {dt} in {_raw_table(settings)}: run land first"
        )
    mart_rows = athena.query(mart_sql(settings, dt), database=settings.marts_schema).as_dicts()
    mart = {str(r["provider_id"]): {n: _decimal2(r[n]) for n in TOTAL_NAMES} for r in mart_rows}
    _refuse_differences(dt, totals, mart)

    storage = Storage.from_settings(settings)
    run = f"{dt.isoformat()}-{uuid.uuid4().hex[:12]}"
    staging = join(settings.athena_s3_staging_dir or "", UNLOAD_FOLDER, run)
    statements = render_unload_statements(settings, dt, list(totals), staging)
    try:
        athena.run_all(statements, database=settings.glue_database)
        unloaded = {pid: _unloaded(storage, staging, pid, dt, totals[pid]) for pid in totals}
        reports = [
            _publish(storage, settings, dt, pid, totals[pid], parts)
            for pid, parts in unloaded.items()
        ]
        if providers is None:
            _remove_stale(storage, settings, dt, keep=set(totals))
    finally:
        storage.delete_prefix(staging)
    return ReportsResult(dt, reports, checked_against_mart=True, unload_statements=statements)


def _unloaded(
    storage: Storage, staging: str, provider_id: str, dt: date, totals: dict[str, Any]
) -> list[bytes]:
    """The gzip files UNLOAD wrote for the provider, checked to hold the day's rows."""
    parts = [
        storage.read_bytes(entry.location)
        for entry in storage.list_files(join(staging, f"provider_id={provider_id}"))
    ]
    rows = 0
    for part in parts:
        try:
            text = gzip.decompress(part).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError) as error:
            raise PuntoredError(
                f"UNLOAD output of {provider_id} {dt} is not gzipped UTF-8 text: {error}"
            ) from error
        rows += sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    if rows != totals["rows"]:
        raise PuntoredError(
            f"UNLOAD wrote {rows} rows for {provider_id} {dt}, the day has {totals['rows']}: "
            "nothing was published"
        )
    return parts


def _publish(
    storage: Storage,
    settings: Settings,
    dt: date,
    provider_id: str,
    totals: dict[str, Any],
    parts: list[bytes],
) -> ProviderReport:
    """transactions.csv.gz (header + the unloaded members), then summary.json: the API lists
    a day once both exist."""
    folder = join(
        settings.reports_location, f"provider_id={_safe(provider_id)}", partition_name(dt)
    )
    header = gzip.compress((",".join(REPORT_COLUMNS) + "\n").encode(), mtime=0)
    with storage.open_write(join(folder, CSV_NAME)) as out:
        out.write(header)
        for part in parts:
            out.write(part)
    summary = {"provider_id": provider_id, "dt": dt.isoformat(), **totals}
    storage.write_text(
        join(folder, SUMMARY_NAME), json.dumps(summary, indent=2, default=str) + "\n"
    )
    measures = {name: totals[name] for name in TOTAL_NAMES}
    return ProviderReport(provider_id, folder, int(totals["rows"]), measures)


def _remove_stale(storage: Storage, settings: Settings, dt: date, keep: set[str]) -> None:
    """A provider with no transactions on a re-run day loses its old report of that day."""
    for provider in load_reference().providers:
        if provider.provider_id not in keep:
            folder = join(
                settings.reports_location,
                f"provider_id={_safe(provider.provider_id)}",
                partition_name(dt),
            )
            storage.delete_prefix(folder)
