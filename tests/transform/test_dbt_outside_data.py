"""Data from outside never stops the day: events with unknown reference keys are set aside
before the marts (a warning, not a failure), a high quarantine rate warns, and every other
provider's numbers are complete (issue 10; decision 0310)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from puntored.settings import Settings
from puntored.transform.dbt_runner import TransformResult, run_transform
from tests.support.raw_lake import RawLake, event, random_events, write_quarantine_partition

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

FIRST_DAY = date(2026, 11, 2)
BAD_DAY = FIRST_DAY + timedelta(days=1)
EVIL_CLIENT = '=HYPERLINK("http://evil","x")'


def _bad_reference_events() -> dict[str, dict[str, object]]:
    """One event per reference problem, as a landing job without the reference check lands them."""
    at = datetime.combine(BAD_DAY, datetime.min.time(), UTC) + timedelta(hours=15)
    unknown_client = event("bad-client", at, client_id=EVIL_CLIENT)
    other_provider = event("bad-pair", at, product_id="claro_topup") | {"provider_id": "tigo"}
    unknown_provider = event("bad-provider", at) | {"provider_id": "acme", "product_id": "acme_x"}
    return {
        "unknown_client": unknown_client,
        "unknown_product": other_provider,
        "unknown_provider": unknown_provider,
    }


def _quarantined(day: date, movistar: int, malformed: int) -> list[dict[str, object]]:
    source = f"landing/transactions/arrival_date={day.isoformat()}/hour=10/part-00001.jsonl.gz"
    ingested = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=16)
    rows: list[dict[str, object]] = [
        {
            "raw_record": json.dumps({"transaction_id": f"q{n}", "provider_id": "movistar"}),
            "reason": "missing_field:amount",
            "source_file": source,
            "ingested_at": ingested,
        }
        for n in range(movistar)
    ]
    rows += [
        {"raw_record": '{"transaction_id": "x', "reason": "malformed_json"}
        | {"source_file": source, "ingested_at": ingested}
        for _ in range(malformed)
    ]
    return rows


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RawLake, TransformResult]:
    data_dir = tmp_path_factory.mktemp("outside")
    lake = RawLake(data_dir / "lake")
    random_events(lake, FIRST_DAY, days=3, per_day=120, seed=11)
    for row in _bad_reference_events().values():
        lake.add(row)
    lake.write()
    write_quarantine_partition(
        data_dir / "lake", BAD_DAY, _quarantined(BAD_DAY, movistar=40, malformed=3)
    )
    result = run_transform(Settings(data_dir=data_dir), test_scope="all")
    return data_dir, lake, result


def test_the_day_completes_and_only_warns_about_data_from_outside(
    built: tuple[Path, RawLake, TransformResult],
) -> None:
    _, _, result = built
    assert result.succeeded
    assert not result.failures
    assert set(result.warnings) == {
        "is_null_int_transactions_deduplicated_reference_problem",
        "assert_quarantine_rate_below_threshold",
    }
    assert result.counts.get("pass", 0) > 50


def test_events_with_unknown_keys_are_set_aside_with_the_landing_reason(
    built: tuple[Path, RawLake, TransformResult],
) -> None:
    data_dir, _, _ = built
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        problems = dict(
            con.sql(
                "select transaction_id, reference_problem from int_transactions_deduplicated"
                " where reference_problem is not null"
            ).fetchall()
        )
        in_marts = con.execute(
            "select count(*) from int_transactions_netted where transaction_id like 'bad-%'"
        ).fetchone()
        unknown_clients = con.execute(
            "select count(*) from fct_provider_client_daily"
            " where client_id not in (select client_id from dim_clients)"
        ).fetchone()
        acme = con.execute(
            "select count(*) from fct_provider_daily where provider_id = 'acme'"
        ).fetchone()
    bad = _bad_reference_events()
    assert problems == {row["transaction_id"]: reason for reason, row in bad.items()}
    assert in_marts == (0,)
    assert unknown_clients == (0,)
    assert acme == (0,)


def test_every_other_event_is_in_the_marts(built: tuple[Path, RawLake, TransformResult]) -> None:
    data_dir, lake, _ = built
    expected: dict[tuple[str, date], int] = {}
    for day, rows in lake.rows.items():
        for row in rows:
            if str(row["transaction_id"]).startswith("bad-"):
                continue
            key = (str(row["provider_id"]), day)  # a day of reversals only has a row too
            expected[key] = expected.get(key, 0) + (row["event_type"] == "sale")
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("select provider_id, dt, transactions from fct_provider_daily").fetchall()
    assert {(provider, dt): count for provider, dt, count in rows} == expected


def test_quarantine_is_modelled_with_the_provider_named_in_the_record(
    built: tuple[Path, RawLake, TransformResult],
) -> None:
    data_dir, _, _ = built
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        counts = con.sql(
            "select provider_id, reason_code, dt, count(*) from stg_raw__quarantine"
            " group by all order by all"
        ).fetchall()
    assert counts == [
        ("movistar", "missing_field", BAD_DAY, 40),
        (None, "malformed_json", BAD_DAY, 3),
    ]
