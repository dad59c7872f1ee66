"""Screenshots of every portal page at 1280 px and 390 px, for a reviewer without a browser
(``puntored screenshots``, and the end of ``make demo``).

Chromium is Debian's (``/usr/bin/chromium``) driven by Playwright; nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from puntored.api.auth.manage import create_api_key, revoke_api_key
from puntored.errors import PuntoredError
from puntored.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--lang=es-CO",
)
WIDTHS = (1280, 390)
PAGES = (
    ("resumen", ""),
    ("productos", "/products"),
    ("puntos-de-venta", "/points-of-sale"),
    ("tiempo-real", "/realtime"),
    ("alertas", "/alerts"),
    ("reportes", "/reports"),
)


@dataclass(frozen=True)
class Screenshot:
    name: str
    width: int
    path: Path


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        raise PuntoredError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Page, base_url: str, api_key: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{base_url}/portal/sign-in")
    page.get_by_label("Clave de API").fill(api_key)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{base_url}/portal/providers**")


def take_screenshots(base_url: str, api_key: str, provider_id: str, out: Path) -> list[Screenshot]:
    """Sign in with ``api_key`` and capture every page of ``provider_id`` at each width."""
    with chromium() as browser:
        return screenshots_with(browser, base_url, api_key, provider_id, out)


def screenshots_with(
    browser: Browser, base_url: str, api_key: str, provider_id: str, out: Path
) -> list[Screenshot]:
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="es-CO")
        page = context.new_page()
        page.goto(f"{base_url}/portal/sign-in")
        page.screenshot(path=out / f"ingresar-{width}.png")
        sign_in(page, base_url, api_key)
        for name, path in PAGES:
            page.goto(f"{base_url}/portal/providers/{provider_id}{path}")
            target = out / f"{name}-{width}.png"
            page.screenshot(path=target, full_page=True)
            shots.append(Screenshot(name, width, target))
        context.close()
    return shots


def capture_portal(
    settings: Settings, provider_id: str, base_url: str, out: Path
) -> list[Screenshot]:
    """Screenshots of ``provider_id``'s portal served at ``base_url``, signed in with a key
    created for the purpose and revoked afterwards."""
    created = create_api_key(settings, provider_id, name="screenshots")
    try:
        return take_screenshots(base_url, created.key, provider_id, out)
    finally:
        revoke_api_key(settings, str(created.info.key_id))
