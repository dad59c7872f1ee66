"""The ``puntored`` CLI. Each stage lives in its own module and registers its commands here."""

from __future__ import annotations

import typer
from botocore.exceptions import BotoCoreError, ClientError
from tenacity import RetryError

from puntored.errors import PuntoredError, describe
from puntored.logging_setup import configure_logging

app = typer.Typer(
    name="puntored",
    help="PuntoRed Analytics: generate, land, transform, sync, stream and serve provider metrics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main(
    log_level: str = typer.Option("WARNING", help="Log level of the JSON logs on stderr."),
) -> None:
    configure_logging(log_level.upper())


def _register() -> None:
    # One import per stage; each module adds its commands to ``app``.
    from puntored.cli import (
        daily,  # noqa: F401
        db,  # noqa: F401
        demo,  # noqa: F401
        generate,  # noqa: F401
        keys,  # noqa: F401
        land,  # noqa: F401
        reports,  # noqa: F401
        serve,  # noqa: F401
        stream,  # noqa: F401
        sync,  # noqa: F401
        transform,  # noqa: F401
    )


_register()


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
