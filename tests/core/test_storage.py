"""The storage layer on both backends: a local folder and an S3 bucket on the moto server."""

from __future__ import annotations

import gzip
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from puntored.settings import Settings
from puntored.storage import (
    Storage,
    StorageError,
    StorageNotFound,
    join,
    relative_to,
    split_s3,
)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.aws)])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Storage, str]:
    """A storage and an empty root location: a temp folder, or a fresh moto bucket prefix."""
    if request.param == "local":
        return Storage(), str(tmp_path / "root")
    settings: Settings = request.getfixturevalue("aws_settings")
    return Storage.from_settings(settings), join(settings.lake_location, "root")


def test_write_read_and_list_recursively_with_sizes_and_mtimes(root: tuple[Storage, str]) -> None:
    storage, base = root
    before = datetime.now(UTC) - timedelta(seconds=5)
    storage.write_bytes(join(base, "transactions/arrival_date=2026-01-05/hour=00/part-0.gz"), b"a")
    storage.write_bytes(join(base, "transactions/arrival_date=2026-01-04/hour=23/part-0.gz"), b"bb")
    storage.write_text(join(base, "transactions/notes.txt"), "ignored by suffix")
    storage.write_json(join(base, "_manifests/run.json"), {"b": 1, "a": [1, 2]})

    entries = storage.list_files(join(base, "transactions"), ".gz")

    assert [e.relative for e in entries] == [
        "arrival_date=2026-01-04/hour=23/part-0.gz",
        "arrival_date=2026-01-05/hour=00/part-0.gz",
    ]
    assert [e.size for e in entries] == [2, 1]
    assert all(e.modified is not None and e.modified >= before for e in entries)
    assert entries[0].location == join(base, "transactions", entries[0].relative)
    assert storage.read_bytes(entries[0].location) == b"bb"
    assert storage.read_json(join(base, "_manifests/run.json")) == {"a": [1, 2], "b": 1}
    assert storage.read_text(join(base, "_manifests/run.json")).startswith('{\n  "a"')
    assert len(storage.list_files(base)) == 4


def test_missing_things(root: tuple[Storage, str]) -> None:
    storage, base = root
    assert storage.list_files(join(base, "nothing-here")) == []
    assert not storage.exists(join(base, "nope.json"))
    assert storage.info(join(base, "nope.json")) is None
    with pytest.raises(StorageNotFound, match=r"nope\.json: not found"):
        storage.read_bytes(join(base, "nope.json"))
    with pytest.raises(FileNotFoundError):
        storage.read_json(join(base, "nope.json"))
    storage.delete(join(base, "nope.json"))  # no error
    storage.delete_prefix(join(base, "nothing-here"))  # no error


def test_streaming_read_of_a_gzip_file(root: tuple[Storage, str]) -> None:
    storage, base = root
    lines = [f'{{"n": {i}}}' for i in range(50_000)]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    storage.write_bytes(join(base, "big.jsonl.gz"), data)
    with storage.open_read(join(base, "big.jsonl.gz")) as stream:
        head = stream.read(2)
        rest = b"".join(iter(lambda: stream.read(4096), b""))
    assert head == b"\x1f\x8b"
    assert gzip.decompress(head + rest).decode().splitlines() == lines
    with storage.open_read(join(base, "big.jsonl.gz")) as stream, gzip.open(stream) as text:
        assert text.readline() == b'{"n": 0}\n'


def test_overwrite_is_atomic_and_a_failed_write_changes_nothing(root: tuple[Storage, str]) -> None:
    storage, base = root
    target = join(base, "state/bookmark.json")
    storage.write_json(target, {"version": 1})
    with pytest.raises(RuntimeError), storage.open_write(target) as handle:
        handle.write(b'{"version": 2, "half": ')
        raise RuntimeError("the run died midway")
    assert storage.read_json(target) == {"version": 1}
    assert [e.relative for e in storage.list_files(base)] == ["state/bookmark.json"]
    with storage.open_write(target) as handle:
        handle.write(b'{"version": 3}')
    assert storage.read_json(target) == {"version": 3}


def test_readers_never_see_a_partial_object(root: tuple[Storage, str]) -> None:
    storage, base = root
    target = join(base, "status.json")
    versions = [bytes([65 + i]) * 300_000 for i in range(6)]
    storage.write_bytes(target, versions[0])
    seen: list[bytes] = []
    done = threading.Event()

    def read_while_writing() -> None:
        while not done.is_set():
            seen.append(storage.read_bytes(target))

    reader = threading.Thread(target=read_while_writing)
    reader.start()
    for version in versions[1:]:
        storage.write_bytes(target, version)
    done.set()
    reader.join()
    assert seen and all(data in versions for data in seen)


def test_copy_delete_and_delete_prefix(root: tuple[Storage, str], tmp_path: Path) -> None:
    storage, base = root
    storage.write_bytes(join(base, "a/one.txt"), b"1")
    storage.write_bytes(join(base, "a/b/two.txt"), b"2")
    storage.write_bytes(join(base, "a-sibling/three.txt"), b"3")
    storage.copy(join(base, "a/one.txt"), join(base, "copies/one.txt"))
    local_copy = tmp_path / "downloaded" / "two.txt"
    storage.copy(join(base, "a/b/two.txt"), local_copy)  # to a local file from either backend
    assert local_copy.read_bytes() == b"2"
    storage.copy(local_copy, join(base, "copies/two.txt"))  # and back
    storage.delete(join(base, "a/one.txt"))
    assert not storage.exists(join(base, "a/one.txt"))
    assert storage.exists(join(base, "a"))  # b/two.txt is still there
    storage.delete_prefix(join(base, "a"))
    assert [e.relative for e in storage.list_files(base)] == [
        "a-sibling/three.txt",
        "copies/one.txt",
        "copies/two.txt",
    ]
    assert storage.read_bytes(join(base, "copies/two.txt")) == b"2"


def test_local_writes_leave_no_temporary_and_skip_hidden_files(tmp_path: Path) -> None:
    storage = Storage()
    storage.write_bytes(tmp_path / "x" / "data.bin", b"payload")
    (tmp_path / "x" / ".data.bin.1234.tmp").write_bytes(b"a write in progress")
    assert [p.name for p in (tmp_path / "x").iterdir()] != []
    assert [e.relative for e in storage.list_files(tmp_path)] == ["x/data.bin"]


def test_local_errors_are_one_line_storage_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError) as error:
        Storage().write_bytes(blocker / "child.json", b"{}")
    assert str(error.value).startswith(f"cannot write {blocker / 'child.json'}:")
    assert "\n" not in str(error.value)


@pytest.mark.aws
def test_s3_objects_are_plain_objects_other_aws_clients_see(aws_settings: Settings) -> None:
    storage = Storage.from_settings(aws_settings)
    location = join(aws_settings.landing_location, "transactions/x/part-00000.jsonl.gz")
    storage.write_bytes(location, b"\x1f\x8bpayload")
    bucket, key = split_s3(location)
    s3 = boto3.client("s3", endpoint_url=aws_settings.aws_endpoint_url, region_name="us-east-1")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"\x1f\x8bpayload"


@pytest.mark.aws
def test_s3_errors_are_one_line_and_name_the_location(aws_settings: Settings) -> None:
    storage = Storage.from_settings(aws_settings)
    with pytest.raises(StorageError) as error:
        storage.write_bytes("s3://no-such-bucket-puntored/x.json", b"{}")
    message = str(error.value)
    assert message.startswith("cannot write s3://no-such-bucket-puntored/x.json:")
    assert "\n" not in message
    with pytest.raises(StorageError, match="refusing to delete a whole bucket"):
        storage.delete_prefix(aws_settings.lake_location)


def test_locations_join_and_relate_on_both_kinds() -> None:
    assert join("s3://lake/", "raw/", "/transactions") == "s3://lake/raw/transactions"
    assert join("s3://lake", "") == "s3://lake"
    assert join("/data/lake", "raw", "transactions") == "/data/lake/raw/transactions"
    assert relative_to("s3://lake/raw/t/dt=1/a.parquet", "s3://lake/raw") == "t/dt=1/a.parquet"
    assert relative_to("/data/lake/raw/a", "/data/lake") == "raw/a"
    assert split_s3("s3://bucket/some/key") == ("bucket", "some/key")
    with pytest.raises(ValueError):
        relative_to("s3://lake2/x", "s3://lake")
    with pytest.raises(ValueError):
        split_s3("/local/path")


def test_parquet_readers_get_a_pyarrow_filesystem_on_both(root: tuple[Storage, str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    storage, base = root
    table = pa.table({"dt": ["2026-01-05"] * 3, "amount": [1, 2, 3]})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    storage.write_bytes(
        join(base, "raw/dt=2026-01-05/part-0.parquet"), sink.getvalue().to_pybytes()
    )
    filesystem, path = storage.arrow_filesystem(join(base, "raw/dt=2026-01-05/part-0.parquet"))
    assert pq.read_table(path, filesystem=filesystem).equals(table)
