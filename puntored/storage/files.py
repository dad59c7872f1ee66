"""``Storage``: the file operations of every stage, on local paths and ``s3://`` URIs alike.

Guarantees, on both backends:

- ``write_*``, ``open_write`` and ``copy`` are atomic at the destination: readers see the old
  content or the whole new one. Locally: a dot-prefixed temporary file in the target folder,
  then a rename. On S3: one ``PutObject`` (or server-side ``CopyObject``).
- ``open_read`` streams one consistent version (one ``GetObject`` on S3).
- ``list_files`` is recursive, sorted by relative path, and skips names starting with ``.``
  (temporaries of writes in progress, hidden files).
- Every failure is a ``StorageError`` with a one-line message naming the location; a missing
  object is a ``StorageNotFound`` (also a ``FileNotFoundError``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any

import pyarrow.fs as pafs

from puntored.aws import AwsConfig
from puntored.storage.base import Backend, FileEntry, StorageError
from puntored.storage.local import LocalBackend
from puntored.storage.locations import Location, as_location, is_s3, split_s3
from puntored.storage.s3 import S3Backend

if TYPE_CHECKING:
    from puntored.settings import Settings

_COPY_CHUNK = 8 << 20


class Storage:
    """One object per process is enough; it is thread-safe."""

    def __init__(self, aws: AwsConfig | None = None) -> None:
        self.aws = aws or AwsConfig()
        self._local = LocalBackend()

    @classmethod
    def from_settings(cls, settings: Settings) -> Storage:
        return cls(AwsConfig.from_settings(settings))

    @cached_property
    def _s3(self) -> S3Backend:
        return S3Backend(self.aws)

    def _backend(self, location: Location) -> tuple[Backend, str]:
        text = as_location(location)
        return (self._s3 if is_s3(text) else self._local), text

    # Reading -----------------------------------------------------------------------------

    def list_files(self, prefix: Location, suffix: str | tuple[str, ...] = "") -> list[FileEntry]:
        """Every file under ``prefix`` (recursive), sorted by relative path; ``[]`` when the
        prefix does not exist. ``suffix`` keeps only names ending with it (or one of them)."""
        backend, text = self._backend(prefix)
        entries = [
            entry
            for entry in backend.list_files(text)
            if not entry.name.startswith(".") and entry.name.endswith(suffix)
        ]
        return sorted(entries, key=lambda entry: entry.relative)

    def info(self, location: Location) -> FileEntry | None:
        """The file's size and modification time, or None when there is no such file."""
        backend, text = self._backend(location)
        return backend.info(text)

    def exists(self, location: Location) -> bool:
        """True for an existing file, and for a folder or prefix with something under it."""
        backend, text = self._backend(location)
        return backend.exists(text)

    @contextmanager
    def open_read(self, location: Location) -> Iterator[IO[bytes]]:
        """A sequential binary stream: ``read(n)`` until it returns ``b""``."""
        backend, text = self._backend(location)
        with backend.open_read(text) as stream:
            yield stream

    def read_bytes(self, location: Location) -> bytes:
        with self.open_read(location) as stream:
            return stream.read()

    def read_text(self, location: Location) -> str:
        return self.read_bytes(location).decode("utf-8")

    def read_json(self, location: Location) -> Any:
        text = self.read_text(location)
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise StorageError(f"{as_location(location)} is not valid JSON: {error}") from error

    # Writing (atomic) ---------------------------------------------------------------------

    @contextmanager
    def open_write(self, location: Location) -> Iterator[IO[bytes]]:
        """A binary handle whose content appears at ``location`` only when the block ends
        without an error; after an error nothing changes at ``location``."""
        backend, text = self._backend(location)
        with backend.open_write(text) as handle:
            yield handle

    def write_bytes(self, location: Location, data: bytes) -> None:
        backend, text = self._backend(location)
        backend.put(text, io.BytesIO(data))

    def write_text(self, location: Location, text: str) -> None:
        self.write_bytes(location, text.encode("utf-8"))

    def write_json(self, location: Location, value: Any) -> None:
        """Indented, key-sorted JSON with a final newline (equal values, equal bytes)."""
        self.write_text(location, json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")

    def copy(self, source: Location, destination: Location) -> None:
        """Copy one file, atomically at the destination; between backends too (local ↔ S3)."""
        source_backend, source_text = self._backend(source)
        target_backend, target_text = self._backend(destination)
        if source_backend is target_backend:
            source_backend.copy_within(source_text, target_text)
            return
        with source_backend.open_read(source_text) as reader:
            target_backend.put(target_text, reader)

    # Deleting -----------------------------------------------------------------------------

    def delete(self, location: Location) -> None:
        """Delete one file; a missing file is not an error."""
        backend, text = self._backend(location)
        backend.delete(text)

    def delete_prefix(self, prefix: Location) -> None:
        """Delete everything under a folder or prefix; missing is fine. Never a whole bucket."""
        backend, text = self._backend(prefix)
        backend.delete_prefix(text)

    # For readers that need random access (Parquet): a pyarrow filesystem and its path --------

    def arrow_filesystem(self, location: Location) -> tuple[pafs.FileSystem, str]:
        """``(filesystem, path)`` for pyarrow readers (``pyarrow.parquet``, ``dataset``),
        with the same region and endpoint. For Parquet files, which are written once."""
        text = as_location(location)
        if not is_s3(text):
            return pafs.LocalFileSystem(), text
        bucket, key = split_s3(text)
        return self._arrow_s3, f"{bucket}/{key}".rstrip("/")

    @cached_property
    def _arrow_s3(self) -> pafs.S3FileSystem:
        options: dict[str, Any] = {}
        if self.aws.region:
            options["region"] = self.aws.region
        if self.aws.endpoint_url:
            options["endpoint_override"] = self.aws.endpoint_url
        return pafs.S3FileSystem(**options)
