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


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return False


def checked_lines(data: bytes, file_name: str) -> tuple[list[bytes], int]:
    """The file's non-blank lines, each not-JSON line replaced by a stub; and how many were."""
    lines: list[bytes] = []
    unparsed = 0
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        if _is_json_object(line):
            lines.append(line)
        else:
            lines.append(_unparsed_stub(file_name, number))
            unparsed += 1
    return lines, unparsed


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
        self._last_file, self.awaiting = self._load_state()

    def _load_state(self) -> tuple[str, str | None]:
        if self.state_file.exists():
            state = json.loads(self.state_file.read_text())
            return str(state.get("last_file", "")), state.get("awaiting")
        return "", None

    def _save_state(self) -> None:
        temporary = self.state_file.with_name(f".{self.state_file.name}.tmp")
        temporary.write_text(json.dumps({"last_file": self._last_file, "awaiting": self.awaiting}))
        os.replace(temporary, self.state_file)

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
        lines = 0
        with temporary.open("wb") as out:
            for path in chunk:
                checked, unparsed = checked_lines(path.read_bytes(), path.name)
                self.unparsed_lines += unparsed
                lines += len(checked)
                if checked:
                    out.write(b"\n".join(checked) + b"\n")
            out.write(marker_line(target.name))
        os.replace(temporary, target)
        self._last_file = chunk[-1].name
        self.awaiting = marker_id(target.name)
        self._save_state()
        self.files_fed += len(chunk)
        self.events_fed += lines
        return len(chunk)
