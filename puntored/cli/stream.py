"""``puntored stream``: the realtime pipeline (Flink job + processor) on the local machine."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer
from rich.console import Console

from puntored.settings import get_settings

commands = typer.Typer()

console = Console()


@commands.command()
def stream(
    duration: float | None = typer.Option(
        None, min=1, help="Stop after this many seconds (default: run until Ctrl-C/SIGTERM)."
    ),
) -> None:
    """Run the Flink windows job and the processor over <data>/stream/events until stopped.

    A restart resumes from the last Flink checkpoint (or replays idempotently without one).
    """
    from puntored.streaming.runner import run_stream

    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    settings = get_settings()
    console.print(f"streaming from [bold]{settings.stream_dir / 'events'}[/] (Ctrl-C stops)")
    result = run_stream(settings, duration=duration, should_stop=stop.is_set)
    totals = result.totals
    console.print(
        f"resumed from: {result.resumed_from or 'none (replay)'}; "
        f"events fed {result.events_fed}; window results {totals.windows}; "
        f"late events {totals.late_events}; invalid events {totals.invalid_events}; "
        f"alerts opened {totals.alerts_opened}, resolved {totals.alerts_resolved}; "
        f"lines not JSON {result.unparsed_lines}"
    )
    if result.open_from is not None:
        console.print(
            f"windows from {result.open_from:%Y-%m-%d %H:%M} UTC are still open (watermark "
            f"{result.watermark:%H:%M:%S}); the next run resumes them from the checkpoint"
        )
    if result.pending_files:
        console.print(f"{result.pending_files} event files not yet fed (the next run feeds them)")
