"""``puntored demo``: every stage on the embedded engines, then the API and the portal with a
demo key, screenshots of the portal, and closing lines that paste at any terminal width."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from puntored.cli.daily import print_outcome
from puntored.cli.exclusive import data_root_lock
from puntored.errors import PuntoredError
from puntored.settings import Settings, get_settings

if TYPE_CHECKING:
    from puntored.api.demo import DemoAccess

commands = typer.Typer()

console = Console()


@commands.command()
def demo(
    days: int = typer.Option(3, min=1, max=31, help="Days of synthetic history to generate."),
    replay_seconds: float = typer.Option(
        75, min=0, help="Length of the live realtime replay through Flink (0: skip it)."
    ),
    serve: bool = typer.Option(True, help="Keep serving the API at the end (Ctrl-C to stop)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port of the API."),
    provider: str = typer.Option("claro", help="Provider the demo key belongs to."),
    screenshots: bool = typer.Option(True, help="Save screenshots of every portal page."),
) -> None:
    """Generate data, land it (Spark), build the marts (dbt + DuckDB), sync the serving DB,
    write provider reports, replay events through Flink, then serve the API and the portal."""
    from puntored.api.demo import demo_access
    from puntored.api.main import create_app
    from puntored.api.server import background_server
    from puntored.generator.options import default_start
    from puntored.pipeline import demo_stages, run_stages

    settings = get_settings()
    start = default_start(days)
    console.print(f"[bold]PuntoRed demo[/] — data root {settings.data_dir.resolve()}")
    with data_root_lock(settings):  # released before the API serves (for hours, maybe)
        run_stages(demo_stages(settings, start, days, replay_seconds), on_done=print_outcome)

    access = demo_access(settings, provider, start + timedelta(days=days - 1), port=port)
    with background_server(create_app(settings), port=port):
        shots = _screenshots(settings, provider, access) if screenshots else "not taken"
        console.print()
        print_unwrapped(console, access.closing_lines(shots, serving=serve))
        if serve:
            _wait_for_ctrl_c()


def print_unwrapped(out: Console, lines: list[str]) -> None:
    """Each line as one line whatever the terminal's width (commands must paste), no markup."""
    for line in lines:
        out.print(line, soft_wrap=True, markup=False, highlight=False)


def _screenshots(settings: Settings, provider: str, access: DemoAccess) -> str:
    from puntored.api.demo import screenshots_summary
    from puntored.api.portal.screenshots import capture_portal

    folder = settings.data_dir / "screenshots"
    try:
        shots = capture_portal(settings, provider, access.base_url, folder)
    except PuntoredError as error:
        return f"not taken: {error}"
    return screenshots_summary(folder, len(shots))


def _wait_for_ctrl_c() -> None:
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        console.print("stopped")
