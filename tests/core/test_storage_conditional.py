"""Compare-and-swap on S3 objects (the AWS run lock's primitive), against moto's server."""

from __future__ import annotations

import pytest

from puntored.settings import Settings
from puntored.storage import AwsConfig, ConditionalObjects, StorageError, join


def test_create_only_once_then_replace_and_delete_only_at_the_read_version(
    aws_settings: Settings,
) -> None:
    objects = ConditionalObjects(AwsConfig.from_settings(aws_settings))
    location = join(aws_settings.state_location, "run.lock")

    first = objects.create(location, b"holder A")
    assert first is not None
    assert objects.create(location, b"holder B") is None  # already there
    current = objects.read(location)
    assert current is not None and current.data == b"holder A" and current.version == first

    second = objects.replace(location, b"holder A, renewed", first)
    assert second is not None and second != first
    assert objects.replace(location, b"holder C", first) is None  # stale version: refused
    assert objects.delete(location, first) is False
    read_back = objects.read(location)
    assert read_back is not None and read_back.data == b"holder A, renewed"

    assert objects.delete(location, second) is True
    assert objects.read(location) is None
    assert objects.replace(location, b"x", second) is None  # gone: nothing to replace
    assert objects.create(location, b"holder D") is not None


def test_conditional_writes_need_s3_and_name_real_errors(aws_settings: Settings) -> None:
    objects = ConditionalObjects(AwsConfig.from_settings(aws_settings))
    with pytest.raises(StorageError, match="need an s3:// location"):
        objects.create("/tmp/run.lock", b"x")
    with pytest.raises(StorageError, match="NoSuchBucket"):
        objects.create("s3://puntored-no-such-bucket/run.lock", b"x")
