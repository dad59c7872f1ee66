"""The ``puntored`` CLI: every stage's commands, registered explicitly on one typer app.

Each command imports its stage (Spark, dbt, DuckDB, FastAPI, SQLAlchemy …) when it runs, not
when the CLI starts: ``puntored --help``, a wrong argument or ``puntored keys list`` answer in
about a second instead of five (tests/app/test_cli_startup.py keeps it so).
"""

from __future__ import annotations

import typer
from botocore.exceptions import BotoCoreError, ClientError
from tenacity import RetryError

from puntored.cli import (
    daily,
    db,
    demo,
    freshness,
    generate,
    keys,
    land,
    reconcile,
    reports,
    screenshots,
    serve,
    stream,
    sync,
    transform,
    webhooks,
)
from puntored.errors import PuntoredError, describe
from puntored.logging_setup import configure_logging

app = typer.Typer(
    name="puntored",
    help="PuntoRed Analytics: generate, land, transform, sync, stream and serve provider metrics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Stage commands at the top level (`puntored land`), groups under their name (`puntored db …`).
for stage in (
    generate,
    land,
    transform,
    sync,
    reports,
    reconcile,
    freshness,
    daily,
    stream,
    serve,
    demo,
    screenshots,
):
    app.add_typer(stage.commands)
app.add_typer(db.commands, name="db")
app.add_typer(keys.commands, name="keys")
app.add_typer(webhooks.commands, name="webhooks")


@app.callback()
def _main(
    log_level: str = typer.Option("WARNING", help="Log level of the JSON logs on stderr."),
) -> None:
    configure_logging(log_level.upper())


def main() -> None:
    try:
        app()
    except PuntoredError as error:
        # Expected failures (bad input, a stage that cannot proceed): one line per problem.
        for line in str(error).splitlines() or [type(error).__name__]:
            typer.echo(f"error: {line}", err=True)
        raise SystemExit(1) from None
    except (ClientError, BotoCoreError, RetryError) as error:
        # AWS refusals, unreachable endpoints, exhausted retries: the real cause, one line.
        typer.echo(f"error: {describe(error)}", err=True)
        raise SystemExit(1) from None
