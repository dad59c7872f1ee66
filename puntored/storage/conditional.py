"""Compare-and-swap on one S3 object: the primitive under the AWS run lock.

S3 conditional requests (boto3): ``PutObject`` with ``If-None-Match: *`` creates only when the
key is absent; ``PutObject`` and ``DeleteObject`` with ``If-Match: <ETag>`` change the object
only if nobody changed it since it was read. A lost race is a 412 (or a 409 for a concurrent
conditional write), answered here as ``None``/``False`` instead of an exception. The ETag is
the version token. Local paths have no such API here: locally the run lock is a file lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from puntored.aws import AwsConfig
from puntored.storage.base import StorageError
from puntored.storage.locations import Location, split_s3

_LOST_RACE = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "404", "412"}


@dataclass(frozen=True)
class Versioned:
    data: bytes
    version: str  # the object's ETag


class ConditionalObjects:
    def __init__(self, aws: AwsConfig) -> None:
        self._aws = aws

    @property
    def _s3(self) -> Any:
        return self._aws.client("s3")

    def create(self, location: Location, data: bytes) -> str | None:
        """Create the object if absent: its version, or None when it already exists."""
        bucket, key = _bucket_key(location)
        with _lost_race_is_none(location):
            return str(
                self._s3.put_object(Bucket=bucket, Key=key, Body=data, IfNoneMatch="*")["ETag"]
            )
        return None

    def read(self, location: Location) -> Versioned | None:
        bucket, key = _bucket_key(location)
        with _lost_race_is_none(location):
            answer = self._s3.get_object(Bucket=bucket, Key=key)
            return Versioned(answer["Body"].read(), str(answer["ETag"]))
        return None

    def replace(self, location: Location, data: bytes, version: str) -> str | None:
        """Overwrite if still at ``version``: the new version, or None when it changed."""
        bucket, key = _bucket_key(location)
        with _lost_race_is_none(location):
            answer = self._s3.put_object(Bucket=bucket, Key=key, Body=data, IfMatch=version)
            return str(answer["ETag"])
        return None

    def delete(self, location: Location, version: str) -> bool:
        """Delete if still at ``version``; False when it changed or is gone."""
        bucket, key = _bucket_key(location)
        with _lost_race_is_none(location):
            self._s3.delete_object(Bucket=bucket, Key=key, IfMatch=version)
            return True
        return False


def _bucket_key(location: Location) -> tuple[str, str]:
    try:
        return split_s3(location)
    except ValueError as error:
        raise StorageError(f"conditional writes need an s3:// location: {error}") from error


@contextmanager
def _lost_race_is_none(location: Location) -> Iterator[None]:
    """Swallow the "condition did not hold" answers (the caller then returns None/False);
    any other S3 error becomes a one-line StorageError."""
    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        if code in _LOST_RACE:
            return
        raise StorageError(
            f"S3 refused a conditional request on {location}: {code} {details.get('Message', '')}"
        ) from error
