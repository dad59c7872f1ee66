"""Reports in aws mode through Athena on moto's server, published where the API reads them.

moto runs no SQL: the totals and the mart's answers are injected (computed from the day's rows
by the contract's rules), and since moto does not execute UNLOAD, the test places the gzip
files Athena would have written at each UNLOAD's TO location (the CSV lines the statement
renders). What is exercised for real: the queries sent (work group, database, SQL), waiting,
the check against the mart before anything is published, the row-count check of the unloaded
files, the publish into ``provider_id=…/dt=…/{transactions.csv.gz,summary.json}`` on S3, the
API listing it, and the staging prefix cleaned up. The published summaries are compared with
the ones local mode (DuckDB) writes from the same rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from puntored.api.report_files import report_listing
from puntored.errors import PuntoredError
from puntored.serving.athena import AthenaError, QueryResult
from puntored.serving.reports import REPORT_COLUMNS, TOTAL_NAMES, UNLOAD_FOLDER, run_reports
from puntored.settings import Settings
from puntored.storage import AwsConfig, Storage, join
from tests.support.moto_athena import MotoAthena
from tests.support.report_day import DAY, PROVIDERS, expected_mart, raw_day, write_lake

DECIMALS = {"gross_amount", "reversed_amount", "net_amount", "commission"}


def _totals_answer(rows: list[dict[str, Any]]) -> QueryResult:
    mart = expected_mart(rows)
    names = [n for n in TOTAL_NAMES if n != "net_amount"]
    columns = [("provider_id", "varchar"), ("report_rows", "bigint")] + [
        (n, "decimal(38,2)" if n in DECIMALS else "bigint") for n in names
    ]
    answer = [
        (pid, sum(r["provider_id"] == pid for r in rows), *[mart[pid][n] for n in names])
        for pid in sorted(mart)
    ]
    return QueryResult(columns, answer)


def _mart_answer(mart: dict[str, dict[str, Any]]) -> QueryResult:
    columns = [("provider_id", "varchar")] + [
        (n, "decimal(18,2)" if n in DECIMALS else "bigint") for n in TOTAL_NAMES
    ]
    return QueryResult(columns, [(pid, *[m[n] for n in TOTAL_NAMES]) for pid, m in mart.items()])


def _csv_line(row: dict[str, Any]) -> str:
    """One line as the UNLOAD's SELECT renders it (serving.reports.csv_line_sql)."""
    out = io.StringIO()
    values = []
    for column in REPORT_COLUMNS:
        value = row[column]
        if column == "event_at":
            value = value.strftime("%Y-%m-%d %H:%M:%S.%f") + "+00"
        values.append("" if value is None else str(value))
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


class Day:
    """The rows of one day and what Athena answers about them."""

    def __init__(self) -> None:
        self.rows = raw_day()
        self.mart = expected_mart(self.rows)
        self.drop_one_line_of: str | None = None

    def answer(self, sql: str) -> QueryResult:
        if "fct_provider_daily" in sql:
            return _mart_answer(self.mart)
        assert "GROUP BY provider_id" in sql, sql
        return _totals_answer(self.rows)

    def unload(self, storage: Storage) -> Any:
        def place(sql: str, location: str) -> None:
            match = re.search(r"/provider_id=([^/]+)/$", location)
            assert match, location
            provider = match.group(1)
            mine = sorted(
                (r for r in self.rows if r["provider_id"] == provider),
                key=lambda r: (r["event_at"], r["transaction_id"]),
            )
            lines = [_csv_line(r) for r in mine]
            if provider == self.drop_one_line_of:
                lines = lines[1:]
            half = len(lines) // 2  # Athena writes a query's output as several files
            for n, chunk in enumerate((lines[:half], lines[half:])):
                data = gzip.compress("".join(chunk).encode(), mtime=0)
                storage.write_bytes(join(location, f"20261102_000000_{n:05d}_query.gz"), data)

        return place


@pytest.fixture
def day() -> Day:
    return Day()


def _local_summaries(tmp_path: Path, day: Day) -> dict[str, dict[str, Any]]:
    """What local mode (DuckDB over the same rows) publishes: the reference."""
    local = Settings(mode="local", data_dir=tmp_path / "local")
    write_lake(local.data_dir, day.rows)
    result = run_reports(local, DAY)
    return {
        r.provider_id: json.loads((Path(r.folder) / "summary.json").read_text())
        for r in result.reports
    }


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(gzip.decompress(data).decode(), newline="")))


def test_aws_reports_run_through_athena_and_publish_what_the_api_reads(
    aws_settings: Settings, day: Day, tmp_path: Path
) -> None:
    storage = Storage.from_settings(aws_settings)
    athena = MotoAthena(aws_settings, day.answer, day.unload(storage))

    result = run_reports(aws_settings, DAY, athena=athena)

    assert result.checked_against_mart
    assert sorted(r.provider_id for r in result.reports) == sorted(PROVIDERS)
    # What was sent: totals on the raw table, the check on the marts schema, one UNLOAD each.
    sent = [(s.sql.split(" ", 1)[0], s.database) for s in athena.started]
    assert (
        sent
        == [("SELECT", "puntored_raw"), ("SELECT", "puntored_marts")]
        + [("UNLOAD", "puntored_raw")] * 3
    )
    assert '"puntored_marts"."fct_provider_daily"' in athena.started[1].sql
    client = AwsConfig.from_settings(aws_settings).client("athena")
    execution = client.get_query_execution(QueryExecutionId=athena.started[-1].query_id)
    assert execution["QueryExecution"]["WorkGroup"] == aws_settings.athena_workgroup
    assert execution["QueryExecution"]["Status"]["State"] == "SUCCEEDED"

    local = _local_summaries(tmp_path, day)
    for report in result.reports:
        folder = join(
            aws_settings.reports_location, f"provider_id={report.provider_id}", "dt=2026-11-02"
        )
        assert report.folder == folder
        assert storage.read_json(join(folder, "summary.json")) == local[report.provider_id]
        lines = _csv_rows(storage.read_bytes(join(folder, "transactions.csv.gz")))
        assert tuple(lines[0]) == REPORT_COLUMNS
        mine = {r["transaction_id"]: r for r in day.rows if r["provider_id"] == report.provider_id}
        assert len(lines) == len(mine) == report.rows
        for line in lines:
            row = mine[line["transaction_id"]]
            assert datetime.fromisoformat(line["event_at"]) == row["event_at"]
            assert Decimal(line["amount"]) == row["amount"]
            assert line["client_id"] == row["client_id"]  # quotes and commas survive
            assert (line["reversed_transaction_id"] or None) == row["reversed_transaction_id"]
    # The API lists the published day with the mart's totals.
    (listed,) = report_listing(aws_settings, "claro")
    assert listed.dt == DAY and listed.approved == day.mart["claro"]["approved"]
    assert listed.net_amount == day.mart["claro"]["net_amount"]
    # The run's UNLOAD prefix is gone.
    staging = join(aws_settings.athena_s3_staging_dir or "", UNLOAD_FOLDER)
    assert storage.list_files(staging) == []


def test_totals_that_disagree_with_the_mart_publish_nothing(
    aws_settings: Settings, day: Day
) -> None:
    storage = Storage.from_settings(aws_settings)
    day.mart["claro"]["approved"] += 1
    athena = MotoAthena(aws_settings, day.answer, day.unload(storage))
    with pytest.raises(PuntoredError, match="do not match fct_provider_daily: claro approved"):
        run_reports(aws_settings, DAY, athena=athena)
    assert not any(s.sql.startswith("UNLOAD") for s in athena.started)
    assert storage.list_files(aws_settings.reports_location) == []


def test_an_unload_short_of_rows_publishes_nothing(aws_settings: Settings, day: Day) -> None:
    storage = Storage.from_settings(aws_settings)
    day.drop_one_line_of = "movistar"
    athena = MotoAthena(aws_settings, day.answer, day.unload(storage))
    expected = sum(r["provider_id"] == "movistar" for r in day.rows)
    with pytest.raises(
        PuntoredError, match=f"UNLOAD wrote {expected - 1} rows for movistar 2026-11-02, the day"
    ):
        run_reports(aws_settings, DAY, athena=athena)
    assert storage.list_files(aws_settings.reports_location) == []
    assert storage.list_files(join(aws_settings.athena_s3_staging_dir or "", UNLOAD_FOLDER)) == []


class CancellingAthena(MotoAthena):
    """Someone stops the UNLOADs in the console: moto then reports them CANCELLED."""

    def start(self, sql: str, database: str | None = None) -> str:
        query_id = super().start(sql, database)
        if sql.startswith("UNLOAD"):
            self._client.stop_query_execution(QueryExecutionId=query_id)
        return query_id


def test_a_cancelled_unload_is_one_line(aws_settings: Settings, day: Day) -> None:
    storage = Storage.from_settings(aws_settings)
    athena = CancellingAthena(aws_settings, day.answer, day.unload(storage))
    with pytest.raises(AthenaError) as error:
        run_reports(aws_settings, DAY, athena=athena)
    message = str(error.value)
    assert re.fullmatch(r"Athena query \S+ CANCELLED: .+ \(UNLOAD \(SELECT .+\.\.\.\)", message)
    assert storage.list_files(aws_settings.reports_location) == []


def test_a_day_athena_has_no_rows_for_is_a_clear_error(aws_settings: Settings) -> None:
    empty = QueryResult([("provider_id", "varchar"), ("report_rows", "bigint")], [])
    athena = MotoAthena(aws_settings, lambda sql: empty)
    with pytest.raises(
        PuntoredError, match='no landed transactions for 2026-11-02 in "puntored_raw"'
    ):
        run_reports(aws_settings, DAY, athena=athena)


def test_the_reports_cli_in_aws_mode_asks_athena_through_the_endpoint(
    aws_settings: Settings, tmp_path: Path
) -> None:
    # The process gets only the PUNTORED_* environment (aws_settings exported it): its Athena
    # client reaches moto through PUNTORED_AWS_ENDPOINT_URL, runs the totals query in the work
    # group and, moto having no rows for the day, refuses in one line.
    done = subprocess.run(
        [sys.executable, "-m", "puntored", "reports", "--date", "2026-11-02"],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        'error: no landed transactions for 2026-11-02 in "puntored_raw"."transactions": '
        "run land first"
    ]
    client = AwsConfig.from_settings(aws_settings).client("athena")
    ids = client.list_query_executions(WorkGroup=aws_settings.athena_workgroup)
    sent = [
        client.get_query_execution(QueryExecutionId=i)["QueryExecution"]["Query"]
        for i in ids["QueryExecutionIds"]
    ]
    day_query = """FROM "puntored_raw"."transactions" WHERE dt = DATE '2026-11-02'"""
    assert any(day_query in query for query in sent)
