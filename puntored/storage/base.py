"""What both backends share: the listing entry, the errors and the backend interface."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Protocol

from puntored.errors import PuntoredError
from puntored.storage.locations import name_of


class StorageError(PuntoredError):
    """A file operation failed (one line: what, where, why)."""


class StorageNotFound(StorageError, FileNotFoundError):
    """The object or file does not exist."""


@dataclass(frozen=True)
class FileEntry:
    location: str  # full location: an absolute path or s3://bucket/key
    relative: str  # posix path under the listed prefix
    size: int
    modified: datetime | None  # UTC

    @property
    def name(self) -> str:
        return name_of(self.location)


class Backend(Protocol):
    """One kind of location (local paths, or s3:// URIs); locations arrive canonical."""

    def list_files(self, prefix: str) -> Iterator[FileEntry]: ...

    def info(self, location: str) -> FileEntry | None: ...

    def exists(self, location: str) -> bool: ...

    def open_read(self, location: str) -> AbstractContextManager[IO[bytes]]: ...

    def put(self, location: str, source: IO[bytes]) -> None:
        """Publish ``source``'s content (from its current position) atomically."""
        ...

    def open_write(self, location: str) -> AbstractContextManager[IO[bytes]]: ...

    def copy_within(self, source: str, destination: str) -> None: ...

    def delete(self, location: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...
