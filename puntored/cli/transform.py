"""``puntored transform`` and ``puntored docs``: build the marts with dbt, browse the docs."""

from __future__ import annotations

import functools
import http.server

import typer
from rich.console import Console

from puntored.cli.exclusive import exclusive
from puntored.settings import get_settings

commands = typer.Typer()

console = Console()


@commands.command()
@exclusive
def transform(
    full_refresh: bool = typer.Option(False, help="Rebuild every mart from the whole lake."),
    lookback_days: int | None = typer.Option(
        None, min=0, help="Days before the newest built day to rebuild (late data); default 5."
    ),
    select: str | None = typer.Option(None, help="dbt node selection, e.g. fct_provider_daily+."),
    all_tests: bool = typer.Option(
        False,
        help="Test every row, not only the rebuilt days (always so on --full-refresh and in CI).",
    ),
) -> None:
    """Build the daily marts with dbt (`dbt build`: seeds, models, unit and data tests)."""
    from puntored.transform.dbt_runner import run_transform

    result = run_transform(
        get_settings(),
        full_refresh=full_refresh,
        lookback_days=lookback_days,
        select=select,
        test_scope="all" if all_tests else None,
    )
    console.print(result.summary())


@commands.command()
def docs(
    port: int = typer.Option(8080, min=1, max=65535, help="Port to serve the docs site on."),
    generate: bool = typer.Option(True, help="Run `dbt docs generate` first."),
) -> None:
    """Generate the dbt docs site and serve it locally (http://127.0.0.1:PORT)."""
    from puntored.transform.dbt_runner import TransformError, docs_site_dir, generate_docs

    if generate:
        result = generate_docs(get_settings())
        if not result.succeeded:
            raise TransformError(f"dbt docs generate failed: {result.failures}")
    site = docs_site_dir(get_settings())
    if not (site / "index.html").exists():
        raise TransformError(f"no docs site in {site}: run with --generate")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        console.print(f"dbt docs at http://127.0.0.1:{port} (Ctrl+C to stop)")
        server.serve_forever()
