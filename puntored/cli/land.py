"""``puntored land``: the landing job, on local Spark over the data root or on Glue (aws mode)."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from puntored.cli.arguments import parse_day
from puntored.cli.exclusive import exclusive
from puntored.settings import Settings, get_settings

commands = typer.Typer()

console = Console(soft_wrap=True)  # never wrap: lines are copied from terminals


@commands.command()
@exclusive
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
    records; prints the counts and writes a run manifest under lake/_manifests/.

    Locally the job runs on local Spark; in aws mode it starts the Glue job run and waits."""
    first, last = parse_day(date_from, "--from"), parse_day(date_to, "--to")
    settings = get_settings()
    if settings.mode == "aws":
        _land_on_glue(settings, first, last, reprocess)
        return
    from puntored.glue.landing.local import run_landing  # Spark: only for a local run

    with console.status("landing with Spark…"):
        result = run_landing(settings, first, last, reprocess)
    if result.manifest_path is None:
        console.print(f"nothing new to land ({result.files_found} landing files already processed)")
        return
    print_manifest(result.to_manifest(), result.manifest_path or "")


def _land_on_glue(
    settings: Settings, first: date | None, last: date | None, reprocess: bool
) -> None:
    from puntored.glue.landing.submit import manifest_location, run_glue_landing

    with console.status(f"Glue job {settings.glue_job_name}: starting…") as status:
        run = run_glue_landing(
            settings, first, last, reprocess,
            on_state=lambda state: status.update(f"Glue job {settings.glue_job_name}: {state}…"),
        )  # fmt: skip
    if run.manifest is None:
        console.print(f"nothing new to land (Glue job run {run.job_run_id} found no new file)")
        return
    print_manifest(run.manifest, manifest_location(settings, run.run_id))


def print_manifest(manifest: dict[str, Any], location: str) -> None:
    """A landing run's counts, from its manifest (the same for a local run and a Glue run)."""
    table = Table(title=f"land run {manifest['run_id']}")
    table.add_column("count")
    table.add_column("value", justify="right")
    rows = [
        ("files read", manifest["files_read"]),
        ("unreadable files", len(manifest["unreadable_files"])),
        ("skipped files", len(manifest.get("skipped_files", {}))),
        ("records read", manifest["records_read"]),
        ("landed", manifest["landed"]),
        ("quarantined", manifest["quarantined"]),
        *((f"  {code}", n) for code, n in manifest["quarantined_by_code"].items()),
        ("duplicates in batch", manifest["duplicates_in_batch"]),
        ("duplicates of the lake", manifest["duplicates_in_lake"]),
        ("partitions written", len(manifest["partitions_written"])),
    ]
    for name, value in rows:
        table.add_row(name, f"{value:,}")
    console.print(table)
    for source, reason in manifest["unreadable_files"].items():
        console.print(f"[yellow]{reason}[/yellow] {source}")
    for source, reason in manifest.get("skipped_files", {}).items():
        console.print(f"[yellow]skipped: {reason}[/yellow] {source}")
    console.print(
        f"conservation holds: read {manifest['records_read']:,} = landed + quarantined + "
        f"duplicates; manifest {location}"
    )
