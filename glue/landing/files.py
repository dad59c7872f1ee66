"""Landing files: discovery in arrival order, readability checks and the processed-file bookmark.

Spark cannot tell which gzip file was truncated (the whole read fails, or with
``ignoreCorruptFiles`` the tail is silently lost), so every file is checked here first by
streaming it through zlib. zlib releases the GIL: a small thread pool keeps both cores busy.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_ARRIVAL = re.compile(r"arrival_date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # to the landing root; the bookmark key and sort key (arrival order)
    size: int

    @property
    def arrival_date(self) -> date | None:
        match = _ARRIVAL.search(self.relative)
        return date.fromisoformat(match.group(1)) if match else None


def list_landing_files(
    landing_dir: Path, first: date | None = None, last: date | None = None
) -> list[LandingFile]:
    """Every ``*.jsonl.gz`` under ``transactions/`` in arrival order, optionally by arrival day."""
    root = landing_dir / "transactions"
    if not root.is_dir():
        return []
    files = []
    for path in root.rglob("*.jsonl.gz"):
        relative = path.relative_to(landing_dir).as_posix()
        found = LandingFile(path, relative, path.stat().st_size)
        day = found.arrival_date
        if day is not None and ((first and day < first) or (last and day > last)):
            continue
        files.append(found)
    return sorted(files, key=lambda f: f.relative)


def unreadable_reason(path: Path) -> str | None:
    """None when the file decompresses to the end, else ``unreadable_file:<why>``."""
    with path.open("rb") as handle:
        head = handle.read(2)
        if not head:
            return "unreadable_file:empty"
        if head != GZIP_MAGIC:
            return "unreadable_file:not_gzip"
        handle.seek(0)
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            while chunk := handle.read(_CHUNK):
                inflater.decompress(chunk, 0)
                while inflater.eof and inflater.unused_data:  # concatenated gzip members
                    rest = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                    inflater.decompress(rest, 0)
        except zlib.error:
            return "unreadable_file:corrupt_gzip"
        if not inflater.eof:
            return "unreadable_file:truncated_gzip"
    return None


def check_files(files: Iterable[LandingFile], threads: int = 4) -> dict[str, str]:
    """relative path -> reason, for the files that cannot be read."""
    files = list(files)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        reasons = list(pool.map(lambda f: unreadable_reason(f.path), files))
    return {f.relative: r for f, r in zip(files, reasons, strict=True) if r is not None}


class Bookmark:
    """Landing files already processed (relative path -> size), kept as JSON under state/."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.processed: dict[str, int] = (
            json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        )

    def is_new(self, landing_file: LandingFile) -> bool:
        return self.processed.get(landing_file.relative) != landing_file.size

    def mark(self, files: Iterable[LandingFile]) -> None:
        self.processed.update({f.relative: f.size for f in files})

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.processed, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.path)
