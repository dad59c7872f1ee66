"""Provider API: realtime windows, alerts, freshness, rate limiting, operations endpoints."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from puntored.api.main import create_app
from puntored.database.migrate import head_revision
from puntored.settings import Settings
from tests.support.api_seed import DAILY, LAST_DAY, REALTIME_MINUTES_AGO, ApiEnv, build_env
from tests.support.problems import assert_problem


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_realtime_windows_default_to_the_last_hour(api: ApiEnv) -> None:
    body = api.get("/v1/providers/claro/realtime").json()
    assert body["minutes"] == 60
    starts = [_utc(item["window_start"]) for item in body["items"]]
    expected = [m for m in REALTIME_MINUTES_AGO if m <= 60]
    assert len(starts) == len(expected) and starts == sorted(starts)
    assert all(api.now - timedelta(minutes=61) <= s <= api.now for s in starts)
    newest = body["items"][-1]
    assert newest["transactions"] == 100 + 1 and newest["gross_amount"] == "10001.00"
    assert _utc(newest["window_end"]) - _utc(newest["window_start"]) == timedelta(minutes=1)
    assert newest["approval_rate"] == pytest.approx(newest["approved"] / newest["transactions"])
    assert (body["late_events"], body["late_amount"]) == (3, "4500.00")
    wider = api.get("/v1/providers/claro/realtime?minutes=180").json()
    assert len(wider["items"]) == len(REALTIME_MINUTES_AGO)
    narrow = api.get("/v1/providers/claro/realtime?minutes=2").json()
    # The seeded windows are relative to the seeding minute; the clock may have ticked since.
    since = _utc(narrow["since"])
    seeded = [api.now.replace(second=0, microsecond=0) - timedelta(minutes=m) for m in (1, 2, 3)]
    expected_starts = [s for s in sorted(seeded) if s >= since]
    assert [_utc(i["window_start"]) for i in narrow["items"]] == expected_starts
    assert 1 <= len(expected_starts) <= 2 and narrow["late_events"] == 0
    movistar = api.get("/v1/providers/movistar/realtime", key="movistar").json()
    assert movistar["items"][-1]["transactions"] == 0 + 1  # 7 // 10 + 1 minute ago


def test_realtime_products_and_csv(api: ApiEnv) -> None:
    body = api.get("/v1/providers/claro/realtime/products").json()
    windows = len([m for m in REALTIME_MINUTES_AGO if m <= 60])
    assert len(body["items"]) == 2 * windows
    assert {i["product_id"] for i in body["items"]} == {"claro_bill", "claro_topup"}
    only = api.get("/v1/providers/claro/realtime/products?product_id=claro_topup").json()
    assert len(only["items"]) == windows and only["product_id"] == "claro_topup"
    as_csv = api.get("/v1/providers/claro/realtime/products?format=csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 2 * windows and list(rows[0])[:3] == [
        "window_start",
        "window_end",
        "product_id",
    ]
    assert api.get("/v1/providers/claro/realtime").headers["Cache-Control"] == "private, no-cache"


def test_alerts_by_status(api: ApiEnv) -> None:
    everything = api.get("/v1/providers/claro/alerts").json()["items"]
    assert [a["status"] for a in everything] == ["open", "resolved"]  # newest first
    assert {a["message"] for a in everything} == {"claro approval rate below 80%"}
    opened = api.get("/v1/providers/claro/alerts?status=open").json()
    assert [a["status"] for a in opened["items"]] == ["open"] and opened["status"] == "open"
    assert opened["items"][0]["resolved_at"] is None
    assert opened["items"][0]["details"] == {"approval_rate": 0.61}
    resolved = api.get("/v1/providers/claro/alerts?status=resolved").json()["items"]
    assert len(resolved) == 1 and resolved[0]["resolved_at"] is not None
    assert len(api.get("/v1/providers/claro/alerts?limit=1").json()["items"]) == 1


def test_freshness_reports_each_stage(api: ApiEnv) -> None:
    body = api.get("/v1/providers/claro/freshness").json()
    assert body["last_landed_dt"] == body["last_transformed_dt"] == str(LAST_DAY)
    assert body["last_synced_dt"] == body["latest_daily_dt"] == str(LAST_DAY)
    assert _utc(body["last_landed_at"]) == api.now.replace(microsecond=api.now.microsecond)
    latest = _utc(body["latest_realtime_window_start"])
    assert latest == api.now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    assert 0 <= body["realtime_lag_seconds"] < 120


def test_freshness_of_an_empty_database_is_null(database_url: str, tmp_path: Path) -> None:
    from puntored.database.migrate import upgrade
    from tests.support.api_seed import create_keys

    upgrade(database_url)
    keys = create_keys(database_url)
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    with TestClient(create_app(settings)) as client:
        body = client.get("/v1/providers/claro/freshness", headers={"X-API-Key": keys["claro"]})
        assert body.status_code == 200, body.text
        data = body.json()
        assert data["last_landed_dt"] is None and data["latest_realtime_window_start"] is None
        assert data["realtime_lag_seconds"] is None
        daily = client.get(DAILY.format("claro"), headers={"X-API-Key": keys["claro"]})
        assert daily.status_code == 200 and daily.json()["items"] == []


@pytest.fixture
def strict_api(database_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    """The app with a tight rate limit: 1 request/s, bursts of 3."""
    yield from build_env(database_url, tmp_path / "data", rate=1.0, burst=3)


def test_rate_limit_per_key_gives_429_with_retry_after(strict_api: ApiEnv) -> None:
    statuses = [strict_api.get(DAILY.format("claro")).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = strict_api.get(DAILY.format("claro"))
    body = assert_problem(limited, 429, "rate limit")
    assert body["type"].endswith("rate-limited")
    assert int(limited.headers["Retry-After"]) >= 1
    # Another key has its own bucket.
    assert strict_api.get(DAILY.format("movistar"), key="movistar").status_code == 200
    # Unauthenticated requests are refused before they spend anyone's tokens.
    assert strict_api.get(DAILY.format("claro"), key=None).status_code == 401


def test_health_ready_and_prometheus_metrics(api: ApiEnv) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    ready = api.client.get("/ready")
    assert ready.status_code == 200 and ready.json()["migration"] == head_revision()
    api.get(DAILY.format("claro"))
    api.get(DAILY.format("movistar"))
    exposition = api.client.get("/metrics")
    assert exposition.headers["content-type"].startswith("text/plain")
    text = exposition.text
    template = 'route="/v1/providers/{provider_id}/metrics/daily"'
    assert f'puntored_api_requests_total{{method="GET",{template},status="200"}} 1.0' in text
    assert f'puntored_api_requests_total{{method="GET",{template},status="403"}} 1.0' in text
    assert "puntored_api_request_duration_seconds_bucket" in text
    assert "/v1/providers/claro/" not in text  # labelled by template, never by raw path


def test_ready_is_503_before_migrations(database_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    with TestClient(create_app(settings)) as client:
        response = client.get("/ready")
        assert_problem(response, 503, "not migrated")
        assert client.get("/health").status_code == 200
