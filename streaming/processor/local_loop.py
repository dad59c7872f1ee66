"""The processor as a local loop over the Flink sink folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Engine

from puntored.database.engine import transaction
from puntored.database.realtime_store import SqlRealtimeStore
from puntored.database.store_selection import open_realtime_store
from puntored.settings import Settings
from puntored.streaming.processor.alerts import AlertRules
from puntored.streaming.processor.delivery import AlertDelivery
from puntored.streaming.processor.records import (
    FeedMarker,
    Record,
    RecordError,
    parse_line,
    sale_event,
)
from puntored.streaming.processor.sink_files import (
    POSITIONS_KEY,
    PartFile,
    committed_part_files,
    next_unread,
)
from puntored.streaming.processor.store import (
    BatchResult,
    Deliver,
    Positions,
    StoreFor,
    apply_batch,
    load_positions,
)

log = structlog.get_logger("puntored.stream.processor")


@dataclass
class ProcessorTotals:
    files: int = 0
    windows: int = 0
    late_events: int = 0
    invalid_events: int = 0
    bad_records: int = 0  # sink records the processor could not read
    # raw event lines the per-event rules could not read (Flink counts them as invalid events)
    unreadable_event_lines: int = 0
    alerts_opened: int = 0
    alerts_resolved: int = 0
    feed_markers: set[str] = field(default_factory=set)  # the local feeder's acknowledgements

    def add(self, result: BatchResult) -> None:
        self.files += 1
        self.windows += result.windows
        self.late_events += result.late_events
        self.invalid_events += result.invalid_events
        self.alerts_opened += result.alerts_opened
        self.alerts_resolved += result.alerts_resolved


def read_part_file(part: PartFile, totals: ProcessorTotals) -> list[Record]:
    """The file's records; feed markers are taken out here (they only pace the local feed)."""
    records: list[Record] = []
    for number, line in enumerate(part.path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = parse_line(line)
        except RecordError as error:
            totals.bad_records += 1
            log.error("bad_window_record", file=str(part.path), line=number, reason=str(error))
            continue
        if isinstance(record, FeedMarker):
            totals.feed_markers.add(record.marker)
        else:
            records.append(record)
    return records


def _advance_to(part: PartFile) -> Callable[[Positions], Positions | None]:
    def advance(positions: Positions) -> Positions | None:
        counters = dict(positions.get(POSITIONS_KEY) or {})
        if counters.get(part.writer, -1) > part.counter:
            return None  # consumed already (another loop or an earlier run)
        counters[part.writer] = part.counter + 1
        return {**positions, POSITIONS_KEY: counters}

    return advance


def process_sink_once(
    engine: Engine,
    sink_dir: Path,
    totals: ProcessorTotals,
    rules: AlertRules | None = None,
    store_for: StoreFor = SqlRealtimeStore,
    deliver: Deliver | None = None,
    events_dir: Path | None = None,
) -> int:
    """Consume every newly committed sink file, one transaction per file. Returns files read.

    With ``events_dir`` (the raw event files the feeder hands to Flink), the per-event rule
    (high-value transaction) is evaluated over the new event files too."""
    with transaction(engine) as session:
        counters = dict(load_positions(session).get(POSITIONS_KEY) or {})
    read = 0
    if events_dir is not None:
        read += process_events_once(engine, events_dir, totals, rules, deliver)
    for part in next_unread(committed_part_files(sink_dir), counters):
        result = apply_batch(
            engine, read_part_file(part, totals), _advance_to(part), rules, store_for, deliver
        )
        if not result.skipped:
            totals.add(result)
            read += 1
            if result.invalid_events:
                log.warning("invalid_events", count=result.invalid_events, ids=result.invalid_ids)
    return read


EVENTS_KEY = "event_files"


def event_files(events_dir: Path, after: str) -> list[Path]:
    """Complete event files (written atomically, named in time order) after ``after``."""
    if not events_dir.exists():
        return []
    names = sorted(
        p.name
        for p in events_dir.glob("*.jsonl")
        if not p.name.startswith((".", "_")) and p.name > after
    )
    return [events_dir / name for name in names]


def read_sales(path: Path, totals: ProcessorTotals) -> list[Record]:
    """The sales of one raw event file (per-event rules); lines that are not events are
    counted apart and skipped (the Flink job reports them as invalid events)."""
    sales: list[Record] = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        try:
            raw = json.loads(line, parse_float=Decimal)
            if raw.get("event_type") == "sale":
                sales.append(sale_event(raw))
        except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError):
            totals.unreadable_event_lines += 1
    return sales


def _advance_events(path: Path) -> Callable[[Positions], Positions | None]:
    def advance(positions: Positions) -> Positions | None:
        if str(positions.get(EVENTS_KEY) or "") >= path.name:
            return None
        return {**positions, EVENTS_KEY: path.name}

    return advance


def process_events_once(
    engine: Engine,
    events_dir: Path,
    totals: ProcessorTotals,
    rules: AlertRules | None = None,
    deliver: Deliver | None = None,
) -> int:
    """Evaluate the per-event rules over every new raw event file, one transaction per file
    (the position is the last file name, stored with the sink positions)."""
    with transaction(engine) as session:
        after = str(load_positions(session).get(EVENTS_KEY) or "")
    read = 0
    for path in event_files(events_dir, after):
        result = apply_batch(
            engine, read_sales(path, totals), _advance_events(path), rules, deliver=deliver
        )
        if not result.skipped:
            totals.alerts_opened += result.alerts_opened
            read += 1
    return read


def processor_wiring(settings: Settings, events_dir: Path | None = None) -> dict[str, Any]:
    """What the settings ask of the local loop, as ``process_sink_once`` keyword arguments:
    the alert thresholds, the realtime store, webhook/SNS delivery and (with ``events_dir``)
    the per-event rules over the raw event files. For the runner: ``process_sink_once(engine,
    paths.windows, totals, **processor_wiring(settings, paths.events))``.
    """
    return {
        "rules": AlertRules.from_settings(settings),
        "store_for": lambda session: open_realtime_store(settings, session),
        "deliver": AlertDelivery(settings),
        "events_dir": events_dir,
    }
