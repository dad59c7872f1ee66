"""The Glue landing job on real Spark (local[2]) over small hand-made landing corpora."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from pyspark.sql import SparkSession

from puntored.glue.landing import dedup
from puntored.glue.landing.local import run_landing
from puntored.glue.landing.run import ConservationError, LandingResult
from puntored.settings import Settings
from tests.support.landing_corpus import (
    bogota,
    event,
    landing_path,
    line,
    write_generator_style_corpus,
    write_lines,
)

pytestmark = [pytest.mark.spark, pytest.mark.slow]

DAY = date(2026, 11, 2)
EVIL_CLIENT = '=HYPERLINK("http://evil","x")'


def land(settings: Settings, spark: SparkSession, **options: object) -> LandingResult:
    return run_landing(settings, spark=spark, **options)  # type: ignore[arg-type]


def lake_rows(settings: Settings, table: str = "transactions") -> list[tuple]:
    glob = settings.lake_dir / "raw" / table / "*" / "*.parquet"
    sql = f"select * from read_parquet('{glob}', hive_partitioning = true)"
    return duckdb.sql(sql).fetchall()


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_conservation_against_ground_truth_manifest(
    settings: Settings, spark: SparkSession
) -> None:
    truth = write_generator_style_corpus(settings.landing_dir, DAY)

    result = land(settings, spark)

    expected = truth["expected"]
    assert result.landed == expected["landed"]
    assert result.quarantined == expected["quarantined"]
    assert result.duplicates == expected["duplicates"]
    assert len(result.unreadable_files) == expected["unreadable_files"]
    assert list(result.unreadable_files) == truth["files"]["truncated"]
    assert result.quarantined_by_code == truth["injected"]["malformed"]
    assert result.records_read == result.landed + result.quarantined + result.duplicates
    by_dt = duckdb.sql(
        f"select cast(dt as varchar), count(*), count(distinct transaction_id) "
        f"from read_parquet('{settings.lake_dir}/raw/transactions/*/*.parquet', "
        f"hive_partitioning = true) group by 1 order by 1"
    ).fetchall()
    assert {day: n for day, n, _ in by_dt} == truth["events"]["by_dt"]
    assert all(n == distinct for _, n, distinct in by_dt)
    manifest = json.loads(Path(result.manifest_path or "").read_text())
    assert manifest["conservation"]["holds"] is True
    assert manifest["unreadable_files"] == {
        truth["files"]["truncated"][0]: "unreadable_file:truncated_gzip"
    }


def test_hostile_corpus_lands_the_good_and_quarantines_the_rest(
    settings: Settings, spark: SparkSession
) -> None:
    good = [line(event(i, bogota(DAY, 10, i))) for i in range(5)]
    bad = {
        "{not json": "malformed_json",
        "": "malformed_json",
        "[1, 2]": "malformed_json",
        "null": "malformed_json",
        line(event(90, bogota(DAY, 10), amount="abc")): "wrong_type:amount",
        line(event(91, bogota(DAY, 10), commission=True)): "wrong_type:commission",
        line({**event(92, bogota(DAY, 10)), "event_at": "yesterday"}): "wrong_type:event_at",
        line({**event(93, bogota(DAY, 10)), "client_id": None}): "missing_field:client_id",
        line(event(94, bogota(DAY, 10), status="maybe")): "invalid_value:status",
        line(event(95, bogota(DAY, 10), event_type="reversal")): (
            "invalid_value:reversed_transaction_id"
        ),
        line(event(96, bogota(DAY, 10), commission=-1.0)): "negative_amount:commission",
        line(event(97, bogota(DAY, 10), provider_id="epm2")): "unknown_provider",
        line(event(98, bogota(DAY, 10), product_id="nope")): "unknown_product",
        line(event(89, bogota(DAY, 10), client_id=EVIL_CLIENT)): "unknown_client",
        line(event(88, bogota(DAY, 10), client_id="PDV999999")): "unknown_client",
        # 10:00 Bogota folder ends 11:00; 11:04 is within the 5-minute tolerance, 11:06 is not
        line(event(99, bogota(DAY, 11, 6))): "future_timestamp",
    }
    tolerated = line(event(100, bogota(DAY, 11, 4)))
    write_lines(landing_path(settings.landing_dir, DAY, 10), [*good, *bad, tolerated])
    landing_path(settings.landing_dir, DAY, 11).write_bytes(b"")
    landing_path(settings.landing_dir, DAY, 12).write_bytes(b"plain text, not gzip\n")
    truncated = landing_path(settings.landing_dir, DAY, 13)
    write_lines(truncated, good)
    truncated.write_bytes(truncated.read_bytes()[:-12])
    with gzip.open(landing_path(settings.landing_dir, DAY, 14), "wb") as handle:
        handle.write(b"\xff\xfe garbage \x00\n" + line(event(7, bogota(DAY, 14))).encode() + b"\n")

    result = land(settings, spark)

    assert result.landed == 7  # tx 0-4, the tolerated event and the one after the garbage
    assert sorted(r[0] for r in lake_rows(settings)) == [
        *(f"tx-{i:06d}" for i in range(5)),
        "tx-000007",
        "tx-000100",
    ]
    assert result.unreadable_files == {
        "transactions/arrival_date=2026-11-02/hour=11/part-00000.jsonl.gz": "unreadable_file:empty",
        "transactions/arrival_date=2026-11-02/hour=12/part-00000.jsonl.gz": (
            "unreadable_file:not_gzip"
        ),
        "transactions/arrival_date=2026-11-02/hour=13/part-00000.jsonl.gz": (
            "unreadable_file:truncated_gzip"
        ),
    }
    quarantine = {
        (raw, reason)
        for raw, reason, _source, _at, _dt in lake_rows(settings, "quarantine")
        if raw is not None
    }
    garbage = b"\xff\xfe garbage \x00".decode("utf-8", errors="replace")
    assert quarantine == {*bad.items(), (garbage, "malformed_json")}
    unreadable_rows = [r for r in lake_rows(settings, "quarantine") if r[0] is None]
    assert sorted(r[1] for r in unreadable_rows) == sorted(result.unreadable_files.values())
    assert result.quarantined == len(bad) + 1
    assert result.records_read == result.landed + result.quarantined + result.duplicates


def test_rerun_changes_nothing_and_reprocess_keeps_contents(
    settings: Settings, spark: SparkSession
) -> None:
    write_generator_style_corpus(settings.landing_dir, DAY, per_day=4)
    first = land(settings, spark)
    before = tree_digest(settings.lake_dir)
    raw_before = sorted(lake_rows(settings))

    again = land(settings, spark)

    assert again.files_read == 0 and again.manifest_path is None
    assert tree_digest(settings.lake_dir) == before

    reprocessed = land(settings, spark, reprocess=True)

    assert reprocessed.landed == 0
    assert reprocessed.duplicates_in_lake == first.landed
    assert reprocessed.partitions_written == []
    assert sorted(lake_rows(settings)) == raw_before
    assert len(lake_rows(settings, "quarantine")) == first.quarantined + 1  # + the truncated file


def test_late_events_merge_into_landed_day(settings: Settings, spark: SparkSession) -> None:
    day1 = [line(event(i, bogota(DAY, 12, i))) for i in range(6)]
    write_lines(landing_path(settings.landing_dir, DAY, 12), day1)
    land(settings, spark)
    landed_before = {r[0]: r for r in lake_rows(settings)}

    later = date(2026, 11, 5)
    late = [line(event(10 + i, bogota(DAY, 23, 58))) for i in range(3)]
    # 04:30 UTC on Nov 3 is 23:30 on Nov 2 in Bogota: still day 1's partition
    late.append(line(event(20, bogota(DAY, 23, 30))))
    write_lines(landing_path(settings.landing_dir, later, 8), [*late, day1[2]])
    result = land(settings, spark, first=later, last=later)

    assert result.landed == 4
    assert result.duplicates_in_lake == 1
    assert result.partitions_written == ["2026-11-02"]
    rows = lake_rows(settings)
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)) == 10
    assert {str(r[-1]) for r in rows} == {"2026-11-02"}
    for transaction_id, row in landed_before.items():
        assert row in rows, f"{transaction_id} changed or was lost by the merge"


def test_broken_conservation_fails_loudly_and_commits_nothing(
    settings: Settings, spark: SparkSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_file = landing_path(settings.landing_dir, DAY, 9)
    write_lines(first_file, [line(event(i, bogota(DAY, 9, i))) for i in range(4)])
    land(settings, spark)
    lake_before = tree_digest(settings.lake_dir)
    state_before = tree_digest(settings.state_dir)
    write_lines(
        landing_path(settings.landing_dir, DAY, 10),
        [line(event(10 + i, bogota(DAY, 10, i))) for i in range(4)],
    )
    keep = dedup.drop_lake_duplicates
    monkeypatch.setattr(dedup, "drop_lake_duplicates", lambda new, old: keep(new, old).limit(1))

    with pytest.raises(ConservationError, match="conservation broken: read 4 != landed 1"):
        land(settings, spark)

    assert tree_digest(settings.lake_dir) == lake_before
    assert tree_digest(settings.state_dir) == state_before


def test_conservation_against_the_real_generator(settings: Settings, spark: SparkSession) -> None:
    from puntored.generator.landing import generate_landing
    from puntored.generator.options import FaultRates, GenerateOptions

    faults = FaultRates(duplicate=0.03, late=0.05, malformed=0.03, truncated_files=1)
    options = GenerateOptions(start=DAY, days=3, events_per_day=400, seed=7, faults=faults)
    truth = generate_landing(settings, options).manifest

    result = land(settings, spark)

    expected = truth["expected"]
    assert result.landed == expected["landed"] == truth["events"]["unique"]
    assert result.quarantined == expected["quarantined"]
    assert result.duplicates == expected["duplicates"] == truth["injected"]["duplicates"]
    assert sorted(result.unreadable_files) == sorted(truth["files"]["truncated"])
    injected = {k: v for k, v in truth["injected"]["malformed"].items() if v}
    assert result.quarantined_by_code == injected
    by_dt = duckdb.sql(
        f"select cast(dt as varchar), count(*) from read_parquet("
        f"'{settings.lake_dir}/raw/transactions/*/*.parquet', hive_partitioning = true) group by 1"
    ).fetchall()
    assert dict(by_dt) == truth["events"]["by_dt"]


def test_every_landing_file_is_read_or_skipped_with_a_reason(
    settings: Settings, spark: SparkSession
) -> None:
    folder = landing_path(settings.landing_dir, DAY, 10).parent
    write_lines(folder / "part-00000.jsonl.gz", [line(event(1, bogota(DAY, 10)))])
    write_lines(folder / "part-00001.json.gz", [line(event(2, bogota(DAY, 10)))])
    (folder / "part-00002.jsonl").write_text(line(event(3, bogota(DAY, 10))) + "\n")
    (folder / "notes.txt").write_text("not data\n")
    (folder / "part-00003.jsonl.gz").write_bytes(b"")

    result = land(settings, spark)

    prefix = "transactions/arrival_date=2026-11-02/hour=10"
    assert result.files_found == 5
    assert result.files_read == 2 and result.landed == 2
    assert result.skipped_files == {
        f"{prefix}/notes.txt": "wrong_extension",
        f"{prefix}/part-00002.jsonl": "wrong_extension",
    }
    assert result.unreadable_files == {f"{prefix}/part-00003.jsonl.gz": "unreadable_file:empty"}
    manifest = json.loads(Path(result.manifest_path or "").read_text())
    assert manifest["skipped_files"] == result.skipped_files
    assert manifest["files_found"] == 5

    again = land(settings, spark)  # reported once: the skipped files are bookmarked too
    assert again.skipped_files == {} and again.manifest_path is None


def test_an_over_long_valid_line_is_line_too_long_not_malformed(
    settings: Settings, spark: SparkSession
) -> None:
    limit = settings.landing_max_line_bytes
    long_line = line(event(1, bogota(DAY, 10), customer_reference="9" * (limit + 10)))
    write_lines(
        landing_path(settings.landing_dir, DAY, 10), [long_line, line(event(2, bogota(DAY, 10)))]
    )

    result = land(settings, spark)

    assert result.quarantined_by_reason == {"line_too_long": 1}
    assert result.landed == 1
    ((raw, reason),) = [(r[0], r[1]) for r in lake_rows(settings, "quarantine")]
    assert reason == "line_too_long"
    assert long_line.startswith(raw) and len(raw) == 1024


def test_leftover_staging_of_a_killed_run_is_cleaned_by_the_next_run(
    settings: Settings, spark: SparkSession
) -> None:
    dead = settings.lake_dir / "_staging" / "20261101T000000000000Z"
    temporary = dead / "transactions" / "_temporary" / "0" / "_temporary"
    temporary.mkdir(parents=True)
    (temporary / "part-00000.parquet").write_bytes(b"half a file")
    write_lines(landing_path(settings.landing_dir, DAY, 10), [line(event(1, bogota(DAY, 10)))])

    result = land(settings, spark)

    assert result.stale_staging_removed == ["20261101T000000000000Z"]
    assert not (settings.lake_dir / "_staging").exists() or not any(
        (settings.lake_dir / "_staging").iterdir()
    )
    assert result.landed == 1
