"""``puntored daily``: the batch day end to end — land, transform, sync, reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console

from puntored.cli.arguments import parse_day
from puntored.cli.exclusive import exclusive
from puntored.settings import get_settings

if TYPE_CHECKING:
    from puntored.pipeline import StageOutcome

commands = typer.Typer()

console = Console()


def print_outcome(outcome: StageOutcome) -> None:
    line = f"[green]✓[/] {outcome.name:<10} {outcome.seconds:6.1f} s  {outcome.summary}"
    console.print(line, soft_wrap=True)  # one line per stage, whatever the terminal width


@commands.command()
@exclusive
def daily(
    day: str = typer.Option(
        ..., "--date", help="The day whose landing files to process, YYYY-MM-DD."
    ),
) -> None:
    """Run the batch day: land that day's arrivals, rebuild the marts, sync, write reports.

    Stops at the first failing stage with its message; every stage is re-runnable, so run the
    same command again once the cause is fixed.
    """
    from puntored.pipeline import daily_stages, run_stages

    the_day = parse_day(day, "--date")
    assert the_day is not None
    run_stages(daily_stages(get_settings(), the_day), on_done=print_outcome)
