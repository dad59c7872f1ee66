"""``puntored reports --date D``: the providers' reconciliation files for one day."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from puntored.cli.arguments import parse_day
from puntored.cli.exclusive import exclusive
from puntored.settings import get_settings

commands = typer.Typer()

console = Console()


@commands.command()
@exclusive
def reports(
    day: str = typer.Option(..., "--date", help="The day (dt, YYYY-MM-DD) to report."),
    provider: list[str] | None = typer.Option(None, help="Only these providers (repeatable)."),
) -> None:
    """Write each provider's transactions (CSV.gz) and totals for a day under the reports
    location (lake/reports/ locally; aws mode: through Athena to PUNTORED_REPORTS_URI)."""
    from puntored.serving.reports import run_reports

    dt = parse_day(day, "--date")
    assert dt is not None
    result = run_reports(get_settings(), dt, providers=provider or None)
    table = Table(title=f"reports for {dt}")
    for column in ("provider", "rows", "approved", "net amount (COP)", "folder"):
        table.add_column(column, no_wrap=True)
    for report in result.reports:
        table.add_row(
            report.provider_id,
            f"{report.rows:,}",
            f"{report.totals['approved']:,}",
            f"{report.totals['net_amount']:,}",
            report.folder,
        )
    checked = "checked against fct_provider_daily" if result.checked_against_mart else "no mart"
    if result.unload_statements:
        checked += f"; {len(result.unload_statements)} Athena UNLOADs"
    table.caption = checked
    console.print(table)
