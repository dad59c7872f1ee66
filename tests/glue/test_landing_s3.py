"""The landing job's control plane on S3 and the Glue Data Catalog (moto's server).

Spark cannot read or write ``s3://`` here (no Hadoop S3 connector), so the Parquet objects the
Spark part would write to the run's staging prefix are placed by the test through the storage
layer; everything around them — discovery, the gzip checks, the bookmark, stale staging, the
manifest, the copy to a run-scoped prefix and the partition switch in the catalog — is the job's
own code against moto's S3 and Glue APIs (docs/aws.md, "Landing").
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from puntored.errors import PuntoredError
from puntored.glue import land_transactions
from puntored.glue.catalog import create_raw_tables
from puntored.glue.landing import files, publish, run
from puntored.glue.landing.config import LandingConfig, build_config
from puntored.glue.landing.local import local_config
from puntored.settings import Settings
from puntored.storage import AwsConfig, Storage, join
from tests.support.landing_corpus import bogota, event, line

DAY = date(2026, 11, 2)
LATER = date(2026, 11, 3)


class Killed(BaseException):
    """The process dies here (kill -9 as seen from the objects it leaves behind)."""


@pytest.fixture
def config(aws_settings: Settings) -> LandingConfig:
    return local_config(aws_settings)


@pytest.fixture
def storage(aws_settings: Settings) -> Storage:
    return Storage.from_settings(aws_settings)


@pytest.fixture
def catalog(aws_settings: Settings, config: LandingConfig) -> Iterator[Any]:
    """The raw database and tables in moto's Glue Data Catalog, as infra/ deploys them."""
    glue = AwsConfig.from_settings(aws_settings).client("glue")
    database = f"raw_{config.lake.rsplit('/', 1)[-1].replace('-', '_')}"
    create_raw_tables(glue, database, config.lake)
    yield glue, database
    for table in glue.get_tables(DatabaseName=database)["TableList"]:
        glue.delete_table(DatabaseName=database, Name=table["Name"])
    glue.delete_database(Name=database)


def _gz(lines: list[str]) -> bytes:
    return gzip.compress("".join(f"{text}\n" for text in lines).encode())


def _landing(config: LandingConfig, relative: str) -> str:
    return join(config.landing, relative)


def _folder(day: date, hour: int) -> str:
    return f"transactions/arrival_date={day.isoformat()}/hour={hour:02d}"


def test_discovery_accounts_for_every_file_in_the_bucket(
    config: LandingConfig, storage: Storage
) -> None:
    good = _gz([line(event(1, bogota(DAY, 10)))])
    placed = {
        f"{_folder(DAY, 10)}/part-00000.jsonl.gz": good,
        f"{_folder(DAY, 11)}/part-00000.json.gz": good,
        f"{_folder(DAY, 12)}/part-00000.jsonl": b'{"plain": true}\n',
        f"{_folder(DAY, 12)}/README.txt": b"notes",
        f"{_folder(DAY, 13)}/part-00000.jsonl.gz": good[:-9],  # truncated
        f"{_folder(DAY, 14)}/part-00000.jsonl.gz": b"",
        f"{_folder(LATER, 10)}/part-00000.jsonl.gz": good,
        "_manifests/generate-1.json": b"{}",  # not under transactions/: not landing input
    }
    for relative, body in placed.items():
        storage.write_bytes(_landing(config, relative), body)

    found = files.discover(storage, config.landing, last=DAY)

    assert [f.relative for f in found.files] == [
        f"{_folder(DAY, 10)}/part-00000.jsonl.gz",
        f"{_folder(DAY, 11)}/part-00000.json.gz",
        f"{_folder(DAY, 13)}/part-00000.jsonl.gz",
        f"{_folder(DAY, 14)}/part-00000.jsonl.gz",
    ]
    assert all(f.location.startswith("s3://") for f in found.files)
    assert found.skipped == {
        f"{_folder(DAY, 12)}/README.txt": "wrong_extension",
        f"{_folder(DAY, 12)}/part-00000.jsonl": "wrong_extension",
    }
    assert found.found == 6
    assert files.check_files(storage, found.files) == {
        f"{_folder(DAY, 13)}/part-00000.jsonl.gz": "unreadable_file:truncated_gzip",
        f"{_folder(DAY, 14)}/part-00000.jsonl.gz": "unreadable_file:empty",
    }


def test_bookmark_round_trips_through_the_state_bucket(
    config: LandingConfig, storage: Storage
) -> None:
    storage.write_bytes(_landing(config, f"{_folder(DAY, 10)}/part-00000.jsonl.gz"), _gz(["{}"]))
    (landing_file,) = files.list_landing_files(storage, config.landing)
    bookmark = files.Bookmark(storage, config.bookmark)
    assert bookmark.is_new(landing_file.relative, landing_file.size)

    bookmark.mark({landing_file.relative: landing_file.size})
    bookmark.save()

    again = files.Bookmark(storage, config.bookmark)
    assert config.bookmark.startswith("s3://")
    assert not again.is_new(landing_file.relative, landing_file.size)
    assert again.is_new(landing_file.relative, landing_file.size + 1)  # resized: read again


def test_preflight_cleans_dead_runs_staging_and_refuses_a_missing_bucket_in_one_line(
    config: LandingConfig, storage: Storage, aws_settings: Settings
) -> None:
    leftover = join(config.staging("20260101T000000000000Z"), "transactions/_temporary/0/x")
    storage.write_bytes(leftover, b"half a file")

    run.preflight(config, storage, "now")
    removed = run.remove_stale_staging(config, storage, "now")

    assert removed == ["20260101T000000000000Z"]
    assert storage.list_files(config.staging_root) == []
    gone = build_config(
        config.landing, "s3://puntored-no-such-bucket", config.state,
        glue_database="raw", aws=config.aws,
    )  # fmt: skip
    with pytest.raises(PuntoredError) as refused:
        run.preflight(gone, storage, "now")
    message = str(refused.value)
    assert message.startswith("the lake is not writable, nothing was read: cannot write")
    assert "NoSuchBucket" in message and "\n" not in message


def test_the_manifest_is_written_to_the_lake_bucket(
    config: LandingConfig, storage: Storage
) -> None:
    result = run.LandingResult(run_id="r1", started_at="2026-11-02T15:00:00Z", records_read=3)
    result.landed, result.quarantined_by_reason = 2, {"unknown_client": 1}
    result.quarantined = 1
    result.skipped_files = {f"{_folder(DAY, 12)}/a.txt": "wrong_extension"}

    location = run._write_manifest(storage, config, result)

    assert location == join(config.lake, "_manifests", "land-r1.json")
    manifest = storage.read_json(location)
    assert manifest["conservation"]["holds"] is True
    assert manifest["quarantined_by_code"] == {"unknown_client": 1}
    assert manifest["skipped_files"] == result.skipped_files


# -- publish ---------------------------------------------------------------------------------


def _rows(ids: list[str], day: date) -> pa.Table:
    return pa.table({"transaction_id": ids, "event_at": [f"{day}T12:00:00Z"] * len(ids)})


def _stage(
    storage: Storage, config: LandingConfig, run_id: str, days: dict[date, list[str]]
) -> str:
    """What the Spark part writes: ``<staging>/transactions/dt=D/part-*.parquet`` + _SUCCESS."""
    staged = join(config.staging(run_id), "transactions")
    for day, ids in days.items():
        sink = io.BytesIO()
        pq.write_table(_rows(ids, day), sink)
        storage.write_bytes(join(staged, f"dt={day}", "part-00000-x.zstd.parquet"), sink.getvalue())
    storage.write_bytes(join(staged, "_SUCCESS"), b"")
    return staged


def _switch(storage: Storage, config: LandingConfig, catalog: Any, run_id: str) -> Any:
    _glue, database = catalog
    return publish.CatalogSwitch(
        storage, config.aws, database, "transactions", config.transactions, run_id
    )


def _published_ids(storage: Storage, location: str | None) -> list[str]:
    """Every row a reader of the partition's catalog location sees."""
    assert location is not None
    ids: list[str] = []
    for entry in storage.list_files(location):
        filesystem, path = storage.arrow_filesystem(entry.location)
        ids += pq.read_table(path, filesystem=filesystem).column("transaction_id").to_pylist()
    return sorted(ids)


def test_publish_registers_each_day_at_its_run_scoped_prefix(
    config: LandingConfig, storage: Storage, catalog: Any
) -> None:
    glue, database = catalog
    staged = _stage(storage, config, "r1", {DAY: ["a", "b"], LATER: ["c"]})

    days = _switch(storage, config, catalog, "r1").publish(staged)

    assert days == [DAY, LATER]
    partitions = glue.get_partitions(DatabaseName=database, TableName="transactions")
    locations = {
        p["Values"][0]: p["StorageDescriptor"]["Location"] for p in partitions["Partitions"]
    }
    assert locations == {
        str(DAY): f"{config.transactions}/dt={DAY}/run=r1/",
        str(LATER): f"{config.transactions}/dt={LATER}/run=r1/",
    }
    (partition,) = [p for p in partitions["Partitions"] if p["Values"] == [str(DAY)]]
    assert partition["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith(
        "ParquetHiveSerDe"
    )
    assert _published_ids(storage, locations[str(DAY)]) == ["a", "b"]
    assert _published_ids(storage, locations[str(LATER)]) == ["c"]


def test_late_events_merge_into_an_existing_day_without_doubles(
    config: LandingConfig, storage: Storage, catalog: Any
) -> None:
    first = _switch(storage, config, catalog, "r1")
    first.publish(_stage(storage, config, "r1", {DAY: ["a", "b", "c"]}))
    before = first.current(DAY)

    # The Spark part read r1's rows back through the catalog and merged the late ones in.
    second = _switch(storage, config, catalog, "r2")
    assert second.current(DAY) == before
    second.publish(_stage(storage, config, "r2", {DAY: ["a", "b", "c", "late-1", "late-2"]}))

    after = second.current(DAY)
    assert after == f"{config.transactions}/dt={DAY}/run=r2/"
    assert _published_ids(storage, after) == ["a", "b", "c", "late-1", "late-2"]
    assert _published_ids(storage, before) == ["a", "b", "c"]  # kept for queries in flight

    third = _switch(storage, config, catalog, "r3")
    third.publish(_stage(storage, config, "r3", {DAY: ["a", "b", "c", "late-1", "late-2", "x"]}))
    versions = {
        e.relative.split("/", 1)[0]
        for e in storage.list_files(join(config.transactions, f"dt={DAY}"))
    }
    assert versions == {"run=r2", "run=r3"}  # r1, two versions back, is gone


def test_a_run_dying_midway_leaves_the_published_partition_intact(
    config: LandingConfig,
    storage: Storage,
    catalog: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(storage, config, catalog, "r1").publish(
        _stage(storage, config, "r1", {DAY: ["a", "b"], LATER: ["c"]})
    )
    storage.delete_prefix(config.staging("r1"))  # as land() does once r1 has published
    published = {day: _switch(storage, config, catalog, "r1").current(day) for day in (DAY, LATER)}

    dying = _switch(storage, config, catalog, "r2")
    staged = _stage(storage, config, "r2", {DAY: ["a", "b", "d"], LATER: ["c", "e"]})
    switch = publish.CatalogSwitch._switch

    def die_on_the_second_day(self: Any, day: date, *args: Any) -> Any:
        if day == LATER:
            raise Killed  # after its copies, before its switch
        return switch(self, day, *args)

    monkeypatch.setattr(publish.CatalogSwitch, "_switch", die_on_the_second_day)
    with pytest.raises(Killed):
        dying.publish(staged)
    monkeypatch.undo()

    # The day switched before the kill is whole and new; the other is whole and old.
    assert _published_ids(storage, dying.current(DAY)) == ["a", "b", "d"]
    assert dying.current(LATER) == published[LATER]
    assert _published_ids(storage, dying.current(LATER)) == ["c"]

    # The next run cleans what the dead run left and publishes; nothing is doubled.
    assert run.remove_stale_staging(config, storage, "r3") == ["r2"]
    redo = _switch(storage, config, catalog, "r3")
    redo.publish(_stage(storage, config, "r3", {LATER: ["c", "e"]}))
    assert _published_ids(storage, redo.current(LATER)) == ["c", "e"]
    later_versions = {
        e.relative.split("/", 1)[0]
        for e in storage.list_files(join(config.transactions, f"dt={LATER}"))
    }
    assert later_versions == {"run=r1", "run=r3"}  # r2's unswitched copy is gone


def test_a_catalog_refusal_is_one_line(config: LandingConfig, storage: Storage) -> None:
    switch = publish.CatalogSwitch(
        storage, config.aws, "no_such_database", "transactions", config.transactions, "r1"
    )
    staged = _stage(storage, config, "r1", {DAY: ["a"]})

    with pytest.raises(publish.PublishError) as refused:
        switch.publish(staged)

    assert "Glue Data Catalog refused no_such_database.transactions" in str(refused.value)
    assert "EntityNotFoundException" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_the_glue_script_takes_s3_arguments(aws_settings: Settings) -> None:
    config = land_transactions._config(
        {
            "landing_uri": aws_settings.landing_location,
            "lake_uri": aws_settings.lake_location,
            "state_uri": aws_settings.state_location,
            "glue_database": "puntored_raw",
            "max_line_bytes": "4096",
        }
    )

    assert config.lake == aws_settings.lake_location and config.on_s3
    assert config.glue_database == "puntored_raw"
    assert config.max_line_bytes == 4096
