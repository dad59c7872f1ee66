"""``puntored land``: landing files -> dt-partitioned Parquet lake (Spark, the Glue job's code)."""

from __future__ import annotations

from datetime import date, datetime

import typer
from rich.console import Console
from rich.table import Table

from puntored.cli.app import app
from puntored.errors import PuntoredError
from puntored.settings import get_settings

console = Console()


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise PuntoredError(f"{option} must be a date YYYY-MM-DD, got {value!r}") from None


@app.command()
def land(
    from_: str | None = typer.Option(None, "--from", help="First arrival day (YYYY-MM-DD)."),
    to: str | None = typer.Option(None, "--to", help="Last arrival day (YYYY-MM-DD)."),
    reprocess: bool = typer.Option(
        False, "--reprocess", help="Read the range's files again even if already processed."
    ),
) -> None:
    """Land new landing files into lake/raw/transactions (quarantine, dedup, late merge)."""
    from glue.landing.runner import run_landing

    start, end = _day(from_, "--from"), _day(to, "--to")
    with console.status("landing with Spark local[*]…"):
        result = run_landing(get_settings(), start, end, reprocess)
    manifest = result.manifest
    if result.did_nothing:
        console.print("nothing to do: no new landing files (use --reprocess to read them again)")
        return
    table = Table(title=f"landing run {manifest['run_id']}")
    table.add_column("measure")
    table.add_column("count", justify="right")
    rows = [
        ("files read", manifest["files_read"]),
        ("unreadable files", len(manifest["unreadable_files"])),
        ("records read", manifest["records_read"]),
        ("landed", manifest["landed"]),
        ("quarantined", manifest["quarantined"]),
        *[(f"  {reason}", n) for reason, n in manifest["quarantined_by_reason"].items()],
        ("duplicates (within batch)", manifest["duplicates"]["within_batch"]),
        ("duplicates (already in lake)", manifest["duplicates"]["against_lake"]),
        ("partitions written", len(manifest["partitions_written"])),
    ]
    for name, count in rows:
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(f"manifest: {manifest['manifest_uri']}  ({manifest['duration_s']} s)")
