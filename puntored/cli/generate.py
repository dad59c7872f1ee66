"""``puntored generate``: synthetic transactions for the landing zone or the event stream."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from puntored.settings import get_settings

if TYPE_CHECKING:
    from puntored.generator import GenerateOptions, StreamOptions

console = Console(stderr=True)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


commands = typer.Typer()


@commands.command()
def generate(
    days: int = typer.Option(3, help="Number of Bogota calendar days to generate."),
    start: str | None = typer.Option(
        None, help="First day, YYYY-MM-DD (default: the N days ending yesterday, Bogota time)."
    ),
    events_per_day: int = typer.Option(20_000, help="Sales on an average weekday."),
    seed: int = typer.Option(42, help="Random seed: same seed and arguments, same bytes."),
    out: Path | None = typer.Option(
        None, help="Data root to write under (default: PUNTORED_DATA_DIR)."
    ),
    duplicate_rate: float = typer.Option(0.01, help="Share of events re-sent byte for byte."),
    late_rate: float = typer.Option(0.02, help="Share of events arriving 1-5 days late."),
    malformed_rate: float = typer.Option(0.005, help="Extra malformed lines, per valid event."),
    truncated_files: int = typer.Option(1, help="Extra files with a cut gzip stream."),
    gzip_level: int = typer.Option(1, help="gzip level of landing files (1 fast .. 9 small)."),
    stream: bool = typer.Option(
        False, "--stream", help="Write time-ordered event files to <data>/stream/events instead."
    ),
    rate: float | None = typer.Option(
        None, help="With --stream: replay in real time at this many events per second."
    ),
    duration: float | None = typer.Option(None, help="With --rate: stop after this many seconds."),
    events: int | None = typer.Option(None, help="With --stream: stop after this many events."),
) -> None:
    """Generate realistic, reproducible transactions with injected faults and a manifest.

    Batch (default): gzipped JSON lines in arrival-time folders under <data>/landing and the
    ground-truth manifest in <data>/landing/_manifests. With --stream: time-ordered JSON-lines
    files in <data>/stream/events (add --rate to replay in real time).
    """
    from puntored.generator import FaultRates, GenerateOptions, InvalidOptionsError, StreamOptions
    from puntored.generator.options import default_start, parse_day

    settings = get_settings()
    if out is not None:
        settings = settings.model_copy(update={"data_dir": out.expanduser().resolve()})
    faults = FaultRates(duplicate_rate, late_rate, malformed_rate, truncated_files)
    try:
        first_day = parse_day(start) if start else default_start(max(days, 1))
        if stream:
            _stream(settings, StreamOptions(seed, first_day, days, events_per_day, rate,
                                            duration, events, faults))  # fmt: skip
        else:
            if rate is not None or duration is not None or events is not None:
                raise InvalidOptionsError("--rate, --duration and --events need --stream")
            options = GenerateOptions(first_day, days, events_per_day, seed, faults, gzip_level)
            _batch(settings, options)
    except InvalidOptionsError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None


def _batch(settings: Any, options: GenerateOptions) -> None:
    from puntored.generator import generate_landing

    options.validate()
    with _progress("writing landing files") as update:
        result = generate_landing(settings, options, update)
    manifest = result.manifest
    table = Table(title=f"generate {result.run_id}")
    table.add_column("what")
    table.add_column("count", justify="right")
    injected = manifest["injected"]
    rows = [
        ("files written", manifest["files"]["written"]),
        ("lines written", manifest["lines_written"]),
        ("unique events", manifest["events"]["unique"]),
        ("  reversals", manifest["events"]["reversals"]),
        *((f"  {k}", v) for k, v in manifest["events"]["by_status"].items()),
        ("duplicates", injected["duplicates"]),
        ("late events", injected["late_events"]),
        ("malformed", sum(injected["malformed"].values())),
        ("truncated files", len(manifest["files"]["truncated"])),
    ]
    for what, count in rows:
        table.add_row(what, f"{count:,}")
    Console().print(table)
    Console().print(f"landing: {result.landing}\nmanifest: {result.manifest_path}")


def _stream(settings: Any, options: StreamOptions) -> None:
    from puntored.generator import generate_stream

    options.validate()
    with _progress("writing event files") as update:
        result = generate_stream(settings, options, update)
    manifest = result.manifest
    table = Table(title=f"stream {result.run_id}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files written", f"{manifest['files_written']:,}")
    table.add_row("lines written", f"{manifest['lines_written']:,}")
    table.add_row("unique events", f"{manifest['events']['unique']:,}")
    table.add_row("duplicates", f"{manifest['injected']['duplicates']:,}")
    Console().print(table)
    Console().print(f"events: {result.events_dir}\nmanifest: {result.manifest_path}")
