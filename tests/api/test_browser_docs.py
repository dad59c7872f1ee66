"""Swagger UI and ReDoc in headless Chromium: every operation rendered from OpenAPI 3.1, and
"Try it out" with an X-API-Key answering 200; nothing loaded from outside the app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.chromium import outside_requests
from tests.support.portal_env import PortalEnv

pytestmark = pytest.mark.browser

DAILY_OPERATION = (
    "#operations-daily_metrics-daily_metrics_v1_providers__provider_id__metrics_daily_get"
)


@pytest.fixture
def page(browser: Browser, portal: PortalEnv) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(15_000)
    foreign = outside_requests(context, portal.base_url)
    failed: list[str] = []
    context.on("requestfailed", lambda r: failed.append(r.url))
    context.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert foreign == [], f"requests outside the app: {foreign}"
    assert failed == [], f"failed or 4xx/5xx requests: {failed}"
    assert errors == [], errors


def operations(portal: PortalEnv) -> list[tuple[str, str]]:
    schema: dict[str, Any] = httpx.get(portal.base_url + "/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_swagger_ui_renders_every_operation(page: Page, portal: PortalEnv) -> None:
    page.goto(portal.base_url + "/docs")
    expected = operations(portal)
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(expected))
    expect(page.get_by_text("does not specify a valid version field")).to_have_count(0)
    expect(page.locator(".info .title")).to_contain_text("PuntoRed provider API")
    shown = blocks.evaluate_all(
        """bs => bs.map(b => [b.querySelector('.opblock-summary-method').textContent.trim(),
                              b.querySelector('.opblock-summary-path').dataset.path])"""
    )
    assert sorted(map(tuple, shown)) == sorted(expected)


def test_try_it_out_with_an_api_key_answers_200_on_the_daily_endpoint(
    page: Page, portal: PortalEnv
) -> None:
    page.goto(portal.base_url + "/docs")
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.locator("input[type=text], input[type=password]").first.fill(portal.api.keys["claro"])
    dialog.get_by_role("button", name="Apply credentials").click()
    expect(dialog.get_by_role("button", name="Remove authorization")).to_be_visible()
    dialog.get_by_role("button", name="Close", exact=True).click()

    operation = page.locator(DAILY_OPERATION)
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("tr[data-param-name='provider_id'] input").fill("claro")
    with page.expect_response("**/v1/providers/claro/metrics/daily**") as answer:
        operation.get_by_role("button", name="Execute").click()
    assert answer.value.status == 200
    assert answer.value.request.headers["x-api-key"] == portal.api.keys["claro"]
    expect(operation.locator(".live-responses-table tbody .response-col_status")).to_have_text(
        "200"
    )
    body = answer.value.json()
    assert body["provider_id"] == "claro" and body["items"] and body["default_range"]
    # Swagger UI keeps the key in memory only.
    assert page.evaluate("JSON.stringify({...localStorage, ...sessionStorage})") == "{}"


def test_redoc_renders_offline_with_its_logo(page: Page, portal: PortalEnv) -> None:
    page.goto(portal.base_url + "/redoc")
    expect(page.get_by_role("heading", name="PuntoRed provider API")).to_be_visible()
    expect(page.locator("img[alt='redocly logo']")).to_be_visible()
    with page.expect_response("**/redoc/logo-mini.svg") as logo:
        page.reload()
    assert logo.value.status == 200
