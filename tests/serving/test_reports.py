"""Provider reconciliation reports from the raw lake, checked against the daily mart."""

from __future__ import annotations

import csv
import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import trino_sql_validator

from puntored.errors import PuntoredError
from puntored.serving.reports import (
    REPORT_COLUMNS,
    mart_sql,
    render_unload_statements,
    run_reports,
    totals_sql,
)
from puntored.settings import Settings
from tests.support.report_day import DAY, PROVIDERS, expected_mart, raw_day, write_lake


def _write_mart(path: Path, mart: dict[str, dict[str, Any]]) -> None:
    connection = duckdb.connect(str(path))
    connection.execute(
        "CREATE TABLE fct_provider_daily (provider_id VARCHAR, transactions BIGINT, "
        "approved BIGINT, rejected BIGINT, failed BIGINT, reversed BIGINT, "
        "gross_amount DECIMAL(18,2), reversed_amount DECIMAL(18,2), net_amount DECIMAL(18,2), "
        "commission DECIMAL(18,2), dt DATE)"
    )
    for pid, m in mart.items():
        names = ["transactions", "approved", "rejected", "failed", "reversed",
                 "gross_amount", "reversed_amount", "net_amount", "commission"]  # fmt: skip
        connection.execute(
            "INSERT INTO fct_provider_daily VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [pid, *[m[n] for n in names], DAY],
        )
    connection.close()


@pytest.fixture
def raw_rows(settings: Settings) -> list[dict[str, Any]]:
    rows = raw_day()
    write_lake(settings.data_dir, rows)
    return rows


def test_reports_match_the_mart_and_hold_every_transaction(
    settings: Settings, raw_rows: list[dict[str, Any]]
) -> None:
    mart = expected_mart(raw_rows)
    _write_mart(settings.duckdb_path, mart)

    result = run_reports(settings, DAY)

    assert result.checked_against_mart
    assert sorted(r.provider_id for r in result.reports) == sorted(PROVIDERS)
    for report in result.reports:
        folder = Path(report.folder)
        assert (
            folder
            == settings.lake_dir / "reports" / f"provider_id={report.provider_id}" / "dt=2026-11-02"
        )
        summary = json.loads((folder / "summary.json").read_text())
        for name, value in mart[report.provider_id].items():
            assert Decimal(str(summary[name])) == value, name
        with gzip.open(folder / "transactions.csv.gz", "rt", newline="") as handle:
            lines = list(csv.DictReader(handle))
        assert tuple(lines[0]) == REPORT_COLUMNS
        mine = [r for r in raw_rows if r["provider_id"] == report.provider_id]
        assert summary["rows"] == report.rows == len(lines) == len(mine)
        assert {line["transaction_id"] for line in lines} == {r["transaction_id"] for r in mine}
        amounts = sum(Decimal(line["amount"]) for line in lines)
        assert amounts == sum(r["amount"] for r in mine)


def test_reports_are_rerunnable(settings: Settings, raw_rows: list[dict[str, Any]]) -> None:
    run_reports(settings, DAY)
    stale = settings.lake_dir / "reports" / "provider_id=gone" / "dt=2026-11-02"
    stale.mkdir(parents=True)
    (stale / "summary.json").write_text("{}")
    first = {p: p.read_bytes() for p in (settings.lake_dir / "reports").rglob("summary.json")}

    again = run_reports(settings, DAY)

    assert not again.checked_against_mart  # no warehouse in this data root
    second = {p: p.read_bytes() for p in (settings.lake_dir / "reports").rglob("summary.json")}
    assert second == {p: b for p, b in first.items() if "gone" not in str(p)}


def test_reports_that_disagree_with_the_mart_fail(
    settings: Settings, raw_rows: list[dict[str, Any]]
) -> None:
    mart = expected_mart(raw_rows)
    mart["claro"]["approved"] += 1
    _write_mart(settings.duckdb_path, mart)
    with pytest.raises(PuntoredError, match="claro approved"):
        run_reports(settings, DAY)
    assert not (settings.lake_dir / "reports").exists()


def test_a_day_not_landed_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(PuntoredError, match="no landed transactions for 2026-11-02"):
        run_reports(settings, DAY)


def test_aws_mode_renders_valid_athena_sql() -> None:
    settings = Settings(
        mode="aws", aws_region="us-east-1", landing_uri="s3://l/landing", lake_uri="s3://l/lake",
        state_uri="s3://l/state", athena_s3_staging_dir="s3://l/athena",
        athena_s3_data_dir="s3://l/marts", database_url="postgresql+psycopg://x@h/db",
    )  # fmt: skip
    (statement,) = render_unload_statements(settings, DAY, ["claro"], "s3://l/athena/run")
    assert statement.startswith("UNLOAD (SELECT")
    assert "TO 's3://l/athena/run/provider_id=claro/' WITH (format = 'TEXTFILE'" in statement
    inner = statement[len("UNLOAD (") : statement.index(") TO '")]
    for sql in (inner, totals_sql(settings, DAY), mart_sql(settings, DAY)):
        assert trino_sql_validator.validate(sql).valid, sql
    assert '"puntored_marts"."fct_provider_daily"' in mart_sql(settings, DAY)
