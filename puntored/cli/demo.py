"""``puntored demo``: every stage on the embedded engines, then the API with a demo key."""

from __future__ import annotations

from datetime import timedelta

import typer
from rich.console import Console

from puntored.api.demo import demo_access
from puntored.api.server import run_server
from puntored.cli.daily import print_outcome
from puntored.generator.options import default_start
from puntored.pipeline import demo_stages, run_stages
from puntored.settings import get_settings

commands = typer.Typer()

console = Console()


@commands.command()
def demo(
    days: int = typer.Option(3, min=1, max=31, help="Days of synthetic history to generate."),
    replay_seconds: float = typer.Option(
        75, min=0, help="Length of the live realtime replay through Flink (0: skip it)."
    ),
    serve: bool = typer.Option(True, help="Serve the API at the end (Ctrl-C to stop)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port of the API."),
    provider: str = typer.Option("claro", help="Provider the demo key belongs to."),
) -> None:
    """Generate data, land it (Spark), build the marts (dbt + DuckDB), sync the serving DB,
    write provider reports, replay events through Flink, then serve the API."""
    settings = get_settings()
    start = default_start(days)
    console.print(f"[bold]PuntoRed demo[/] — data root {settings.data_dir.resolve()}")
    run_stages(demo_stages(settings, start, days, replay_seconds), on_done=print_outcome)

    last_day = start + timedelta(days=days - 1)
    access = demo_access(settings, provider, last_day, port=port)
    console.print(f"\nDemo API key for [bold]{provider}[/] (shown once): {access.key}")
    console.print(f"Try:\n  {access.example}")
    console.print(f"Docs: http://127.0.0.1:{port}/docs")
    if serve:
        run_server(host="127.0.0.1", port=port, workers=1)
