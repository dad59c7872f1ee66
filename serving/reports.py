"""Provider reconciliation reports: per provider and day, the day's transactions (gzipped CSV)
and a totals summary that must match the daily mart.

Layout: ``<lake>/reports/provider_id=<id>/dt=<YYYY-MM-DD>/{transactions.csv.gz,summary.json}``.
Locally DuckDB reads the raw lake Parquet (one row per transaction_id already) and writes with
``COPY … TO``; a re-run replaces the day's folders. In aws mode the same SELECTs are rendered as
Athena ``UNLOAD`` statements (rendered and checked here, never run against a real Athena).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from puntored.errors import PuntoredError
from puntored.reference.load import load_reference
from puntored.settings import Settings

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
    unload_statements: list[str] = field(default_factory=list)  # aws mode: rendered, not run


def run_reports(
    settings: Settings, dt: date, *, providers: list[str] | None = None
) -> ReportsResult:
    """Write (or rewrite) the reports of ``dt`` for every provider with transactions that day."""
    if settings.mode == "aws":
        ids = providers or [p.provider_id for p in load_reference().providers]
        return ReportsResult(dt, unload_statements=render_unload_statements(settings, dt, ids))
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
    return True


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


def render_unload_statements(settings: Settings, dt: date, providers: list[str]) -> list[str]:
    """Athena UNLOAD per provider: the transactions (gzip CSV) and the totals (JSON).

    UNLOAD needs an empty target prefix: the caller clears the day's prefix first.
    """
    table = f'"{settings.glue_database}"."transactions"'
    statements = []
    for provider_id in providers:
        folder = report_folder(settings.lake_location, provider_id, dt)
        where = f"dt = '{dt.isoformat()}' AND provider_id = '{_safe(provider_id)}'"
        statements.append(
            f"UNLOAD (SELECT {', '.join(REPORT_COLUMNS)} FROM {table} WHERE {where} "
            f"ORDER BY event_at, transaction_id) TO '{folder}/transactions/' "
            "WITH (format = 'TEXTFILE', field_delimiter = ',', compression = 'gzip')"
        )
        statements.append(
            f"UNLOAD (SELECT provider_id, {TOTALS_SQL.strip()}, "
            "coalesce(sum(amount) FILTER (WHERE event_type = 'sale' AND status = 'approved'), 0) "
            "- coalesce(sum(amount) FILTER (WHERE event_type = 'reversal' "
            "AND status = 'approved'), 0) AS net_amount "
            f"FROM {table} WHERE {where} GROUP BY provider_id) TO '{folder}/summary/' "
            "WITH (format = 'JSON')"
        )
    return statements
