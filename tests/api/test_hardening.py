"""Input hardening (issue 10): control characters, the request-head bound, throttled failed
authentication, inert CSV cells, one money rounding rule, ``serve`` on an unmigrated schema."""

from __future__ import annotations

import csv
import io
import os
import resource
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from puntored.api.main import create_app
from puntored.api.server import background_server
from puntored.database.engine import make_engine, transaction
from puntored.database.models import Client, ProviderClientDailyMetrics
from puntored.settings import PROJECT_ROOT, Settings
from tests.support.api_seed import (
    CLIENTS_URL,
    DAILY,
    FIRST_DAY,
    ApiEnv,
    build_env,
)
from tests.support.problems import assert_problem

CONTROL_INPUTS = [
    "/v1/providers/claro/metrics/clients?city=%00",
    "/v1/providers/claro/metrics/clients?department=Bogota%00D.C.",
    "/v1/providers/claro/metrics/clients?client_id=PDV%0A000001",
    "/v1/providers/claro/metrics/clients?cursor=%1b%5b2J",
    "/v1/providers/claro/metrics/products?product_id=claro%7f",
    "/v1/providers/claro/realtime/products?product_id=%c2%85x",  # C1 "next line"
    "/v1/providers/cla%00ro/metrics/daily",
]


@pytest.mark.parametrize("path", CONTROL_INPUTS)
def test_control_characters_in_any_parameter_are_422(api: ApiEnv, path: str) -> None:
    body = assert_problem(api.get(path), 422, "control character")
    assert body["errors"][0]["in"] in {"query", "path"}


def test_the_same_parameters_without_control_characters_are_served(api: ApiEnv) -> None:
    response = api.get(f"{CLIENTS_URL.format('claro')}&city=Cali&department=Valle%20del%20Cauca")
    assert response.status_code == 200, response.text
    assert {item["city"] for item in response.json()["items"]} == {"Cali"}


def _rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _send_head(base: str, header_bytes: int) -> tuple[int, bytes]:
    """Send a GET whose X-API-Key is ``header_bytes`` long, 64 KiB at a time, until the server
    hangs up; then read what it answered. Returns (bytes sent, answer)."""
    address = urlsplit(base)
    piece = b"x" * 65_536
    sent = 0
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        try:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nX-API-Key: ")
            while sent < header_bytes:
                sock.sendall(piece[: header_bytes - sent])
                sent += min(len(piece), header_bytes - sent)
            sock.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            answer = sock.recv(65_536)
        except ConnectionResetError:
            answer = b""
    return sent, answer


def _status(answer: bytes) -> bytes:
    return answer.split(b" ")[1] if answer.startswith(b"HTTP/1.1 ") else answer[:40]


def test_an_oversized_request_head_is_refused_without_reading_it(
    database_url: str, tmp_path: Path
) -> None:
    """A head past ``api_max_header_bytes`` gets 400 and the connection is closed: the rest is
    never read, so a 64 MB header stops at what the kernel's socket buffers absorbed."""
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    with background_server(create_app(settings)) as base:
        before = _rss_kb()
        _sent, answer = _send_head(base, 1_048_576)  # 1 MB
        assert answer == b"" or _status(answer) in {b"400", b"431"}, answer[:80]
        _sent, answer = _send_head(base, 65_536)  # fits the socket buffers: the answer is read
        assert _status(answer) in {b"400", b"431"}, answer[:80]
        sent, _answer = _send_head(base, 64 * 1_048_576)
        grown_kb = _rss_kb() - before
    assert sent < 32 * 1_048_576, f"the server kept reading: {sent} bytes sent"
    assert grown_kb < 20_000


def test_a_normal_request_passes_the_bound(database_url: str, tmp_path: Path) -> None:
    import httpx

    settings = Settings(data_dir=tmp_path, database_url=database_url)
    with background_server(create_app(settings)) as base:
        response = httpx.get(f"{base}/health", headers={"X-Padding": "y" * 8_000})
    assert response.status_code == 200


@pytest.fixture
def guarded_api(database_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    """Failed authentications refill one token per 1,000 s: none comes back during the test."""
    yield from build_env(database_url, tmp_path / "data", api_auth_failures_per_second=0.001)


def test_failed_authentication_is_throttled_per_address(guarded_api: ApiEnv) -> None:
    url = DAILY.format("claro")
    burst = guarded_api.settings.api_auth_failure_burst
    statuses = []
    for attempt in range(50):
        guess = {"X-API-Key": f"prk_{attempt:043d}"}
        statuses.append(guarded_api.client.get(url, headers=guess).status_code)
    assert statuses[:burst] == [401] * burst
    assert set(statuses[burst:]) == {429}
    refused = guarded_api.client.get(url, headers={"X-API-Key": "prk_guess"})
    body = assert_problem(refused, 429, "failed authentications")
    assert int(refused.headers["Retry-After"]) >= 1 and body["type"].endswith("rate-limited")
    # The same address's valid key is not slowed down, and does not reset the throttle.
    assert [guarded_api.get(url).status_code for _ in range(5)] == [200] * 5
    assert guarded_api.client.get(url, headers={"X-API-Key": "prk_again"}).status_code == 429
    # A missing key is a 401 that spends nothing.
    assert guarded_api.get(url, key=None).status_code == 401


def test_csv_cells_that_could_start_a_formula_are_exported_inert(api: ApiEnv) -> None:
    engine = make_engine(api.url)
    try:
        with transaction(engine) as session:
            session.execute(
                update(Client).where(Client.client_id == "PDV000001").values(client_name="=1+1")
            )
            session.execute(
                update(Client).where(Client.client_id == "PDV000002").values(client_name="@SUM(A1)")
            )
            session.execute(
                update(Client)
                .where(Client.client_id == "PDV000003")
                .values(client_name="-2+3", city="+cmd|' /C calc'!A0")
            )
    finally:
        engine.dispose()
    exported = api.get(f"{CLIENTS_URL.format('claro')}&format=csv")
    rows = {row["client_id"]: row for row in csv.DictReader(io.StringIO(exported.text))}
    assert rows["PDV000001"]["client_name"] == "'=1+1"
    assert rows["PDV000002"]["client_name"] == "'@SUM(A1)"
    assert rows["PDV000003"]["client_name"] == "'-2+3"
    assert rows["PDV000003"]["city"] == "'+cmd|' /C calc'!A0"
    assert rows["PDV000004"]["client_name"] == "Papeleria Cuatro"
    # Numbers stay numbers, negative ones included; JSON is untouched.
    assert all(not row["gross_amount"].startswith("'") for row in rows.values())
    as_json = api.get(CLIENTS_URL.format("claro")).json()["items"]
    assert {i["client_id"]: i["client_name"] for i in as_json}["PDV000001"] == "=1+1"


def test_a_negative_amount_stays_a_number_in_csv() -> None:
    from puntored.api.formats import neutralised

    assert neutralised("-1250.50") == "-1250.50" and neutralised("+3") == "+3"
    assert neutralised("-1250.50x") == "'-1250.50x"
    assert neutralised("\tx") == "'\tx" and neutralised("\rx") == "'\rx"


def test_average_ticket_over_a_range_rounds_like_the_marts(api: ApiEnv) -> None:
    """Half a cent rounds up (the marts' SQL round), not to even: 10.05 / 2 = 5.025 -> 5.03."""
    engine = make_engine(api.url)
    try:
        with transaction(engine) as session:
            session.execute(
                update(ProviderClientDailyMetrics)
                .where(
                    ProviderClientDailyMetrics.provider_id == "claro",
                    ProviderClientDailyMetrics.client_id == "PDV000001",
                    ProviderClientDailyMetrics.dt == FIRST_DAY,
                )
                .values(gross_amount="10.05", approved=2)
            )
    finally:
        engine.dispose()
    url = f"/v1/providers/claro/metrics/clients?from={FIRST_DAY}&to={FIRST_DAY}"
    items = api.get(f"{url}&client_id=PDV000001").json()["items"]
    assert [(i["gross_amount"], i["approved"], i["average_ticket"]) for i in items] == [
        ("10.05", 2, "5.03")
    ]


def test_the_rounding_rule_is_half_away_from_zero() -> None:
    from decimal import Decimal

    from puntored.contract.money import average_ticket, to_cents

    assert to_cents(Decimal("0.125")) == Decimal("0.13")
    assert to_cents(Decimal("0.135")) == Decimal("0.14")
    assert to_cents(Decimal("-0.125")) == Decimal("-0.13")
    assert average_ticket(Decimal("10.05"), 2) == Decimal("5.03")
    assert average_ticket(Decimal("10.05"), 0) is None


def _serve(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PUNTORED_DATA_DIR": str(data_dir), "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("PUNTORED_DATABASE_URL", None)
    command = [sys.executable, "-m", "puntored", "serve", "--port", "1", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_serve_refuses_an_unmigrated_database(data_dir: Path) -> None:
    refused = _serve(data_dir)
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith("error:") and "`puntored db upgrade`" in lines[0]
    assert "none (empty)" in lines[0]


def test_serve_refuses_a_schema_behind_head(data_dir: Path) -> None:
    from puntored.database.migrate import upgrade

    settings = Settings(data_dir=data_dir)
    upgrade(settings.serving_database_url, "0001")
    refused = _serve(data_dir)
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "revision 0001" in refused.stderr and "`puntored db upgrade`" in refused.stderr


def test_the_key_cache_is_off_on_sqlite(tmp_path: Path) -> None:
    """SQLite has no notifications: the key cache stays off, every request looks its key up."""
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 's.db'}"))
    assert app.state.api.revocations is None and not app.state.api.keys.listening


def test_a_head_over_the_bound_that_arrived_whole_is_431(api: ApiEnv) -> None:
    padding = {"X-Padding": "y" * api.settings.api_max_header_bytes}
    assert_problem(api.get(DAILY.format("claro"), headers=padding), 431, "exceed")
