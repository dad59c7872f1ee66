"""The ground-truth manifest: what a run wrote and injected, for later stages to reconcile."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from puntored.contract.transaction import STATUSES
from puntored.generator.clock import bogota_day_index, day_from_index
from puntored.generator.events import EventBatch
from puntored.generator.faults import MALFORMED_REASONS
from puntored.generator.options import GenerateOptions
from puntored.storage import Storage


@dataclass(frozen=True)
class InjectedFaults:
    duplicates: int
    late_by_days: dict[int, int]
    malformed: Counter[str]
    truncated_files: list[str]
    truncated_file_records: int


def event_counts(events: EventBatch) -> dict[str, Any]:
    status_counts = np.bincount(events.status, minlength=len(STATUSES))
    days, per_day = np.unique(bogota_day_index(events.event_ms), return_counts=True)
    reversals = int(events.is_reversal.sum())
    return {
        "unique": len(events),
        "sales": len(events) - reversals,
        "reversals": reversals,
        "by_status": {s: int(n) for s, n in zip(STATUSES, status_counts.tolist(), strict=True)},
        "by_dt": {
            day_from_index(d).isoformat(): int(n)
            for d, n in zip(days.tolist(), per_day.tolist(), strict=True)
        },
    }


def build_manifest(
    options: GenerateOptions,
    events: EventBatch,
    faults: InjectedFaults,
    files_written: int,
    lines_written: int,
) -> dict[str, Any]:
    malformed = {reason: faults.malformed.get(reason, 0) for reason in MALFORMED_REASONS}
    counts = event_counts(events)
    return {
        "run_id": options.run_id,
        "seed": options.seed,
        "start": options.start.isoformat(),
        "days": options.days,
        "events_per_day": options.events_per_day,
        "rates": options.faults.as_dict(),
        "files": {"written": files_written, "truncated": faults.truncated_files},
        "lines_written": lines_written,
        "events": counts,
        "injected": {
            "duplicates": faults.duplicates,
            "late_events": sum(faults.late_by_days.values()),
            "late_by_days": {str(k): v for k, v in sorted(faults.late_by_days.items())},
            "malformed": malformed,
            "truncated_file_records": faults.truncated_file_records,
        },
        "expected": {
            "landed": counts["unique"],
            "quarantined": sum(malformed.values()),
            "duplicates": faults.duplicates,
            "unreadable_files": len(faults.truncated_files),
        },
    }


def write_manifest(storage: Storage, location: str, manifest: dict[str, Any]) -> None:
    """The manifest as indented JSON, keys in the order built (atomic, like every write)."""
    storage.write_text(location, json.dumps(manifest, indent=2) + "\n")
