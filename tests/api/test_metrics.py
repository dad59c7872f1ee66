"""Provider API, daily metrics: values, isolation, auth, validation, pagination, caching, CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

from sqlalchemy import select

from puntored.database.engine import make_engine
from puntored.database.models import ApiKey
from tests.support.api_seed import (
    CLIENTS,
    CLIENTS_URL,
    DAILY,
    DAYS,
    DEPARTMENT_COUNTS,
    FIRST_DAY,
    LAST_DAY,
    PRODUCTS_URL,
    RANGE,
    ApiEnv,
)
from tests.support.problems import assert_problem


def test_daily_returns_one_row_per_day_with_money_as_two_decimal_strings(api: ApiEnv) -> None:
    response = api.get(DAILY.format("claro"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["provider_id"], body["from"], body["to"]) == (
        "claro",
        str(FIRST_DAY),
        str(LAST_DAY),
    )
    days = [item["dt"] for item in body["items"]]
    assert days == sorted(days) and len(days) == DAYS
    first = body["items"][0]
    assert first["transactions"] == 1000 and first["gross_amount"] == "1000000.50"
    assert first["reversed_amount"] == "100.00" and first["net_amount"] == "999900.50"
    assert first["average_ticket"] == "1111.11"
    assert Decimal(first["commission"]) == Decimal("45000.02")
    assert first["approval_rate"] == 0.9 and first["latency_p95_ms"] == 900

    narrow = api.get(f"/v1/providers/claro/metrics/daily?from={FIRST_DAY}&to={FIRST_DAY}")
    assert [item["dt"] for item in narrow.json()["items"]] == [str(FIRST_DAY)]


MONEY_FIELDS = ("gross_amount", "reversed_amount", "net_amount", "commission", "average_ticket")


def test_every_amount_of_daily_products_and_clients_has_exactly_two_places(api: ApiEnv) -> None:
    """Stored amounts are written straight from the column (no per-value rounding): the
    engine must return them with two places, a value seeded as ``Decimal(100)`` included."""
    for url in (DAILY.format("claro"), PRODUCTS_URL.format("claro"), CLIENTS_URL.format("claro")):
        for item in api.get(url).json()["items"]:
            for field in MONEY_FIELDS:
                assert re.fullmatch(r"-?\d+\.\d{2}", item[field]), (url, field, item[field])
                assert isinstance(item[field], str)
        csv_rows = list(csv.DictReader(io.StringIO(api.get(url + "&format=csv").text)))
        assert csv_rows and all(
            re.fullmatch(r"-?\d+\.\d{2}", r["reversed_amount"]) for r in csv_rows
        )


def test_products_per_product_per_day_and_filter(api: ApiEnv) -> None:
    body = api.get(PRODUCTS_URL.format("claro")).json()
    assert len(body["items"]) == 2 * DAYS
    assert [i["product_id"] for i in body["items"][:2]] == ["claro_bill", "claro_topup"]
    only = api.get(PRODUCTS_URL.format("claro") + "&product_id=claro_topup").json()
    assert only["product_id"] == "claro_topup"
    assert {i["product_id"] for i in only["items"]} == {"claro_topup"}
    assert len(only["items"]) == DAYS


def test_provider_key_cannot_read_another_provider_by_path_or_query(api: ApiEnv) -> None:
    for template in (DAILY, PRODUCTS_URL, CLIENTS_URL):
        own = api.get(template.format("claro"), key="claro")
        assert own.status_code == 200
        other = api.get(template.format("movistar"), key="claro")
        assert_problem(other, 403, "only its own provider")
        assert "items" not in other.json()
    reports = ("reports", "reports/2026-03-01", "reports/2026-03-01/summary")
    for path in ("realtime", "realtime/products", "alerts", "freshness", *reports):
        assert_problem(api.get(f"/v1/providers/movistar/{path}", key="claro"), 403)
    # Naming another provider in the query string is an unknown parameter, not a filter.
    sneaky = api.get(DAILY.format("claro") + "&provider_id=movistar", key="claro")
    assert_problem(sneaky, 400, "unknown query parameter", "provider_id")


def test_admin_key_reads_every_provider_and_unknown_providers_are_404(api: ApiEnv) -> None:
    claro = api.get(DAILY.format("claro"), key="admin").json()["items"][0]
    movistar = api.get(DAILY.format("movistar"), key="admin").json()["items"][0]
    assert (claro["transactions"], movistar["transactions"]) == (1000, 7)
    assert_problem(api.get(DAILY.format("nobody"), key="admin"), 404, "unknown provider")
    # A provider key gets 403 for any other id, existing or not: nothing to learn from it.
    assert_problem(api.get(DAILY.format("nobody"), key="claro"), 403)


def test_missing_unknown_and_revoked_keys_are_401(api: ApiEnv) -> None:
    missing = api.get(DAILY.format("claro"), key=None)
    assert_problem(missing, 401, "missing X-API-Key")
    assert "X-API-Key" in missing.headers["WWW-Authenticate"]
    unknown = api.client.get(DAILY.format("claro"), headers={"X-API-Key": "prk_" + "x" * 43})
    assert_problem(unknown, 401, "unknown or revoked")
    garbage = api.client.get(DAILY.format("claro"), headers={"X-API-Key": "hello"})
    assert_problem(garbage, 401, "unknown or revoked")
    assert_problem(api.get(DAILY.format("claro"), key="revoked"), 401, "unknown or revoked")


def test_keys_are_stored_hashed_and_last_use_is_recorded(api: ApiEnv) -> None:
    engine = make_engine(api.url)
    try:
        with engine.connect() as connection:
            before = {r.key_prefix: r for r in connection.execute(select(ApiKey))}
        assert api.get(DAILY.format("claro"), key="claro").status_code == 200
        with engine.connect() as connection:
            after = {r.key_prefix: r for r in connection.execute(select(ApiKey))}
    finally:
        engine.dispose()
    prefix = api.keys["claro"][:12]
    assert before[prefix].last_used_at is None and after[prefix].last_used_at is not None
    assert after[api.keys["movistar"][:12]].last_used_at is None
    for row in after.values():
        assert row.key_hash not in api.keys.values() and len(row.key_hash) == 64
        assert all(key not in (row.key_hash, row.name) for key in api.keys.values())


def test_validation_errors_are_problem_json_with_clear_messages(api: ApiEnv) -> None:
    base = "/v1/providers/claro/metrics/daily"
    cases = [
        (f"{base}?from=2026-3-1&to=2026-03-10", 422, "'from'", "ISO date"),
        (f"{base}?from=2026-02-30&to=2026-03-10", 422, "'from'"),
        (f"{base}?from=1700000000&to=2026-03-10", 422, "ISO date"),
        (f"{base}?from=2026-03-20", 422, "is after", "last landed day"),
        (f"{base}?from=2026-03-10&to=2026-03-01", 422, "is after"),
        (f"{base}?from=2025-01-01&to=2026-03-01", 422, "maximum is 366"),
        (f"{base}?{RANGE}&format=xml", 422, "'format'"),
        (f"{base}?{RANGE}&from=2026-03-02", 400, "more than once", "from"),
        (f"{base}?{RANGE}&limit=10", 400, "unknown query parameter", "limit"),
        (f"{CLIENTS_URL.format('claro')}&limit=0", 422, "'limit'"),
        (f"{CLIENTS_URL.format('claro')}&limit=5000", 422, "'limit'"),
        (f"{CLIENTS_URL.format('claro')}&sort=amount", 422, "'sort'"),
        ("/v1/providers/claro/realtime?minutes=0", 422, "'minutes'"),
        ("/v1/providers/claro/realtime?minutes=1441", 422, "'minutes'"),
        ("/v1/providers/claro/alerts?status=closed", 422, "'status'"),
        ("/v1/providers/CLARO!/metrics/daily?" + RANGE, 422, "'provider_id'"),
    ]
    for path, status, *words in cases:
        body = assert_problem(api.get(path, key="admin"), status, *words)
        assert body["errors"] and all({"in", "name", "message"} <= set(e) for e in body["errors"])
    # Exactly 366 days is allowed.
    assert api.get(f"{base}?from=2025-03-01&to=2026-03-01").status_code == 200


def test_from_and_to_default_to_30_days_ending_at_the_last_landed_day(api: ApiEnv) -> None:
    start = LAST_DAY - timedelta(days=29)
    for endpoint in ("daily", "products", "clients"):
        body = api.get(f"/v1/providers/claro/metrics/{endpoint}").json()
        assert (body["from"], body["to"]) == (str(start), str(LAST_DAY)), endpoint
        assert "last landed day" in body["default_range"] and str(LAST_DAY) in body["default_range"]
        explicit = api.get(f"/v1/providers/claro/metrics/{endpoint}?from={start}&to={LAST_DAY}")
        assert (
            explicit.json()["items"] == body["items"] and explicit.json()["default_range"] is None
        )
    daily = api.get("/v1/providers/claro/metrics/daily").json()
    assert [item["dt"] for item in daily["items"]][-1] == str(LAST_DAY) and len(
        daily["items"]
    ) == DAYS
    # One end given: the other is derived from it.
    only_to = api.get(f"/v1/providers/claro/metrics/daily?to={FIRST_DAY}").json()
    assert (only_to["from"], only_to["to"]) == (str(FIRST_DAY - timedelta(days=29)), str(FIRST_DAY))
    assert "'to' defaulted" not in only_to["default_range"]
    only_from = api.get(f"/v1/providers/claro/metrics/daily?from={FIRST_DAY}").json()
    assert (only_from["from"], only_from["to"]) == (str(FIRST_DAY), str(LAST_DAY))
    assert "'from' defaulted" not in only_from["default_range"]
    # A 'to' in the calendar's first days: the default start stops at its first day.
    for endpoint in ("daily", "products", "clients"):
        first = api.get(f"/v1/providers/claro/metrics/{endpoint}?to=0001-01-05")
        assert first.status_code == 200, first.text
        assert (first.json()["from"], first.json()["items"]) == ("0001-01-01", [])


def test_unknown_paths_and_methods_are_problem_json(api: ApiEnv) -> None:
    assert_problem(api.get("/v1/nothing/here"), 404, "no such endpoint")
    assert_problem(api.client.post("/health"), 405, "POST")


def _pages(api: ApiEnv, url: str) -> tuple[list[dict], list[int]]:  # type: ignore[type-arg]
    items, totals, cursor = [], [], None
    while True:
        page = api.get(url + (f"&cursor={cursor}" if cursor else ""))
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        totals.append(body["total"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items, totals


def test_clients_paginate_with_total_and_no_overlap(api: ApiEnv) -> None:
    items, totals = _pages(api, CLIENTS_URL.format("claro") + "&limit=4")
    assert set(totals) == {len(CLIENTS)} and len(totals) == 2
    assert sorted(i["client_id"] for i in items) == sorted(c[0] for c in CLIENTS)
    one = next(i for i in items if i["client_id"] == "PDV000002")
    assert one["active_days"] == DAYS and one["client_name"] == "Tienda Dos"
    assert one["transactions"] == sum(10 + 9 + d % 2 for d in range(DAYS))
    assert one["city"] == "Bogota D.C." and one["department"] == "Bogota D.C."


def test_clients_sorting_and_filters(api: ApiEnv) -> None:
    by_amount = api.get(CLIENTS_URL.format("claro")).json()["items"]
    amounts = [Decimal(i["gross_amount"]) for i in by_amount]
    assert amounts == sorted(amounts, reverse=True)
    assert by_amount[0]["client_id"] == "PDV000002"
    ascending = api.get(CLIENTS_URL.format("claro") + "&sort=transactions").json()["items"]
    assert [i["client_id"] for i in ascending] == [
        "PDV000006",
        "PDV000005",
        "PDV000001",
        "PDV000003",
        "PDV000004",
        "PDV000002",
    ]  # fmt: skip  (3 and 4 tie on transactions: client_id breaks the tie)
    by_id = api.get(CLIENTS_URL.format("claro") + "&sort=-client_id").json()["items"]
    assert [i["client_id"] for i in by_id] == sorted((c[0] for c in CLIENTS), reverse=True)
    for department, count in DEPARTMENT_COUNTS.items():
        body = api.get(CLIENTS_URL.format("claro") + f"&department={quote(department)}").json()
        assert body["total"] == count
        assert {i["department"] for i in body["items"]} == {department}
    cali = api.get(CLIENTS_URL.format("claro") + "&city=Cali").json()
    assert {i["client_id"] for i in cali["items"]} == {"PDV000005", "PDV000006"}
    one = api.get(CLIENTS_URL.format("claro") + "&client_id=PDV000003").json()
    assert one["total"] == 1 and one["items"][0]["client_id"] == "PDV000003"
    none = api.get(CLIENTS_URL.format("claro") + "&city=Narnia").json()
    assert none["total"] == 0 and none["items"] == [] and none["next_cursor"] is None


def test_cursor_is_scoped_to_its_query_and_provider(api: ApiEnv) -> None:
    movistar = api.get(CLIENTS_URL.format("movistar") + "&limit=2", key="admin").json()
    cursor = movistar["next_cursor"]
    assert cursor
    # The same cursor on claro's path (a claro key): refused, and no movistar data.
    stolen = api.get(CLIENTS_URL.format("claro") + f"&limit=2&cursor={cursor}", key="claro")
    assert_problem(stolen, 400, "different query")
    # A claro key cannot use the cursor on movistar's path either.
    assert_problem(
        api.get(CLIENTS_URL.format("movistar") + f"&limit=2&cursor={cursor}", key="claro"), 403
    )
    claro = api.get(CLIENTS_URL.format("claro") + "&limit=2").json()["next_cursor"]
    resorted = api.get(CLIENTS_URL.format("claro") + f"&limit=2&sort=client_id&cursor={claro}")
    assert_problem(resorted, 400, "different query")
    assert_problem(api.get(CLIENTS_URL.format("claro") + "&cursor=bm90LWEtY3Vyc29y"), 400)
    assert_problem(api.get(CLIENTS_URL.format("claro") + "&cursor=%%%"), 400)


def test_etag_and_304_on_daily_data(api: ApiEnv) -> None:
    for template in (DAILY, PRODUCTS_URL, CLIENTS_URL):
        first = api.get(template.format("claro"))
        etag = first.headers["ETag"]
        assert first.headers["Cache-Control"] == "private, max-age=300"
        again = api.get(template.format("claro"), headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == etag
        weak = api.get(template.format("claro"), headers={"If-None-Match": f'"x", W/{etag}'})
        assert weak.status_code == 304
        stale = api.get(template.format("claro"), headers={"If-None-Match": '"stale"'})
        assert stale.status_code == 200 and stale.headers["ETag"] == etag
    other_range = api.get(f"/v1/providers/claro/metrics/daily?from={FIRST_DAY}&to={FIRST_DAY}")
    assert other_range.headers["ETag"] != api.get(DAILY.format("claro")).headers["ETag"]


def test_csv_export_by_query_or_accept_header(api: ApiEnv) -> None:
    by_query = api.get(DAILY.format("claro") + "&format=csv")
    assert by_query.status_code == 200
    assert by_query.headers["content-type"].startswith("text/csv")
    assert "attachment" in by_query.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(by_query.text)))
    assert len(rows) == DAYS
    assert list(rows[0])[:2] == ["dt", "transactions"]
    assert rows[0]["gross_amount"] == "1000000.50" and rows[0]["dt"] == str(FIRST_DAY)
    by_accept = api.get(DAILY.format("claro"), headers={"Accept": "text/csv"})
    assert by_accept.text == by_query.text
    products = api.get(PRODUCTS_URL.format("claro"), headers={"Accept": "text/csv"})
    assert len(list(csv.DictReader(io.StringIO(products.text)))) == 2 * DAYS
    clients = api.get(CLIENTS_URL.format("claro") + "&format=csv&limit=4")
    assert clients.headers["X-Total-Count"] == str(len(CLIENTS))
    assert clients.headers["X-Next-Cursor"]
    assert len(list(csv.DictReader(io.StringIO(clients.text)))) == 4
    assert api.get(DAILY.format("claro")).headers["content-type"] == "application/json"
