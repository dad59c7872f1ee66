"""The streaming path: time-ordered JSON-lines files, or a real-time replay at a given rate."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from puntored.generator import events as ev
from puntored.generator import rhythm, wire
from puntored.generator.landing import REVERSAL_RATE
from puntored.generator.manifest import event_counts
from puntored.generator.options import FaultRates, InvalidOptionsError
from puntored.reference import load_reference
from puntored.settings import Settings
from puntored.storage import Storage, join

EVENTS_PER_FILE = 10_000  # without --rate: files of this many lines


@dataclass(frozen=True)
class StreamOptions:
    seed: int = 42
    start: date | None = None
    days: int = 1
    events_per_day: int = 20_000
    rate: float | None = None  # events per second; None: write the whole range at once
    duration_s: float | None = None
    max_events: int | None = None
    faults: FaultRates = field(default_factory=FaultRates)

    def validate(self) -> None:
        if self.rate is not None and self.rate <= 0:
            raise InvalidOptionsError(f"--rate must be greater than 0, got {self.rate}")
        if self.duration_s is not None and self.duration_s <= 0:
            raise InvalidOptionsError(f"--duration must be greater than 0, got {self.duration_s}")
        if self.max_events is not None and self.max_events < 1:
            raise InvalidOptionsError(f"--events must be at least 1, got {self.max_events}")
        if self.rate is not None and self.duration_s is None and self.max_events is None:
            raise InvalidOptionsError("--rate needs --duration or --events to know when to stop")
        if self.days < 1 or self.events_per_day < 1:
            raise InvalidOptionsError("--days and --events-per-day must be at least 1")
        if not 0 <= self.faults.duplicate <= 0.5:
            raise InvalidOptionsError(
                f"--duplicate-rate must be between 0 and 0.5, got {self.faults.duplicate}"
            )
        if self.rate is None and self.start is None:
            raise InvalidOptionsError("--stream without --rate needs --start")

    @property
    def run_id(self) -> str:
        if self.rate is not None:
            return f"seed{self.seed}-replay-{self.rate:g}eps"
        assert self.start is not None
        return f"seed{self.seed}-{self.start:%Y%m%d}-{self.days}d"


@dataclass(frozen=True)
class StreamResult:
    run_id: str
    events_dir: Path
    manifest_path: Path
    manifest: dict[str, Any]


@dataclass
class _StreamWriter:
    """Numbers files in order; each file appears atomically (a Flink source watches the folder)."""

    storage: Storage
    folder: Path
    files: int = 0  # number of the next file
    written: int = 0
    lines: int = 0
    duplicates: int = 0

    def write(self, lines: list[str]) -> None:
        location = join(self.folder, f"events-{self.files:06d}.jsonl")
        self.storage.write_text(location, "\n".join(lines) + "\n")
        self.files += 1
        self.written += 1
        self.lines += len(lines)


def generate_stream(
    settings: Settings,
    options: StreamOptions,
    progress: Callable[[int, int], None] | None = None,
) -> StreamResult:
    options.validate()
    model = ev.EventModel.from_reference(load_reference())
    storage = Storage.from_settings(settings)
    writer = _StreamWriter(storage, settings.stream_dir / "events")
    if options.rate is not None:  # a live replay continues after files a reader may have seen
        writer.files = _next_file_number(storage, writer.folder)
    rng = np.random.default_rng([options.seed, 10])
    if options.rate is None:
        unique = _replay_range(model, options, rng, writer, progress)
    else:
        unique = _replay_realtime(model, options, rng, writer, progress)
    manifest = {
        "run_id": options.run_id,
        "seed": options.seed,
        "rate": options.rate,
        "files_written": writer.written,
        "lines_written": writer.lines,
        "events": event_counts(unique),
        "injected": {"duplicates": writer.duplicates},
        "expected": {"unique": len(unique), "duplicates": writer.duplicates},
    }
    path = settings.stream_dir / "_manifests" / f"stream-{options.run_id}.json"
    storage.write_text(path, json.dumps(manifest, indent=2) + "\n")
    return StreamResult(options.run_id, writer.folder, path, manifest)


def _next_file_number(storage: Storage, folder: Path) -> int:
    names = [entry.name for entry in storage.list_files(folder, ".jsonl")]
    numbers = [int(n[len("events-") : -len(".jsonl")]) for n in names if n.startswith("events-")]
    return max(numbers, default=-1) + 1


def _with_duplicates(
    rng: np.random.Generator, lines: list[str], rate: float, writer: _StreamWriter
) -> list[str]:
    """Re-sent copies follow their original directly, so the file stays time-ordered."""
    repeat = np.where(rng.random(len(lines)) < rate, 2, 1)
    writer.duplicates += int((repeat == 2).sum())
    return [line for line, n in zip(lines, repeat.tolist(), strict=True) for _ in range(n)]


def _replay_range(
    model: ev.EventModel,
    options: StreamOptions,
    rng: np.random.Generator,
    writer: _StreamWriter,
    progress: Callable[[int, int], None] | None,
) -> ev.EventBatch:
    assert options.start is not None
    times = [
        rhythm.sample_event_times(rng, day, rhythm.events_on(day, options.events_per_day))
        for day in (options.start + np.timedelta64(i, "D").item() for i in range(options.days))
    ]
    sales = ev.make_sales(model, rng, np.concatenate(times), 0)
    reversals = ev.make_reversals(rng, sales, REVERSAL_RATE, len(sales))
    unique = ev.EventBatch.concat([sales, reversals])
    unique = unique.take(np.argsort(unique.event_ms, kind="stable"))
    if options.max_events is not None:
        unique = unique.take(np.arange(min(options.max_events, len(unique))))
    prefix = wire.transaction_id_prefix("stream-" + options.run_id)
    lines = wire.encode_lines(unique, model, prefix)
    lines = _with_duplicates(rng, lines, options.faults.duplicate, writer)
    for start in range(0, len(lines), EVENTS_PER_FILE):
        writer.write(lines[start : start + EVENTS_PER_FILE])
        if progress:
            progress(min(start + EVENTS_PER_FILE, len(lines)), len(lines))
    return unique


def _replay_realtime(
    model: ev.EventModel,
    options: StreamOptions,
    rng: np.random.Generator,
    writer: _StreamWriter,
    progress: Callable[[int, int], None] | None,
) -> ev.EventBatch:
    """One file per second of wall-clock time, event_at spread over that second."""
    assert options.rate is not None
    encoder = wire.LineEncoder(
        model, wire.transaction_id_prefix(f"stream-{options.run_id}-{time.time_ns()}")
    )
    batches: list[ev.EventBatch] = []
    previous: ev.EventBatch | None = None
    emitted, seq, started = 0, 0, time.monotonic()
    total = options.max_events or int(options.rate * (options.duration_s or 0))
    while emitted < total:
        elapsed = time.monotonic() - started
        if options.duration_s is not None and elapsed >= options.duration_s:
            break
        now_ms = time.time_ns() // 1_000_000
        parts = []
        if previous is not None:  # reversals of sales approved a second ago, stamped now
            reversals = ev.make_reversals(rng, previous, REVERSAL_RATE, seq)
            reversals = reversals.take(np.arange(min(len(reversals), total - emitted)))
            parts.append(replace(reversals, event_ms=np.full(len(reversals), now_ms)))
            seq += len(reversals)
        count = min(max(int(options.rate), 1), total - emitted - sum(len(p) for p in parts))
        times = np.sort(now_ms + rng.integers(0, 1000, count))
        previous = ev.make_sales(model, rng, times, seq)
        seq += count
        batch = ev.EventBatch.concat([*parts, previous])
        writer.write(_with_duplicates(rng, encoder.lines(batch), options.faults.duplicate, writer))
        batches.append(batch)
        emitted += len(batch)
        if progress:
            progress(emitted, total)
        time.sleep(max(0.0, len(batches) - (time.monotonic() - started)))
    return ev.EventBatch.concat(batches) if batches else ev.make_sales(model, rng, np.array([]), 0)
