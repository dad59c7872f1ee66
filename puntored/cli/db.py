"""``puntored db``: manage the serving database schema."""

from __future__ import annotations

import typer
from rich.console import Console

from puntored.settings import get_settings

commands = typer.Typer(help="Serving database (PostgreSQL/SQLite) schema migrations.")
console = Console()


@commands.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target Alembic revision.")) -> None:
    """Apply the Alembic migrations to the serving database."""
    from puntored.database.migrate import current_revision, upgrade

    url = get_settings().serving_database_url
    upgrade(url, revision)
    console.print(f"serving database at revision [bold]{current_revision(url)}[/]")


@commands.command("current")
def db_current() -> None:
    """Print the serving database's current Alembic revision."""
    from puntored.database.migrate import current_revision

    console.print(current_revision(get_settings().serving_database_url) or "empty")
