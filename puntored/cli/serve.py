"""``puntored serve``: run the provider API on uvicorn."""

from __future__ import annotations

import typer

from puntored.api.server import run_server
from puntored.settings import get_settings

commands = typer.Typer()


@commands.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(
        1, min=1, help="uvicorn worker processes (each has its own cache and rate limits)."
    ),
) -> None:
    """Serve the provider REST API (docs at /docs and /redoc, offline)."""
    get_settings()  # bad settings: one line per problem here, not a traceback in a worker
    run_server(host=host, port=port, workers=workers)
