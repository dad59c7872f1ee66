"""The S3 backend: boto3, one request per whole-object operation.

Whole-object requests are what make S3 atomic and consistent for us: a ``PutObject`` is
published all at once, and one ``GetObject`` streams one version of the object even if it is
overwritten meanwhile. (pyarrow's S3 filesystem uses multipart uploads and several ranged GETs
per read; a read overlapping an overwrite then mixes two versions — measured against moto,
see docs/decisions/0700-storage-layer.md.)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError

from puntored.aws import AwsConfig
from puntored.storage.base import FileEntry, StorageError, StorageNotFound
from puntored.storage.locations import S3_SCHEME, name_of, split_s3

_SPOOL_IN_MEMORY = 64 << 20  # open_write buffers this much in memory, then in a temp file
_DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys
_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}


class S3Backend:
    def __init__(self, aws: AwsConfig) -> None:
        self._aws = aws

    @property
    def _client(self) -> Any:
        return self._aws.client("s3")

    def _keys(self, prefix: str) -> Iterator[dict[str, Any]]:
        bucket, key = split_s3(prefix)
        folder = f"{key.rstrip('/')}/" if key else ""
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder)
        with _errors("list", prefix):
            for page in pages:
                yield from page.get("Contents", [])

    def list_files(self, prefix: str) -> Iterator[FileEntry]:
        bucket, key = split_s3(prefix)
        skip = len(key.rstrip("/")) + 1 if key else 0
        for item in self._keys(prefix):
            if item["Key"].endswith("/"):  # a "folder" marker made by consoles and tools
                continue
            relative = item["Key"][skip:]
            location = f"{S3_SCHEME}{bucket}/{item['Key']}"
            yield FileEntry(location, relative, int(item["Size"]), _utc(item["LastModified"]))

    def info(self, location: str) -> FileEntry | None:
        bucket, key = split_s3(location)
        try:
            with _errors("stat", location):
                head = self._client.head_object(Bucket=bucket, Key=key)
        except StorageNotFound:
            return None
        size, modified = int(head["ContentLength"]), _utc(head["LastModified"])
        return FileEntry(location, name_of(location), size, modified)

    def exists(self, location: str) -> bool:
        _bucket, key = split_s3(location)
        if key and self.info(location) is not None:
            return True
        return next(self._keys(location), None) is not None

    @contextmanager
    def open_read(self, location: str) -> Iterator[IO[bytes]]:
        bucket, key = split_s3(location)
        with _errors("read", location):
            body = self._client.get_object(Bucket=bucket, Key=key)["Body"]
        try:
            yield _Stream(body, location)  # type: ignore[misc]
        finally:
            body.close()

    def put(self, location: str, source: IO[bytes]) -> None:
        bucket, key = split_s3(location)
        with _errors("write", location):
            self._client.put_object(Bucket=bucket, Key=key, Body=source)

    @contextmanager
    def open_write(self, location: str) -> Iterator[IO[bytes]]:
        """Spooled locally, uploaded in one PUT only when the block ends without an error."""
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
            yield spool
            spool.seek(0)
            self.put(location, spool)

    def copy_within(self, source: str, destination: str) -> None:
        """Server-side copy (one request, up to 5 GB)."""
        source_bucket, source_key = split_s3(source)
        bucket, key = split_s3(destination)
        with _errors("copy", source):
            self._client.copy_object(
                Bucket=bucket, Key=key, CopySource={"Bucket": source_bucket, "Key": source_key}
            )

    def delete(self, location: str) -> None:
        bucket, key = split_s3(location)
        with _errors("delete", location):
            self._client.delete_object(Bucket=bucket, Key=key)  # missing: still a 204

    def delete_prefix(self, prefix: str) -> None:
        bucket, key = split_s3(prefix)
        if not key.strip("/"):
            raise StorageError(f"refusing to delete a whole bucket: {prefix}")
        keys = [item["Key"] for item in self._keys(prefix)]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": k} for k in keys[start : start + _DELETE_BATCH]]
            with _errors("delete", prefix):
                answer = self._client.delete_objects(
                    Bucket=bucket, Delete={"Objects": batch, "Quiet": True}
                )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise StorageError(
                    f"cannot delete s3://{bucket}/{first['Key']}: {first['Code']} "
                    f"{first.get('Message', '')} ({len(answer['Errors'])} keys failed)"
                )


class _Stream:
    """A GetObject body as a file-like reader whose failures are StorageErrors."""

    def __init__(self, body: Any, location: str) -> None:
        self._body = body
        self._location = location

    def read(self, size: int | None = -1) -> bytes:
        with _errors("read", self._location):
            return bytes(self._body.read(None if size is None or size < 0 else size))

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._body.close()


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


@contextmanager
def _errors(verb: str, location: str) -> Iterator[None]:
    """boto3's errors as one-line StorageErrors naming the location and S3's error code."""
    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        if code in _NOT_FOUND:
            raise StorageNotFound(f"cannot {verb} {location}: not found") from error
        message = " ".join(str(details.get("Message", "")).split())
        raise StorageError(f"cannot {verb} {location}: {code} {message}".rstrip()) from error
    except BotoCoreError as error:
        raise StorageError(f"cannot {verb} {location}: {error}") from error
