"""Report downloads: the list of days, the totals, the gzipped CSV streamed; isolation."""

from __future__ import annotations

import csv
import gzip
import io
from decimal import Decimal

import pytest

from puntored.serving.reports import REPORT_COLUMNS
from tests.support.api_seed import REPORT_DAYS, ApiEnv, write_reports
from tests.support.problems import assert_problem


@pytest.fixture
def reports_api(api: ApiEnv) -> ApiEnv:
    write_reports(api.settings)
    return api


def test_list_of_days_newest_first_with_the_files_totals(reports_api: ApiEnv) -> None:
    response = reports_api.get("/v1/providers/claro/reports")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider_id"] == "claro"
    assert [item["dt"] for item in body["items"]] == [str(d) for d in reversed(REPORT_DAYS)]
    first = body["items"][0]
    assert first["download"] == f"/v1/providers/claro/reports/{REPORT_DAYS[-1]}"
    assert first["rows"] > 0 and first["transactions"] <= first["rows"]
    assert Decimal(first["net_amount"]) == Decimal(first["gross_amount"]) - Decimal(
        first["reversed_amount"]
    )
    summary = reports_api.get(f"/v1/providers/claro/reports/{REPORT_DAYS[-1]}/summary").json()
    assert summary == first


def test_download_streams_the_gzipped_csv_whose_lines_match_the_totals(
    reports_api: ApiEnv,
) -> None:
    day = REPORT_DAYS[1]
    summary = reports_api.get(f"/v1/providers/claro/reports/{day}/summary").json()
    response = reports_api.get(f"/v1/providers/claro/reports/{day}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="claro-{day}-transactions.csv.gz"'
    )
    assert int(response.headers["content-length"]) == len(response.content) == summary["size_bytes"]
    assert response.headers["x-report-rows"] == str(summary["rows"])
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(response.content).decode())))
    assert list(rows[0]) == list(REPORT_COLUMNS)
    assert len(rows) == summary["rows"]
    sales = [r for r in rows if r["event_type"] == "sale"]
    approved = [r for r in sales if r["status"] == "approved"]
    assert len(sales) == summary["transactions"] and len(approved) == summary["approved"]
    assert sum(Decimal(r["amount"]) for r in approved) == Decimal(summary["gross_amount"])
    assert all(r["product_id"].startswith("claro_") for r in rows)


def test_a_provider_key_reads_only_its_own_reports(reports_api: ApiEnv) -> None:
    day = REPORT_DAYS[0]
    for path in ("reports", f"reports/{day}", f"reports/{day}/summary"):
        assert reports_api.get(f"/v1/providers/claro/{path}", key="claro").status_code == 200
        denied = reports_api.get(f"/v1/providers/movistar/{path}", key="claro")
        body = assert_problem(denied, 403, "only its own provider")
        assert "items" not in body and denied.headers["content-type"] != "application/gzip"
        assert_problem(reports_api.get(f"/v1/providers/claro/{path}", key=None), 401)
        assert_problem(reports_api.get(f"/v1/providers/claro/{path}", key="revoked"), 401)
        assert reports_api.get(f"/v1/providers/movistar/{path}", key="movistar").status_code == 200
        assert reports_api.get(f"/v1/providers/movistar/{path}", key="admin").status_code == 200
    assert_problem(reports_api.get("/v1/providers/nobody/reports", key="admin"), 404)
    movistar = reports_api.get(f"/v1/providers/movistar/reports/{day}", key="movistar")
    lines = gzip.decompress(movistar.content).decode().splitlines()[1:]
    assert lines and all(",movistar_" in line for line in lines)


def test_missing_days_and_bad_dates_are_problems(reports_api: ApiEnv) -> None:
    assert_problem(
        reports_api.get("/v1/providers/claro/reports/2026-04-01"), 404, "no reconciliation"
    )
    assert_problem(reports_api.get("/v1/providers/claro/reports/2026-04-01/summary"), 404)
    assert_problem(reports_api.get("/v1/providers/claro/reports/2026-3-1"), 422, "ISO date")
    assert_problem(reports_api.get("/v1/providers/claro/reports/..%2F..%2Fx"), 404, "no such")
    assert_problem(reports_api.get("/v1/providers/claro/reports/2026-03-01x"), 422, "ISO date")
    assert_problem(reports_api.get("/v1/providers/claro/reports?limit=3"), 400, "unknown")


def test_no_reports_yet_is_an_empty_list(api: ApiEnv) -> None:
    body = api.get("/v1/providers/claro/reports").json()
    assert body == {"provider_id": "claro", "items": []}
