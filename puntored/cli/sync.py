"""``puntored sync``: copy the dbt marts' changed partitions into the serving database."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from puntored.cli.arguments import parse_day
from puntored.cli.exclusive import exclusive
from puntored.settings import get_settings

if TYPE_CHECKING:
    from puntored.serving.sync import SyncResult

commands = typer.Typer()

console = Console()


class _RichProgress:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task("syncing", total=None)

    def planned(self, batches: int) -> None:
        self._progress.update(self._task, total=batches)

    def batch_done(self, mart: str, dts: list[date], rows: int) -> None:
        self._progress.update(self._task, advance=1, description=f"{mart} {dts[-1]}")


@commands.command()
@exclusive
def sync(
    date_from: str | None = typer.Option(None, "--from", help="First dt to sync (YYYY-MM-DD)."),
    date_to: str | None = typer.Option(None, "--to", help="Last dt to sync (YYYY-MM-DD)."),
    full: bool = typer.Option(False, "--full", help="Rewrite every partition, changed or not."),
) -> None:
    """Sync the marts' new or changed dt partitions (and the dimensions) into the serving DB."""
    from puntored.serving.sync import run_sync

    settings = get_settings()
    start, end = parse_day(date_from, "--from"), parse_day(date_to, "--to")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        result = run_sync(
            settings, date_from=start, date_to=end, full=full, progress=_RichProgress(progress)
        )
    console.print(_summary(result))


def _summary(result: SyncResult) -> Table:
    table = Table(title=f"sync {'wrote changes' if result.changed else 'found nothing to do'}")
    for column in ("mart", "partitions", "written", "unchanged", "removed", "rows written"):
        table.add_column(column, justify="left" if column == "mart" else "right", no_wrap=True)
    for mart in result.marts:
        table.add_row(
            mart.mart,
            str(mart.partitions_in_warehouse),
            str(len(mart.partitions_written)),
            str(mart.partitions_unchanged),
            str(len(mart.partitions_removed)),
            f"{mart.rows_written:,}",
        )
    table.caption = f"last synced day {result.last_dt}, {result.duration_s:.1f} s"
    return table
