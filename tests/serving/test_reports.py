"""Provider reconciliation reports from the raw lake, checked against the daily mart."""

from __future__ import annotations

import csv
import gzip
import json
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import trino_sql_validator

from puntored.errors import PuntoredError
from puntored.serving.reports import REPORT_COLUMNS, run_reports
from puntored.settings import Settings
from tests.support.raw_lake import write_raw_partition

DAY = date(2026, 11, 2)
PROVIDERS = ("claro", "movistar", "enel")


def _raw_day(seed: int = 3) -> list[dict[str, Any]]:
    """A day of raw transactions: sales of each status, approved and rejected reversals."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # 00:00 in Bogotá
    rows: list[dict[str, Any]] = []
    for i in range(300):
        provider = PROVIDERS[i % 3]
        status = rng.choice(["approved"] * 8 + ["rejected", "failed"])
        amount = Decimal(rng.randrange(1000, 200000)) / 100 * 100
        rows.append({
            "transaction_id": f"t{i:05d}", "event_type": "sale", "reversed_transaction_id": None,
            "event_at": start + timedelta(seconds=i * 250), "provider_id": provider,
            "product_id": f"{provider}_topup", "client_id": f"pos_{i % 17:06d}",
            "amount": amount.quantize(Decimal("0.01")),
            "commission": (amount * Decimal("0.035")).quantize(Decimal("0.01")),
            "status": status, "response_code": "00" if status == "approved" else "51",
        })  # fmt: skip
    for j, sale in enumerate(r for r in list(rows) if r["status"] == "approved"):
        if j % 9 == 0:
            rows.append({
                **sale, "transaction_id": f"r{j:05d}", "event_type": "reversal",
                "reversed_transaction_id": sale["transaction_id"],
                "event_at": sale["event_at"] + timedelta(minutes=3),
                "status": "approved" if j % 4 else "rejected",
                "client_id": 'pos_"quoted", one',
            })  # fmt: skip
    return rows


def _write_lake(data_dir: Path, rows: list[dict[str, Any]]) -> None:
    schema = pa.schema([
        ("transaction_id", pa.string()), ("event_type", pa.string()),
        ("reversed_transaction_id", pa.string()), ("event_at", pa.timestamp("us", tz="UTC")),
        ("provider_id", pa.string()), ("product_id", pa.string()), ("client_id", pa.string()),
        ("amount", pa.decimal128(18, 2)), ("commission", pa.decimal128(18, 2)),
        ("status", pa.string()), ("response_code", pa.string()),
    ])  # fmt: skip
    lake = data_dir / "lake"
    write_raw_partition(lake, DAY, rows[:150], part=0, schema=schema)
    write_raw_partition(lake, DAY, rows[150:], part=1, schema=schema)


def _expected_mart(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """fct_provider_daily's measures computed in plain Python from the contract's rules."""
    mart: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        m = mart[r["provider_id"]]
        approved = r["status"] == "approved"
        if r["event_type"] == "sale":
            m["transactions"] += 1
            m[r["status"]] += 1
            if approved:
                m["gross_amount"] += r["amount"]
                m["commission"] += r["commission"]
        elif approved:
            m["reversed"] += 1
            m["reversed_amount"] += r["amount"]
            m["commission"] -= r["commission"]
    for m in mart.values():
        m["net_amount"] = m["gross_amount"] - m["reversed_amount"]
    return mart


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
    rows = _raw_day()
    _write_lake(settings.data_dir, rows)
    return rows


def test_reports_match_the_mart_and_hold_every_transaction(
    settings: Settings, raw_rows: list[dict[str, Any]]
) -> None:
    mart = _expected_mart(raw_rows)
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
    mart = _expected_mart(raw_rows)
    mart["claro"]["approved"] += 1
    _write_mart(settings.duckdb_path, mart)
    with pytest.raises(PuntoredError, match="claro approved"):
        run_reports(settings, DAY)
    assert not (settings.lake_dir / "reports").exists()


def test_a_day_not_landed_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(PuntoredError, match="no landed transactions for 2026-11-02"):
        run_reports(settings, DAY)


def test_aws_mode_renders_valid_athena_unloads(tmp_path: Path) -> None:
    settings = Settings(
        mode="aws", aws_region="us-east-1", landing_uri="s3://l/landing", lake_uri="s3://l/lake",
        state_uri="s3://l/state", athena_s3_staging_dir="s3://l/athena",
        athena_s3_data_dir="s3://l/marts", database_url="postgresql+psycopg://x@h/db",
    )  # fmt: skip
    result = run_reports(settings, DAY, providers=["claro"])
    assert len(result.unload_statements) == 2
    for statement in result.unload_statements:
        assert statement.startswith("UNLOAD (SELECT")
        assert "TO 's3://l/lake/reports/provider_id=claro/dt=2026-11-02/" in statement
        inner = statement[len("UNLOAD (") : statement.index(") TO '")]
        assert trino_sql_validator.validate(inner).valid, inner
