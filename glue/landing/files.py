"""Landing files: discovery in arrival order, readability checks and the processed-file bookmark.

Every file operation goes through ``puntored.storage``, so the same code runs on a local
landing folder and on ``s3://`` (docs/decisions/0220-landing-on-s3-publish-by-catalog.md).

Every file under ``transactions/`` is accounted for: it is read (``*.jsonl.gz``, ``*.json.gz``),
or recorded in the run manifest as skipped with a reason (``wrong_extension``), or found
unreadable (empty, not gzip, corrupt or truncated gzip: a quarantine row too). Names starting
with ``.`` are uploads still in progress and are not listed (docs/decisions/0221).

Spark cannot tell which gzip file was truncated (the whole read fails, or with
``ignoreCorruptFiles`` the tail is silently lost), so every file is checked here first by
streaming it through zlib. zlib releases the GIL: a small thread pool keeps both cores busy.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from puntored.contract.lake import LANDING_TRANSACTIONS_FOLDER
from puntored.storage import Location, Storage, StorageError, join

GZIP_MAGIC = b"\x1f\x8b"
READ_SUFFIXES = (".jsonl.gz", ".json.gz")  # gzipped JSON lines: the switch's export format
WRONG_EXTENSION = "wrong_extension"
_CHUNK = 1 << 20
_ARRIVAL = re.compile(r"arrival_date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/")


@dataclass(frozen=True)
class LandingFile:
    location: str  # a local path or an s3:// URI, as Spark reads it
    relative: str  # to the landing root; the bookmark key and sort key (arrival order)
    size: int

    @property
    def arrival_date(self) -> date | None:
        return arrival_date(self.relative)


def arrival_date(relative: str) -> date | None:
    match = _ARRIVAL.search(relative)
    return date.fromisoformat(match.group(1)) if match else None


@dataclass(frozen=True)
class Discovery:
    """Every file under ``transactions/`` in the day range: to read, or skipped (why)."""

    files: list[LandingFile]  # in arrival order
    skipped: dict[str, str] = field(default_factory=dict)  # relative path -> reason
    skipped_sizes: dict[str, int] = field(default_factory=dict)

    @property
    def found(self) -> int:
        return len(self.files) + len(self.skipped)


def discover(
    storage: Storage, landing: Location, first: date | None = None, last: date | None = None
) -> Discovery:
    """One listing of ``<landing>/transactions/``: files to read in arrival order, the rest
    skipped with a reason; optionally only the arrival days ``first``..``last``."""
    files: list[LandingFile] = []
    skipped: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for entry in storage.list_files(join(landing, LANDING_TRANSACTIONS_FOLDER)):
        relative = f"{LANDING_TRANSACTIONS_FOLDER}/{entry.relative}"
        day = arrival_date(relative)
        if day is not None and ((first and day < first) or (last and day > last)):
            continue
        if entry.name.endswith(READ_SUFFIXES):
            files.append(LandingFile(entry.location, relative, entry.size))
        else:
            skipped[relative] = WRONG_EXTENSION
            sizes[relative] = entry.size
    return Discovery(sorted(files, key=lambda f: f.relative), skipped, sizes)


def list_landing_files(
    storage: Storage, landing: Location, first: date | None = None, last: date | None = None
) -> list[LandingFile]:
    """The files to read (see :func:`discover`)."""
    return discover(storage, landing, first, last).files


def unreadable_reason(storage: Storage, location: str) -> str | None:
    """None when the file decompresses to the end, else ``unreadable_file:<why>``."""
    try:
        with storage.open_read(location) as handle:
            return _gzip_problem(handle)
    except StorageError:
        return "unreadable_file:cannot_open"


def _gzip_problem(handle: IO[bytes]) -> str | None:
    read = handle.read
    head = read(2)
    if not head:
        return "unreadable_file:empty"
    if head[:2] != GZIP_MAGIC:
        return "unreadable_file:not_gzip"
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    chunk = head
    try:
        while chunk:
            inflater.decompress(chunk, 0)
            while inflater.eof and inflater.unused_data:  # concatenated gzip members
                rest = inflater.unused_data
                inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                inflater.decompress(rest, 0)
            chunk = read(_CHUNK)
    except zlib.error:
        return "unreadable_file:corrupt_gzip"
    if not inflater.eof:
        return "unreadable_file:truncated_gzip"
    return None


def check_files(storage: Storage, files: Iterable[LandingFile], threads: int = 4) -> dict[str, str]:
    """relative path -> reason, for the files that cannot be read."""
    files = list(files)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        reasons = list(pool.map(lambda f: unreadable_reason(storage, f.location), files))
    return {f.relative: r for f, r in zip(files, reasons, strict=True) if r is not None}


class Bookmark:
    """Landing files already processed (relative path -> size), one JSON object under state/.

    Skipped files are bookmarked too, so a run reports each of them once (again if resized)."""

    def __init__(self, storage: Storage, location: str) -> None:
        self.storage = storage
        self.location = location
        self.processed: dict[str, int] = (
            storage.read_json(location) if storage.exists(location) else {}
        )

    def is_new(self, relative: str, size: int) -> bool:
        return self.processed.get(relative) != size

    def mark(self, sizes: dict[str, int]) -> None:
        self.processed.update(sizes)

    def save(self) -> None:
        self.storage.write_json(self.location, self.processed)  # one atomic put/rename
