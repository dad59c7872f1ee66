"""The batch path: events, faults and arrival folders written as the switch exports them.

Every line gets an arrival hour (a Bogota hour index); lines are grouped by it into
``landing/transactions/arrival_date=.../hour=.../part-NNNNN.jsonl.gz``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from puntored.contract.lake import LANDING_TRANSACTIONS_FOLDER
from puntored.generator import events as ev
from puntored.generator import faults, rhythm, wire
from puntored.generator.clock import (
    BOGOTA_OFFSET_MS,
    HOUR_MS,
    bogota_day_index,
    bogota_hour_index,
    day_start_utc_ms,
    hour_index_end_utc_ms,
)
from puntored.generator.files import arrival_folder, gzip_bytes
from puntored.generator.manifest import InjectedFaults, build_manifest, write_manifest
from puntored.generator.options import GenerateOptions
from puntored.reference import load_reference
from puntored.settings import Settings
from puntored.storage import Storage, join

REVERSAL_RATE = 0.007  # of approved sales
LATE_DAYS = (1, 5)
DUPLICATE_DELAY_HOURS = 48  # a re-send arrives up to two days after the original's folder
MALFORMED_SEQ_BASE = 9_000_000_000  # malformed and truncated records get their own id ranges
TRUNCATED_SEQ_BASE = 9_500_000_000

# Independent random streams: changing one fault rate does not change the events themselves.
STREAM_SALES, STREAM_REVERSALS, STREAM_ARRIVALS, STREAM_MALFORMED, STREAM_TRUNCATED = range(5)

WRITER_THREADS = 2

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class GenerateResult:
    run_id: str
    landing: str  # the landing zone's location: a folder, or s3://… in aws mode
    manifest_path: str
    manifest: dict[str, Any]


@dataclass(frozen=True)
class _Layout:
    """Where every output line goes: its arrival hour, its order in the folder, and its source
    (a row of the unique events, re-used for duplicates, or a ready-made malformed line)."""

    arrival: np.ndarray
    order: np.ndarray
    is_malformed: np.ndarray
    row: np.ndarray

    @staticmethod
    def of(arrival: np.ndarray, order: np.ndarray, malformed: bool, row: np.ndarray) -> _Layout:
        return _Layout(arrival, order, np.full(len(row), malformed), row)

    @staticmethod
    def concat(parts: list[_Layout]) -> _Layout:
        return _Layout(
            *(np.concatenate([getattr(p, n) for p in parts]) for n in _Layout.__dataclass_fields__)
        )


def generate_landing(
    settings: Settings, options: GenerateOptions, progress: ProgressCallback | None = None
) -> GenerateResult:
    """Write the landing files and the ground-truth manifest to ``settings.landing_location``
    (the data root's ``landing/`` folder, or ``PUNTORED_LANDING_URI`` on S3 in aws mode)."""
    options.validate()
    storage, landing = Storage.from_settings(settings), settings.landing_location
    model = ev.EventModel.from_reference(load_reference())
    prefix = wire.transaction_id_prefix(options.run_id)

    unique = _unique_events(model, options)
    arrivals_rng = _rng(options, STREAM_ARRIVALS)
    arrival, late_by_days = _arrival_hours(arrivals_rng, unique, options.faults.late)
    duplicate_rows, duplicate_arrival = _duplicates(arrivals_rng, arrival, options.faults.duplicate)
    malformed_lines, malformed_arrival, malformed_ms, malformed_reasons = _malformed(
        model, options, prefix, len(unique)
    )
    layout = _Layout.concat(
        [
            _Layout.of(arrival, unique.event_ms, False, np.arange(len(unique))),
            _Layout.of(duplicate_arrival, unique.event_ms[duplicate_rows], False, duplicate_rows),
            _Layout.of(malformed_arrival, malformed_ms, True, np.arange(len(malformed_lines))),
        ]
    )
    encoder = wire.LineEncoder(model, prefix)
    files = _write_folders(
        _Sink(storage, join(landing, LANDING_TRANSACTIONS_FOLDER)),
        layout,
        lambda rows: encoder.lines(unique.take(rows)),
        malformed_lines,
        options.gzip_level,
        progress,
    )
    truncated_paths, truncated_records = _write_truncated(
        model, options, prefix, _Sink(storage, landing), files
    )

    injected = InjectedFaults(
        duplicates=len(duplicate_rows),
        late_by_days=late_by_days,
        malformed=malformed_reasons,
        truncated_files=truncated_paths,
        truncated_file_records=truncated_records,
    )
    lines = len(layout.row) + truncated_records
    manifest = build_manifest(options, unique, injected, sum(files.values()), lines)
    manifest_path = join(landing, "_manifests", f"generate-{options.run_id}.json")
    write_manifest(storage, manifest_path, manifest)
    return GenerateResult(options.run_id, landing, manifest_path, manifest)


@dataclass(frozen=True)
class _Sink:
    """Where files go: a storage and a root location under it."""

    storage: Storage
    root: str

    def write(self, relative: str, data: bytes) -> None:
        self.storage.write_bytes(join(self.root, relative), data)


def _rng(options: GenerateOptions, stream: int) -> np.random.Generator:
    return np.random.default_rng([options.seed, stream])


def _unique_events(model: ev.EventModel, options: GenerateOptions) -> ev.EventBatch:
    """Sales over the date range, following the rhythm, then reversals of some of them."""
    rng = _rng(options, STREAM_SALES)
    days = [options.start + timedelta(days=i) for i in range(options.days)]
    times = [
        rhythm.sample_event_times(rng, day, rhythm.events_on(day, options.events_per_day))
        for day in days
    ]
    sales = ev.make_sales(model, rng, np.concatenate(times), first_seq=0)
    reversals = ev.make_reversals(
        _rng(options, STREAM_REVERSALS), sales, REVERSAL_RATE, first_seq=len(sales)
    )
    return ev.EventBatch.concat([sales, reversals])


def _arrival_hours(
    rng: np.random.Generator, events: ev.EventBatch, late_rate: float
) -> tuple[np.ndarray, dict[int, int]]:
    """On-time events arrive in their own hour's folder; late ones 1-5 days later."""
    arrival = bogota_hour_index(events.event_ms)
    late_count = round(late_rate * len(events))
    late_rows = rng.choice(len(events), size=late_count, replace=False)
    late_days = rng.integers(LATE_DAYS[0], LATE_DAYS[1] + 1, late_count)
    event_day = bogota_day_index(events.event_ms[late_rows])
    arrival[late_rows] = (event_day + late_days) * 24 + rng.integers(0, 24, late_count)
    counts = Counter(late_days.tolist())
    return arrival, {d: counts.get(d, 0) for d in range(LATE_DAYS[0], LATE_DAYS[1] + 1)}


def _duplicates(
    rng: np.random.Generator, arrival: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rows re-sent byte for byte, in the original's folder or up to two days later."""
    count = min(round(rate * len(arrival)), len(arrival))
    rows = np.sort(rng.choice(len(arrival), size=count, replace=False))
    return rows, arrival[rows] + rng.integers(0, DUPLICATE_DELAY_HOURS + 1, count)


def _range_times(rng: np.random.Generator, options: GenerateOptions, count: int) -> np.ndarray:
    first = day_start_utc_ms(options.start)
    return np.sort(rng.integers(first, first + options.days * 24 * HOUR_MS, count))


def _malformed(
    model: ev.EventModel, options: GenerateOptions, prefix: str, unique_count: int
) -> tuple[list[str], np.ndarray, np.ndarray, Counter[str]]:
    """Extra lines with one defect each, built from fresh events (never also valid)."""
    rng = _rng(options, STREAM_MALFORMED)
    count = round(options.faults.malformed * unique_count)
    base = ev.make_sales(model, rng, _range_times(rng, options, count), MALFORMED_SEQ_BASE)
    valid_lines = wire.encode_lines(base, model, prefix)
    arrival = bogota_hour_index(base.event_ms)
    arrival_end = hour_index_end_utc_ms(arrival)
    reasons = [faults.MALFORMED_REASONS[i] for i in rng.integers(0, 8, count).tolist()]
    product_ids = [p.product_id for p in model.reference.products]
    lines = []
    for row, reason in enumerate(reasons):
        values = wire.field_texts(valid_lines[row])
        own_provider = model.product_provider[base.product[row]]
        foreign = np.flatnonzero(model.product_provider != own_provider)
        foreign_product = product_ids[int(rng.choice(foreign))]
        lines.append(faults.corrupt(rng, reason, values, int(arrival_end[row]), foreign_product))
    return lines, arrival, base.event_ms, Counter(reasons)


def _write_folders(
    sink: _Sink,
    layout: _Layout,
    encode: Callable[[np.ndarray], list[str]],
    malformed_lines: list[str],
    level: int,
    progress: ProgressCallback | None,
) -> dict[str, int]:
    """One part file per arrival folder; returns files written per folder.

    Lines are encoded folder by folder while earlier folders are compressed in a small thread
    pool (zlib releases the GIL), so encoding and compression overlap on two cores.
    """
    order = np.lexsort((layout.order, layout.arrival))
    hours, starts = np.unique(layout.arrival[order], return_index=True)
    ends = [*starts[1:].tolist(), len(order)]
    files: dict[str, int] = {}

    def write(folder: str, lines: list[str]) -> None:
        sink.write(f"{folder}/part-00000.jsonl.gz", gzip_bytes(lines, level))

    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        pending = []
        for hour, start, end in zip(hours.tolist(), starts.tolist(), ends, strict=True):
            folder = arrival_folder(hour)
            files[folder] = 1
            lines = _folder_lines(layout, order[start:end], encode, malformed_lines)
            pending.append(pool.submit(write, folder, lines))
            if progress:
                progress(len(pending), len(hours))
        for future in pending:
            future.result()
    return files


def _folder_lines(
    layout: _Layout,
    positions: np.ndarray,
    encode: Callable[[np.ndarray], list[str]],
    malformed_lines: list[str],
) -> list[str]:
    is_malformed = layout.is_malformed[positions]
    rows = layout.row[positions]
    if not is_malformed.any():
        return encode(rows)
    valid = iter(encode(rows[~is_malformed]))
    return [
        malformed_lines[row] if bad else next(valid)
        for bad, row in zip(is_malformed.tolist(), rows.tolist(), strict=True)
    ]


def _write_truncated(
    model: ev.EventModel,
    options: GenerateOptions,
    prefix: str,
    sink: _Sink,
    files: dict[str, int],
) -> tuple[list[str], int]:
    """Whole extra files of fresh events whose gzip stream is cut in the middle."""
    rng = _rng(options, STREAM_TRUNCATED)
    paths, records = [], 0
    per_file = max(20, options.events_per_day // 24)
    for index in range(options.faults.truncated_files):
        hour = int(bogota_hour_index(_range_times(rng, options, 1))[0])
        hour_start = hour * HOUR_MS + BOGOTA_OFFSET_MS
        times = np.sort(rng.integers(hour_start, hour_start + HOUR_MS, per_file))
        batch = ev.make_sales(model, rng, times, TRUNCATED_SEQ_BASE + index * per_file)
        data = gzip_bytes(wire.encode_lines(batch, model, prefix), options.gzip_level)
        folder = arrival_folder(hour)
        part = f"part-{files.get(folder, 0):05d}.jsonl.gz"
        relative = f"{LANDING_TRANSACTIONS_FOLDER}/{folder}/{part}"
        files[folder] = files.get(folder, 0) + 1
        sink.write(relative, data[: len(data) // 2])
        paths.append(relative)
        records += per_file
    return paths, records
