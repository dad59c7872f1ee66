"""``puntored freshness``: are the served marts current after the batch day? (last daily step)"""

from __future__ import annotations

import typer
from rich.console import Console

from puntored.cli.arguments import parse_day
from puntored.settings import get_settings

commands = typer.Typer()
console = Console(soft_wrap=True)


@commands.command()
def freshness(
    day: str = typer.Option(..., "--date", help="The batch day just run, YYYY-MM-DD."),
) -> None:
    """Check that the served marts reach the day; record the lake's newest day for /freshness
    and, in aws mode, publish PuntoRed/Pipeline FreshnessLagHours for the stale-marts alarm.

    Exits 1 (one line, both days named) when the marts do not reach the day."""
    from puntored.pipeline import freshness as check_day

    the_day = parse_day(day, "--date")
    assert the_day is not None
    console.print(f"fresh: {check_day(get_settings(), the_day)}")
