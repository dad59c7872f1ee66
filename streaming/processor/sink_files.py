"""Read the Flink filesystem sink's committed files, in order, exactly once.

Flink names committed part files ``part-<run uuid>-<subtask>-<counter>`` (in-progress files
are dot-prefixed and ignored). Within one writer (run uuid + subtask) counters only grow and
files are committed in counter order, so the consumed position of a writer is the next counter
to read; a file is read only when every lower counter of its writer has been read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PART_FILE = re.compile(r"^(?P<writer>part-[0-9a-f-]{36}-\d+)-(?P<counter>\d+)(?P<ext>\.\w+)?$")
POSITIONS_KEY = "sink_files"


@dataclass(frozen=True)
class PartFile:
    path: Path
    writer: str
    counter: int


def committed_part_files(folder: Path) -> list[PartFile]:
    files: list[PartFile] = []
    if not folder.exists():
        return files
    for path in folder.rglob("part-*"):
        match = PART_FILE.match(path.name)
        if match and path.is_file():
            files.append(PartFile(path, match["writer"], int(match["counter"])))
    return sorted(files, key=lambda f: (f.writer, f.counter))


def next_unread(files: list[PartFile], next_counters: dict[str, int]) -> Iterator[PartFile]:
    """Files to read now, in order: each writer's files from its next counter, stopping at the
    first gap (a file not yet committed). A writer never seen starts at its lowest file."""
    by_writer: dict[str, list[PartFile]] = {}
    for part in files:
        by_writer.setdefault(part.writer, []).append(part)
    for writer, parts in by_writer.items():
        expected = next_counters.get(writer, parts[0].counter)
        for part in parts:
            if part.counter < expected:
                continue
            if part.counter != expected:
                break
            yield part
            expected += 1
