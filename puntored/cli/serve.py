"""``puntored serve``: run the provider API on uvicorn."""

from __future__ import annotations

import typer

from puntored.errors import PuntoredError, describe
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
    from sqlalchemy.exc import SQLAlchemyError

    from puntored.api.server import run_server
    from puntored.database.migrate import current_revision, head_revision

    settings = get_settings()  # bad settings: one line per problem here, not a traceback
    try:
        at, head = current_revision(settings.serving_database_url), head_revision()
    except SQLAlchemyError as error:
        raise PuntoredError(f"the serving database is unreachable: {describe(error)}") from None
    if at != head:
        raise PuntoredError(
            f"the serving database is at schema revision {at or 'none (empty)'}, not {head}: "
            "run `puntored db upgrade` first"
        )
    run_server(
        host=host, port=port, workers=workers, max_header_bytes=settings.api_max_header_bytes
    )
