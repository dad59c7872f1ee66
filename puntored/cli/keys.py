"""``puntored keys``: create, list and revoke provider API keys."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from puntored.settings import get_settings

commands = typer.Typer(help="Provider API keys (stored hashed; a new key is shown once).")
console = Console()


@commands.command("create")
def keys_create(
    provider: str | None = typer.Option(None, "--provider", help="Provider the key may read."),
    admin: bool = typer.Option(False, "--admin", help="An admin key reads every provider."),
    name: str | None = typer.Option(None, "--name", help="A label to tell keys apart."),
) -> None:
    """Create a key and print it once; only its hash is stored."""
    from puntored.api.auth.manage import create_api_key

    created = create_api_key(get_settings(), provider, is_admin=admin, name=name)
    scope = "admin (all providers)" if created.info.is_admin else created.info.provider_id
    console.print(f"key id {created.info.key_id} for {scope}; store it now, it is not shown again:")
    typer.echo(created.key)


@commands.command("list")
def keys_list() -> None:
    """List keys (prefix, scope, created, last used, revoked); never the keys themselves."""
    from puntored.api.auth.manage import list_api_keys

    table = Table("id", "prefix", "provider", "admin", "name", "created", "last used", "revoked")
    for key in list_api_keys(get_settings()):
        table.add_row(
            str(key.key_id),
            key.key_prefix,
            key.provider_id or "-",
            "yes" if key.is_admin else "no",
            key.name,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "-",
        )
    console.print(table)


@commands.command("revoke")
def keys_revoke(
    key: str = typer.Argument(..., help="Key id (number) or prefix (prk_…) from `keys list`."),
) -> None:
    """Revoke a key: it gets 401 from then on."""
    from puntored.api.auth.manage import revoke_api_key

    info = revoke_api_key(get_settings(), key)
    console.print(
        f"key {info.key_id} ({info.key_prefix}) revoked at {info.revoked_at:%Y-%m-%d %H:%M:%S} UTC"
    )
