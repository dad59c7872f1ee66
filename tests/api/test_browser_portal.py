"""The provider portal in headless Chromium, against the seeded API served by uvicorn: what a
provider sees equals what the API answers, and a provider sees only its own pages."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from puntored.api.portal.screenshots import screenshots_with, sign_in
from puntored.database.engine import make_engine, transaction
from puntored.database.models import RealtimeProviderMinute
from tests.support.api_seed import CLIENTS, FIRST_DAY, LAST_DAY, REPORT_DAYS
from tests.support.chromium import outside_requests
from tests.support.portal_env import PortalEnv

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser: Browser, portal: PortalEnv) -> Iterator[BrowserContext]:
    """A fresh browser profile; fails the test if any request leaves the app's origin, a
    script throws or the Content-Security-Policy refuses anything."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-CO")
    context.set_default_timeout(15_000)
    foreign = outside_requests(context, portal.base_url)
    visited: list[str] = []
    context.on("request", lambda request: visited.append(request.url))
    context.visited = visited  # type: ignore[attr-defined]
    problems: list[str] = []
    context.on("weberror", lambda error: problems.append(str(error.error)))
    context.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield context
    context.close()
    assert foreign == [], f"requests outside the app: {foreign}"
    assert problems == [], problems


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def api_json(portal: PortalEnv, path: str, key: str = "claro") -> Any:
    response = httpx.get(portal.base_url + path, headers={"X-API-Key": portal.api.keys[key]})
    assert response.status_code == 200, response.text
    return response.json()


def chart_values(page: Page, chart_id: str) -> dict[str, str]:
    marks = page.locator(f"svg[data-chart='{chart_id}'] .mark")
    keys = marks.evaluate_all("els => els.map(e => [e.dataset.key, e.dataset.value])")
    return dict(keys)


def signed_in(page: Page, portal: PortalEnv, key: str = "claro") -> None:
    sign_in(page, portal.base_url, portal.api.keys[key])


def test_sign_in_keeps_the_key_out_of_urls_and_scripts_and_sign_out_ends_it(
    page: Page, context: BrowserContext, portal: PortalEnv
) -> None:
    page.goto(portal.base_url + "/portal")
    expect(page).to_have_url(portal.base_url + "/portal/sign-in")
    signed_in(page, portal)
    expect(page).to_have_url(portal.base_url + "/portal/providers/claro")
    expect(page.get_by_role("heading", level=1)).to_have_text("Resumen")
    key = portal.api.keys["claro"]
    (cookie,) = context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/portal"
    assert cookie["expires"] == -1  # a session cookie: gone when the browser session ends
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("JSON.stringify({...localStorage, ...sessionStorage})") == "{}"
    assert not any(key in url for url in context.visited)  # type: ignore[attr-defined]
    assert key not in page.content()

    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(portal.base_url + "/portal/sign-in?salida=1")
    expect(page.get_by_role("status")).to_have_text("Cerraste la sesión.")
    assert context.cookies() == []
    page.goto(portal.base_url + "/portal/providers/claro")
    expect(page).to_have_url(portal.base_url + "/portal/sign-in")


def test_a_wrong_or_revoked_key_is_refused(page: Page, portal: PortalEnv) -> None:
    for wrong in ("prk_not-a-real-key", portal.api.keys["revoked"], "hola"):
        page.goto(portal.base_url + "/portal/sign-in")
        page.get_by_label("Clave de API").fill(wrong)
        with page.expect_response("**/portal/sign-in") as answer:
            page.get_by_role("button", name="Ingresar").click()
        assert answer.value.status == 401
        expect(page.get_by_role("alert")).to_have_text("La clave no es válida o fue revocada.")
        expect(page.get_by_label("Clave de API")).to_have_attribute("aria-invalid", "true")
    page.goto(portal.base_url + "/portal/providers/claro")
    expect(page).to_have_url(portal.base_url + "/portal/sign-in")


def test_overview_charts_equal_the_api_and_the_range_switches(
    page: Page, portal: PortalEnv
) -> None:
    signed_in(page, portal)
    api = api_json(portal, "/v1/providers/claro/metrics/daily")  # the same default range
    expect(page.locator(".range-note")).to_have_attribute("data-range-from", api["from"])
    by_day = {item["dt"]: item for item in api["items"]}
    for measure in ("transactions", "net_amount", "approval_rate"):
        drawn = chart_values(page, f"daily-{measure}")
        assert drawn == {dt: str(item[measure]) for dt, item in by_day.items()}, measure
    total = sum(item["transactions"] for item in api["items"])
    kpi = page.locator("[data-kpi='transactions']")
    assert kpi.get_attribute("data-value") == str(total)
    expect(kpi).to_have_text(f"{total:,}".replace(",", "."))
    net = sum(Decimal(item["net_amount"]) for item in api["items"])
    units, cents = f"{net:,.2f}".split(".")
    expect(page.locator("[data-kpi='net_amount']")).to_have_text(
        f"$ {units.replace(',', '.')},{cents}"
    )

    start, end = FIRST_DAY + timedelta(days=2), FIRST_DAY + timedelta(days=6)
    page.get_by_label("Desde").fill(str(start))
    page.get_by_label("Hasta").fill(str(end))
    page.get_by_role("button", name="Aplicar").click()
    expect(page).to_have_url(f"{portal.base_url}/portal/providers/claro?from={start}&to={end}")
    narrow = api_json(portal, f"/v1/providers/claro/metrics/daily?from={start}&to={end}")
    drawn = chart_values(page, "daily-transactions")
    assert drawn == {item["dt"]: str(item["transactions"]) for item in narrow["items"]}
    assert len(drawn) == 5
    # Totals against the previous five days, which the seed also has.
    before = api_json(
        portal, f"/v1/providers/claro/metrics/daily?from={FIRST_DAY}&to={start - timedelta(days=1)}"
    )
    assert before["items"]
    expect(page.locator(".kpi").first).to_contain_text("antes:")


def test_products_table_and_chart_equal_the_api(page: Page, portal: PortalEnv) -> None:
    signed_in(page, portal)
    page.get_by_role("link", name="Productos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Productos")
    api = api_json(portal, "/v1/providers/claro/metrics/products")
    net: dict[str, Decimal] = {}
    for item in api["items"]:
        net[item["product_id"]] = net.get(item["product_id"], Decimal(0)) + Decimal(
            item["net_amount"]
        )
    drawn = chart_values(page, "products-net_amount")
    assert {pid: Decimal(value) for pid, value in drawn.items()} == net
    rows = page.locator("#products-table tbody tr")
    expect(rows).to_have_count(len(net))


def test_points_of_sale_sort_filter_paginate_csv_and_detail_page(
    page: Page, portal: PortalEnv, tmp_path: Path
) -> None:
    signed_in(page, portal)
    page.get_by_role("link", name="Puntos de venta").click()
    api = api_json(portal, "/v1/providers/claro/metrics/clients")
    rows = page.locator("#pos-table tbody tr")
    shown = rows.evaluate_all("rs => rs.map(r => r.dataset.client)")
    assert shown == [item["client_id"] for item in api["items"]]  # -gross_amount, as the API

    page.get_by_role("link", name="Transacciones").click()  # descending first
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    by_tx = api_json(portal, "/v1/providers/claro/metrics/clients?sort=-transactions")
    shown = rows.evaluate_all("rs => rs.map(r => r.dataset.client)")
    assert shown == [item["client_id"] for item in by_tx["items"]]
    page.get_by_role("link", name="Transacciones").click()
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    shown = rows.evaluate_all("rs => rs.map(r => r.dataset.client)")
    assert shown == [item["client_id"] for item in reversed(by_tx["items"])] or shown == [
        item["client_id"]
        for item in api_json(portal, "/v1/providers/claro/metrics/clients?sort=transactions")[
            "items"
        ]
    ]

    page.get_by_label("Departamento").select_option("Antioquia")
    page.get_by_role("button", name="Filtrar").click()
    antioquia = [c[0] for c in CLIENTS if c[3] == "Antioquia"]
    expect(rows).to_have_count(len(antioquia))
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.client)")) == antioquia
    expect(page.get_by_role("heading", name=f"{len(antioquia)} puntos de venta")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar CSV").click()
    saved = tmp_path / "pos.csv"
    download.value.save_as(saved)
    lines = list(csv.DictReader(saved.open()))
    assert sorted(line["client_id"] for line in lines) == antioquia
    api_csv = httpx.get(
        portal.base_url + "/v1/providers/claro/metrics/clients?format=csv&department=Antioquia"
        "&sort=transactions",
        headers={"X-API-Key": portal.api.keys["claro"]},
    )
    assert saved.read_text().splitlines()[0] == api_csv.text.splitlines()[0]  # same columns

    page.goto(f"{portal.base_url}/portal/providers/claro/points-of-sale?page_size=4")
    expect(rows).to_have_count(4)
    expect(page.get_by_text("Página 1 de 2")).to_be_visible()
    page.get_by_role("link", name="Siguiente →").click()
    expect(rows).to_have_count(len(CLIENTS) - 4)
    expect(page.get_by_text("Página 2 de 2")).to_be_visible()

    first = api["items"][0]
    page.get_by_role("link", name="← Anterior").click()
    page.get_by_role("link", name=first["client_name"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Punto de venta {first['client_id']}"
    )
    kpi = page.locator("[data-kpi='transactions']")
    assert kpi.get_attribute("data-value") == str(first["transactions"])
    assert (
        page.locator("[data-kpi='net_amount']").get_attribute("data-value") == first["net_amount"]
    )


def test_realtime_highlights_open_alerts_and_refreshes_itself(
    page: Page, portal: PortalEnv
) -> None:
    signed_in(page, portal)
    page.get_by_role("link", name="Tiempo real").click()
    api = api_json(portal, "/v1/providers/claro/realtime")
    drawn = chart_values(page, "realtime-transactions")
    for item in api["items"]:
        assert drawn[item["window_start"]] == str(item["transactions"])
    assert len(drawn) == 61 and sum(int(v) for v in drawn.values()) == sum(
        item["transactions"] for item in api["items"]
    )
    open_alerts = api_json(portal, "/v1/providers/claro/alerts?status=open")["items"]
    expect(page.locator(".open-alerts li")).to_have_count(len(open_alerts))
    highlighted = page.locator("svg[data-chart='realtime-transactions'] .mark.highlight")
    minute = portal.api.now.replace(second=0, microsecond=0)
    expected = {
        (minute - timedelta(minutes=m)).isoformat().replace("+00:00", "Z") for m in (1, 2, 3)
    }
    assert set(highlighted.evaluate_all("els => els.map(e => e.dataset.key)")) == expected

    # A new window lands; the page shows it without a reload.
    start = minute
    engine = make_engine(portal.api.url)
    with transaction(engine) as session:
        session.add(
            RealtimeProviderMinute(
                provider_id="claro", window_start=start, window_end=start + timedelta(minutes=1),
                updated_at=start, transactions=4321, approved=4000, rejected=300, failed=21,
                reversed=0, gross_amount=Decimal("100.00"), reversed_amount=Decimal(0),
                net_amount=Decimal("100.00"), commission=Decimal("4.50"), latency_p95_ms=500,
            )
        )  # fmt: skip
    engine.dispose()
    key = start.isoformat().replace("+00:00", "Z")
    mark = page.locator(f"svg[data-chart='realtime-transactions'] .mark[data-key='{key}']")
    expect(mark).to_have_attribute("data-value", "4321", timeout=15_000)
    expect(page.get_by_role("status")).to_contain_text("Actualizado")
    page.get_by_role("button", name="Pausar actualización").click()
    expect(page.get_by_role("button", name="Reanudar actualización")).to_be_visible()


def test_alerts_history_and_report_download_with_totals(
    page: Page, portal: PortalEnv, tmp_path: Path
) -> None:
    signed_in(page, portal)
    page.get_by_role("link", name="Alertas").click()
    alerts = api_json(portal, "/v1/providers/claro/alerts")["items"]
    rows = page.locator("#alerts-table tbody tr")
    expect(rows).to_have_count(len(alerts))
    expect(page.locator("#alerts-table tr.alert-open")).to_have_count(
        sum(a["status"] == "open" for a in alerts)
    )
    page.get_by_role("link", name="Resueltas").click()
    expect(rows).to_have_count(sum(a["status"] == "resolved" for a in alerts))

    page.get_by_role("link", name="Reportes").click()
    reports = api_json(portal, "/v1/providers/claro/reports")["items"]
    assert [r["dt"] for r in reports] == [str(d) for d in reversed(REPORT_DAYS)]
    table = page.locator("#reports-table tbody tr")
    expect(table).to_have_count(len(reports))
    row = page.locator(f"#reports-table tr[data-dt='{REPORT_DAYS[0]}']")
    summary = next(r for r in reports if r["dt"] == str(REPORT_DAYS[0]))
    assert row.locator("td").nth(0).get_attribute("data-value") == str(summary["rows"])
    assert row.locator("td").nth(5).get_attribute("data-value") == summary["net_amount"]
    with page.expect_download() as download:
        row.get_by_role("link", name="Descargar CSV").click()
    assert download.value.suggested_filename == f"claro-{REPORT_DAYS[0]}-transactions.csv.gz"
    saved = tmp_path / "report.csv.gz"
    download.value.save_as(saved)
    api_file = httpx.get(
        portal.base_url + summary["download"], headers={"X-API-Key": portal.api.keys["claro"]}
    )
    assert saved.read_bytes() == api_file.content
    lines = gzip.decompress(saved.read_bytes()).decode().splitlines()
    assert len(lines) - 1 == summary["rows"]


PROVIDER_PAGES = (
    "",
    "/products",
    "/points-of-sale",
    "/points-of-sale.csv",
    "/points-of-sale/PDV000001",
    "/realtime",
    "/realtime/panel",
    "/alerts",
    "/reports",
    f"/reports/{REPORT_DAYS[0]}/download",
)


def test_provider_a_cannot_see_provider_b_pages(page: Page, portal: PortalEnv) -> None:
    signed_in(page, portal, "claro")
    for path in PROVIDER_PAGES:
        response = page.request.get(f"{portal.base_url}/portal/providers/movistar{path}")
        assert response.status == 403, path
        assert "Esta clave solo puede ver los datos de su propio proveedor." in response.text()
        assert "movistar_topup" not in response.text()
        own = page.request.get(f"{portal.base_url}/portal/providers/claro{path}")
        assert own.status == 200, path
    page.goto(f"{portal.base_url}/portal/providers/movistar")
    expect(page.get_by_role("alert")).to_contain_text("su propio proveedor")
    missing = page.goto(f"{portal.base_url}/portal/providers/claro/nothing-here")
    assert missing is not None and missing.status == 404
    expect(page.get_by_role("alert")).to_contain_text(
        "No existe /portal/providers/claro/nothing-here"
    )
    page.goto(f"{portal.base_url}/portal/providers")  # the admin's chooser sends claro home
    expect(page).to_have_url(f"{portal.base_url}/portal/providers/claro")


def test_an_admin_key_chooses_a_provider(page: Page, portal: PortalEnv) -> None:
    signed_in(page, portal, "admin")
    expect(page).to_have_url(f"{portal.base_url}/portal/providers")
    page.get_by_role("link", name="Movistar").click()
    expect(page.locator("[data-provider]")).to_have_text("Movistar")
    api = api_json(portal, "/v1/providers/movistar/metrics/daily", key="movistar")
    drawn = chart_values(page, "daily-transactions")
    assert drawn == {item["dt"]: str(item["transactions"]) for item in api["items"]}


def test_every_page_shows_freshness_fits_390px_and_is_labelled(
    browser: Browser, portal: PortalEnv
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="es-CO")
    page = context.new_page()
    signed_in(page, portal)
    fresh = api_json(portal, "/v1/providers/claro/freshness")
    for path in ("", "/products", "/points-of-sale", "/points-of-sale/PDV000003", "/realtime",
                 "/alerts", "/reports"):  # fmt: skip
        page.goto(f"{portal.base_url}/portal/providers/claro{path}")
        banner = page.get_by_role("region", name="Actualidad de los datos")
        expect(banner).to_be_visible()
        day = LAST_DAY if fresh["latest_daily_dt"] == str(LAST_DAY) else None
        assert day is not None
        expect(banner.locator("[data-freshness='latest_daily_dt']")).to_have_text("10 mar 2026")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path}: {overflow}px wider than the screen"
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select, button')]
                .filter(e => !(e.labels && e.labels.length) && !e.textContent.trim()
                             && !e.getAttribute('aria-label')).length"""
        )
        assert unlabelled == 0, path
        charts = page.locator("svg.chart")
        for index in range(charts.count()):
            labelled_by = charts.nth(index).get_attribute("aria-labelledby") or ""
            assert charts.nth(index).get_attribute("role") == "img" and labelled_by
    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.goto(f"{portal.base_url}/portal/providers/claro")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Saltar al contenido"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    context.close()


def test_screenshots_of_every_page_at_both_widths(
    browser: Browser, portal: PortalEnv, tmp_path: Path
) -> None:
    shots = screenshots_with(browser, portal.base_url, portal.api.keys["claro"], "claro", tmp_path)
    assert {(s.name, s.width) for s in shots} == {
        (name, width)
        for name in (
            "resumen",
            "productos",
            "puntos-de-venta",
            "tiempo-real",
            "alertas",
            "reportes",
        )
        for width in (1280, 390)
    }
    for shot in shots:
        header = shot.path.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(header[16:20], "big") == shot.width  # PNG width
