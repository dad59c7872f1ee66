"""``puntored webhooks``: add, list and remove the per-provider alert webhooks."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from puntored.settings import get_settings

commands = typer.Typer(help="Alert webhooks per provider (HMAC-SHA256 signed; secret shown once).")
console = Console(soft_wrap=True)


@commands.command("add")
def webhooks_add(
    provider: str = typer.Option(..., "--provider", help="The provider whose alerts to send."),
    url: str = typer.Option(..., "--url", help="https:// endpoint (http only to 127.0.0.1)."),
) -> None:
    """Register a webhook and print its signing secret once (docs/streaming.md: verifying)."""
    from puntored.streaming.processor.webhooks import add_webhook

    info, secret = add_webhook(get_settings(), provider, url)
    console.print(f"webhook {info.webhook_id} for {info.provider_id} → {info.url}")
    console.print("signing secret (store it now, it is not shown again):")
    typer.echo(secret)


@commands.command("list")
def webhooks_list(
    provider: str | None = typer.Option(None, "--provider", help="Only this provider's."),
) -> None:
    """List webhooks (never their secrets)."""
    from puntored.streaming.processor.webhooks import list_webhooks

    table = Table("id", "provider", "url", "created", "removed")
    for hook in list_webhooks(get_settings(), provider):
        table.add_row(str(hook.webhook_id), hook.provider_id, hook.url,
                      f"{hook.created_at:%Y-%m-%d %H:%M}",
                      f"{hook.removed_at:%Y-%m-%d %H:%M}" if hook.removed_at else "-")  # fmt: skip
    console.print(table)


@commands.command("remove")
def webhooks_remove(webhook_id: int = typer.Argument(..., help="Webhook id from `list`.")) -> None:
    """Stop sending to a webhook (its delivery log is kept)."""
    from puntored.streaming.processor.webhooks import remove_webhook

    info = remove_webhook(get_settings(), webhook_id)
    console.print(f"webhook {info.webhook_id} ({info.url}) removed")
