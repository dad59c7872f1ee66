"""``puntored screenshots``: every portal page at 1280 px and 390 px, as PNG files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from puntored.settings import get_settings

commands = typer.Typer()
console = Console()


@commands.command()
def screenshots(
    provider: str = typer.Option("claro", help="Provider whose portal to capture."),
    out: Path | None = typer.Option(None, help="Folder for the PNGs [default: <data>/screenshots]"),
) -> None:
    """Serve the API on a free local port, sign in to the portal with a temporary key of the
    provider (revoked afterwards) and save a screenshot of every page (Debian's Chromium)."""
    from puntored.api.demo import screenshots_summary
    from puntored.api.main import create_app
    from puntored.api.portal.screenshots import capture_portal
    from puntored.api.server import background_server

    settings = get_settings()
    folder = out or settings.data_dir / "screenshots"
    with background_server(create_app(settings)) as base_url:
        shots = capture_portal(settings, provider, base_url, folder)
    console.print(screenshots_summary(folder, len(shots)), soft_wrap=True, highlight=False)
