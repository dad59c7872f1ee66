"""Hand the events folder to the Flink source in event-time order, paced by what Flink consumed.

Flink's filesystem source reads the files it finds in one directory scan in no particular
order; with a bounded watermark, an older file read after a newer one would be dropped as late
(docs/decisions/0601-ordered-feed.md). So the Flink source does not watch ``events/`` itself:
the feeder exposes the pending event files (named in time order) to ``flink-input/`` as one
concatenated chunk, ended by a marker line, and exposes the next chunk only once the job's sink
has committed that marker — i.e. once Flink has read the whole chunk. There is never more than
one unread file in ``flink-input/``, whatever the timing: a job started late, restarted, slow
or stalled reads one backlog chunk in order, instead of many files in any order.

A line that is not a JSON object cannot become a row (the JSON format would skip it silently);
the feeder replaces it by a stub event that names it (``unparsed:<file>:<line>``), which the job
counts as an invalid event.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from puntored.streaming.flink_job.config import FEED_MARKER_EVENT_TYPE

UNPARSED_PREFIX = "unparsed:"
# Far in the past: a marker never moves the watermark (it only goes forward).
_MARKER_EVENT_AT = "1970-01-01T00:00:00.000Z"


def marker_id(chunk_name: str) -> str:
    return f"feed:{chunk_name}"


def marker_line(chunk_name: str) -> bytes:
    marker = {
        "transaction_id": marker_id(chunk_name),
        "event_type": FEED_MARKER_EVENT_TYPE,
        "event_at": _MARKER_EVENT_AT,
    }
    return json.dumps(marker, separators=(",", ":")).encode() + b"\n"


def _unparsed_stub(file_name: str, number: int) -> bytes:
    stub = {"transaction_id": f"{UNPARSED_PREFIX}{file_name}:{number}", "event_type": "unparsed"}
    return json.dumps(stub, separators=(",", ":")).encode()


@dataclass
class CheckedLines:
    lines: list[bytes] = field(default_factory=list)
    unparsed: int = 0
    max_event_at: str = ""  # the contract's fixed ISO format sorts as text


def checked_lines(data: bytes, file_name: str, checked: CheckedLines) -> None:
    """Add the file's non-blank lines, each line that is not a JSON object replaced by a stub."""
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:  # JSONDecodeError and UnicodeDecodeError
            event = None
        if not isinstance(event, dict):
            checked.lines.append(_unparsed_stub(file_name, number))
            checked.unparsed += 1
            continue
        checked.lines.append(line)
        event_at = event.get("event_at")
        if isinstance(event_at, str) and event_at > checked.max_event_at:
            checked.max_event_at = event_at


class Feeder:
    def __init__(
        self,
        events: Path,
        flink_input: Path,
        state_file: Path,
        max_chunk_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        self.events, self.flink_input, self.state_file = events, flink_input, state_file
        self.max_chunk_bytes = max_chunk_bytes
        self.files_fed = 0
        self.events_fed = 0
        self.unparsed_lines = 0
        self.chunks_acknowledged = 0
        # newest event_at of the chunks exposed / of those Flink has read (the watermark is
        # this minus the delay once the job has read them)
        self._exposed_max, self._read_max = "", ""
        self._last_file, self.awaiting = "", None
        if self.state_file.exists():
            state = json.loads(self.state_file.read_text())
            self._last_file, self.awaiting = str(state["last_file"]), state.get("awaiting")
            self._exposed_max, self._read_max = state["exposed_max"], state["read_max"]

    def _save_state(self) -> None:
        temporary = self.state_file.with_name(f".{self.state_file.name}.tmp")
        state = {
            "last_file": self._last_file,
            "awaiting": self.awaiting,
            "exposed_max": self._exposed_max,
            "read_max": self._read_max,
        }
        temporary.write_text(json.dumps(state))
        os.replace(temporary, self.state_file)

    @property
    def max_event_at_read(self) -> datetime | None:
        """The newest event time Flink has read (every acknowledged chunk)."""
        if not self._read_max:
            return None
        return datetime.fromisoformat(self._read_max.replace("Z", "+00:00"))

    def pending(self) -> list[Path]:
        names = sorted(
            p.name
            for p in self.events.glob("*.jsonl")
            if not p.name.startswith((".", "_")) and p.name > self._last_file
        )
        return [self.events / name for name in names]

    def acknowledge(self, markers: Iterable[str]) -> bool:
        """Markers the job's sink committed; True when the awaited chunk is among them."""
        if self.awaiting is not None and self.awaiting in set(markers):
            self.awaiting = None
            self._read_max = max(self._read_max, self._exposed_max)
            self.chunks_acknowledged += 1
            self._save_state()
            return True
        return False

    def step(self) -> int:
        """Expose the next chunk unless Flink has not read the last one; returns files covered."""
        if self.awaiting is not None:
            return 0
        chunk: list[Path] = []
        size = 0
        for path in self.pending():
            if chunk and size + path.stat().st_size > self.max_chunk_bytes:
                break
            chunk.append(path)
            size += path.stat().st_size
        if not chunk:
            return 0
        target = self.flink_input / f"feed-{chunk[0].stem}.jsonl"
        temporary = self.flink_input / f".{target.name}.tmp"
        checked = CheckedLines()
        for path in chunk:
            checked_lines(path.read_bytes(), path.name, checked)
        with temporary.open("wb") as out:
            out.writelines(line + b"\n" for line in checked.lines)
            out.write(marker_line(target.name))
        os.replace(temporary, target)
        self.unparsed_lines += checked.unparsed
        self._exposed_max = max(self._exposed_max, checked.max_event_at)
        self._last_file = chunk[-1].name
        self.awaiting = marker_id(target.name)
        self._save_state()
        self.files_fed += len(chunk)
        self.events_fed += len(checked.lines)
        return len(chunk)
