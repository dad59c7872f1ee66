"""Hand the events folder to the Flink source in event-time order.

Flink's filesystem source reads the files it finds in one directory scan in no particular
order; with a bounded watermark, an older file read after a newer one would be dropped as late
(docs/decisions/0601-ordered-feed.md). So the Flink source does not watch ``events/`` itself:
the feeder exposes the pending event files (named in time order) to ``flink-input/`` as one
concatenated chunk at a time, never two within one monitor interval, so each scan sees at most
one new file and a chunk is read in order.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


class Feeder:
    def __init__(
        self,
        events: Path,
        flink_input: Path,
        state_file: Path,
        min_gap_seconds: float = 1.5,
        max_chunk_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        self.events, self.flink_input, self.state_file = events, flink_input, state_file
        self.min_gap_seconds, self.max_chunk_bytes = min_gap_seconds, max_chunk_bytes
        self.files_fed = 0
        self.events_fed = 0
        self._last_exposed = 0.0
        self._last_file = self._load_state()

    def _load_state(self) -> str:
        if self.state_file.exists():
            return str(json.loads(self.state_file.read_text()).get("last_file", ""))
        return ""

    def _save_state(self) -> None:
        temporary = self.state_file.with_name(f".{self.state_file.name}.tmp")
        temporary.write_text(json.dumps({"last_file": self._last_file}))
        os.replace(temporary, self.state_file)

    def pending(self) -> list[Path]:
        names = sorted(
            p.name
            for p in self.events.glob("*.jsonl")
            if not p.name.startswith((".", "_")) and p.name > self._last_file
        )
        return [self.events / name for name in names]

    def step(self) -> int:
        """Expose the next chunk if it is time; returns how many event files it covered."""
        if time.monotonic() - self._last_exposed < self.min_gap_seconds:
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
                with path.open("rb") as source:
                    data = source.read()
                if data and not data.endswith(b"\n"):
                    data += b"\n"
                lines += data.count(b"\n")
                out.write(data)
        os.replace(temporary, target)
        self._last_file = chunk[-1].name
        self._save_state()
        self._last_exposed = time.monotonic()
        self.files_fed += len(chunk)
        self.events_fed += lines
        return len(chunk)
