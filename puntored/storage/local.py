"""The local backend: pyarrow's LocalFileSystem, atomic writes by temporary file + rename."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO

import pyarrow.fs as pafs

from puntored.storage.base import FileEntry, StorageError, StorageNotFound
from puntored.storage.locations import join, name_of

_COPY_CHUNK = 8 << 20


class LocalBackend:
    def __init__(self) -> None:
        self._fs = pafs.LocalFileSystem()

    def list_files(self, prefix: str) -> Iterator[FileEntry]:
        selector = pafs.FileSelector(prefix, recursive=True, allow_not_found=True)
        with _errors("list", prefix):
            infos = self._fs.get_file_info(selector)
        for info in infos:
            if info.type == pafs.FileType.File:
                relative = os.path.relpath(info.path, prefix).replace(os.sep, "/")
                yield FileEntry(join(prefix, relative), relative, info.size, _utc(info.mtime))

    def info(self, location: str) -> FileEntry | None:
        with _errors("stat", location):
            found = self._fs.get_file_info(location)
        if found.type != pafs.FileType.File:
            return None
        return FileEntry(location, name_of(location), found.size, _utc(found.mtime))

    def exists(self, location: str) -> bool:
        with _errors("stat", location):
            return self._fs.get_file_info(location).type != pafs.FileType.NotFound

    @contextmanager
    def open_read(self, location: str) -> Iterator[IO[bytes]]:
        with _errors("read", location):
            handle = open(location, "rb")  # noqa: SIM115 - closed below
        with handle:
            yield handle

    @contextmanager
    def open_write(self, location: str) -> Iterator[IO[bytes]]:
        """A dot-prefixed temporary file beside the target, renamed over it on success."""
        folder, name = os.path.split(location)
        temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.tmp")
        with _errors("write", location):
            os.makedirs(folder, exist_ok=True)
            handle = open(temporary, "wb")  # noqa: SIM115 - closed before the rename
        try:
            with handle:
                yield handle
            with _errors("write", location):
                os.replace(temporary, location)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)

    def put(self, location: str, source: IO[bytes]) -> None:
        with self.open_write(location) as sink:
            while chunk := source.read(_COPY_CHUNK):
                sink.write(chunk)

    def copy_within(self, source: str, destination: str) -> None:
        with self.open_read(source) as reader:
            self.put(destination, reader)

    def delete(self, location: str) -> None:
        with _errors("delete", location):
            if os.path.isfile(location):
                os.remove(location)

    def delete_prefix(self, prefix: str) -> None:
        with _errors("delete", prefix):
            if self._fs.get_file_info(prefix).type == pafs.FileType.Directory:
                self._fs.delete_dir(prefix)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@contextmanager
def _errors(verb: str, location: str) -> Iterator[None]:
    """OSErrors as one-line StorageErrors naming the location."""
    try:
        yield
    except StorageError:
        raise
    except FileNotFoundError as error:
        raise StorageNotFound(f"cannot {verb} {location}: not found") from error
    except OSError as error:
        reason = " ".join((error.strerror or str(error)).split())
        raise StorageError(f"cannot {verb} {location}: {reason}") from error
