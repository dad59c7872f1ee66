"""``puntored land``: run the Glue landing job locally over the data root's landing folder."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from puntored.cli.arguments import parse_day
from puntored.glue.landing.local import run_landing
from puntored.settings import get_settings

commands = typer.Typer()

console = Console()


@commands.command()
def land(
    date_from: str | None = typer.Option(
        None, "--from", help="First arrival day of landing files to read (YYYY-MM-DD)."
    ),
    date_to: str | None = typer.Option(
        None, "--to", help="Last arrival day of landing files to read (YYYY-MM-DD)."
    ),
    reprocess: bool = typer.Option(
        False, "--reprocess", help="Read the files in range again, even if already processed."
    ),
) -> None:
    """Land new landing files into lake/raw/transactions (dt partitions), quarantining bad
    records; prints the counts and writes a run manifest under lake/_manifests/."""
    first, last = parse_day(date_from, "--from"), parse_day(date_to, "--to")
    with console.status("landing with Spark…"):
        result = run_landing(get_settings(), first, last, reprocess)
    if result.files_read == 0 and not result.unreadable_files:
        console.print(f"nothing new to land ({result.files_found} landing files already processed)")
        return
    table = Table(title=f"land run {result.run_id}")
    table.add_column("count")
    table.add_column("value", justify="right")
    rows = [
        ("files read", result.files_read),
        ("unreadable files", len(result.unreadable_files)),
        ("records read", result.records_read),
        ("landed", result.landed),
        ("quarantined", result.quarantined),
        *((f"  {code}", n) for code, n in result.quarantined_by_code.items()),
        ("duplicates in batch", result.duplicates_in_batch),
        ("duplicates of the lake", result.duplicates_in_lake),
        ("partitions written", len(result.partitions_written)),
    ]
    for name, value in rows:
        table.add_row(name, f"{value:,}")
    console.print(table)
    for source, reason in result.unreadable_files.items():
        console.print(f"[yellow]{reason}[/yellow] {source}")
    console.print(
        f"conservation holds: read {result.records_read:,} = landed + quarantined + "
        f"duplicates; manifest {result.manifest_path}"
    )
