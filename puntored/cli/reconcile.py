"""``puntored reconcile --date D``: realtime vs batch for a closed day, differences by cause."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from puntored.cli.arguments import parse_day
from puntored.errors import PuntoredError
from puntored.settings import get_settings

if TYPE_CHECKING:
    from puntored.serving.reconcile import DayReconciliation

commands = typer.Typer()
console = Console(soft_wrap=True)


def _table(result: DayReconciliation) -> Table:
    table = Table("provider", "product", "batch txns", "realtime txns", "batch net",
                  "realtime net", "explained by", "unexplained (txns / approved / net)",
                  "status", title=f"reconciliation {result.day}")  # fmt: skip
    for row in result.rows:
        rest = row.unexplained
        style = {"unexplained": "red", "explained": "yellow"}.get(row.status, "green")
        table.add_row(
            row.provider_id,
            row.product_id,
            f"{row.batch.transactions:,}",
            f"{row.realtime.transactions:,}",
            f"{row.batch.net_amount:,.2f}",
            f"{row.realtime.net_amount:,.2f}",
            ", ".join(f"{c} ({m.transactions:+,})" for c, m in row.explained.items()) or "-",
            f"{rest.transactions:+,} / {rest.approved:+,} / {rest.net_amount:+,.2f}",
            f"[{style}]{row.status}[/]",
        )
    return table


@commands.command()
def reconcile(
    day: str = typer.Option(..., "--date", help="The closed day to reconcile, YYYY-MM-DD."),
) -> None:
    """Compare the realtime windows of a day with the daily mart, per provider and product;
    store the result (GET /v1/providers/{id}/reconciliation) and explain each difference.

    Exits 1 when any difference is left unexplained."""
    from puntored.pipeline import check_reconciliation
    from puntored.serving.reconcile import run_reconcile

    the_day = parse_day(day, "--date")
    assert the_day is not None
    result = run_reconcile(get_settings(), the_day)
    console.print(_table(result))
    console.print(result.summary())
    try:
        check_reconciliation(result)
    except PuntoredError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
