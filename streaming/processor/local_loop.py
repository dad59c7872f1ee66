"""The processor as a local loop over the Flink sink folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from sqlalchemy import Engine

from puntored.database.engine import transaction
from puntored.streaming.processor.alerts import AlertRules
from puntored.streaming.processor.records import FeedMarker, Record, RecordError, parse_line
from puntored.streaming.processor.sink_files import (
    POSITIONS_KEY,
    PartFile,
    committed_part_files,
    next_unread,
)
from puntored.streaming.processor.store import BatchResult, Positions, apply_batch, load_positions

log = structlog.get_logger("puntored.stream.processor")


@dataclass
class ProcessorTotals:
    files: int = 0
    windows: int = 0
    late_events: int = 0
    invalid_events: int = 0
    bad_records: int = 0
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
    engine: Engine, sink_dir: Path, totals: ProcessorTotals, rules: AlertRules | None = None
) -> int:
    """Consume every newly committed sink file, one transaction per file. Returns files read."""
    with transaction(engine) as session:
        counters = dict(load_positions(session).get(POSITIONS_KEY) or {})
    read = 0
    for part in next_unread(committed_part_files(sink_dir), counters):
        result = apply_batch(engine, read_part_file(part, totals), _advance_to(part), rules)
        if not result.skipped:
            totals.add(result)
            read += 1
            if result.invalid_events:
                log.warning("invalid_events", count=result.invalid_events, ids=result.invalid_ids)
    return read
