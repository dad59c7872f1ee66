"""What ``make demo`` ends with: a fresh demo key, the portal URL and how to sign in, and
example requests, printed one command per line so they paste at any terminal width."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from puntored.api.auth.manage import create_api_key
from puntored.settings import Settings


@dataclass(frozen=True)
class DemoAccess:
    key: str
    provider_id: str
    base_url: str
    last_day: date
    example: str  # curl of the daily endpoint over the week ending at last_day

    def closing_lines(self, screenshots: str, serving: bool = True) -> list[str]:
        """The demo's last words. ``screenshots`` says where the page screenshots are (or why
        there are none); ``serving`` whether the API stays up after them."""
        api = f"{self.base_url}/v1/providers/{self.provider_id}"
        header = f"-H 'X-API-Key: {self.key}'"
        report = f"{self.provider_id}-{self.last_day}-transactions.csv.gz"
        return [
            f"The demo is served at {self.base_url} until you press Ctrl-C."
            if serving
            else "The demo's API has stopped (--no-serve): `puntored serve` serves the same data.",
            "",
            f"Provider portal: {self.base_url}/portal",
            f"  Sign in as {self.provider_id} with this demo API key (shown once; paste it into "
            "'Clave de API'):",
            f"  {self.key}",
            "",
            "Try the API (one command per line):",
            f"  {self.example}",
            f"  curl -s {header} '{api}/reports'",
            f"  curl -s -o {report} {header} '{api}/reports/{self.last_day}'",
            f"API docs: {self.base_url}/docs (Swagger UI) and {self.base_url}/redoc",
            f"Portal screenshots: {screenshots}",
        ]


def demo_access(
    settings: Settings, provider_id: str, day: date, host: str = "127.0.0.1", port: int = 8000
) -> DemoAccess:
    """Create a key for ``provider_id`` and the curl line that reads its last week to ``day``."""
    created = create_api_key(settings, provider_id, name="demo")
    base_url = f"http://{host}:{port}"
    start = day - timedelta(days=6)
    url = f"{base_url}/v1/providers/{provider_id}/metrics/daily?from={start}&to={day}"
    example = f"curl -s -H 'X-API-Key: {created.key}' '{url}'"
    return DemoAccess(created.key, provider_id, base_url, day, example)


def screenshots_summary(folder: Path, count: int) -> str:
    return f"{count} PNG files (every page at 1280 px and 390 px) in {folder.resolve()}"
