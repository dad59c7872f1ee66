"""dbt builds the marts over a crafted raw lake: every test passes, the figures are right to the
cent against an independent computation, and incremental history equals a full refresh."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from puntored.settings import Settings
from puntored.transform.dbt_runner import docs_site_dir, generate_docs, run_transform
from tests.support.raw_lake import RawLake, event, random_events, write_raw_partition

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

FIRST_DAY = date(2026, 11, 2)
FACT_MARTS = ("fct_provider_daily", "fct_provider_product_daily", "fct_provider_client_daily")


def _utc(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)


def _crafted_lake(root: Path) -> RawLake:
    """Random sales of 6 days plus the edge cases the rules are about."""
    lake = RawLake(root)
    random_events(lake, FIRST_DAY, days=6, per_day=120, seed=3)
    day3 = FIRST_DAY + timedelta(days=2)
    # 23:30 Bogota on day 3 is 04:30 UTC on day 4: belongs to dt = day 3.
    lake.add(event("edge-late-evening", _utc(day3 + timedelta(days=1), 4), amount="12345.67"))
    # a sale on day 3 reversed on day 5: the reversal counts on day 5
    lake.add(event("edge-sale", _utc(day3, 15), product_id="tigo_bill", amount="80000.00"))
    lake.add(
        event(
            "edge-reversal",
            _utc(day3 + timedelta(days=2), 15),
            product_id="tigo_bill",
            amount="80000.00",
            event_type="reversal",
            reversed_transaction_id="edge-sale",
        )
    )
    return lake


def _late_rows(day: date) -> list[dict[str, object]]:
    """Events of a past day that land days later, including a re-sent copy of one of them."""
    ingested = _utc(day + timedelta(days=3), 12)
    late = [
        event(f"late-{n}", _utc(day, 16 + n), amount="5000.00", ingested_at=ingested)
        for n in range(3)
    ]
    resent = dict(late[0], ingested_at=ingested + timedelta(hours=1), source_file="resent.gz")
    return [*late, resent]


def _write_extra_part(lake_root: Path, day: date, rows: list[dict[str, object]]) -> None:
    write_raw_partition(lake_root, day, rows, part=1)


def _build(data_dir: Path, **options: object) -> None:
    result = run_transform(Settings(data_dir=data_dir), **options)  # type: ignore[arg-type]
    assert result.succeeded, result.failures
    assert result.counts.get("pass", 0) > 50  # the data and unit tests did run


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two warehouses over the same final lake: one built day by day, one full refresh."""
    late_day = FIRST_DAY + timedelta(days=3)
    incremental = tmp_path_factory.mktemp("incremental")
    lake = _crafted_lake(incremental / "lake")
    days = sorted(lake.rows)
    lake.write(days[:4])
    _build(incremental)
    lake.write(days[4:5])
    _write_extra_part(incremental / "lake", late_day, _late_rows(late_day))  # within lookback
    _build(
        incremental,
        select="fct_provider_daily+ fct_provider_product_daily+ fct_provider_client_daily+",
    )
    lake.write(days[5:])
    _build(incremental)

    full = tmp_path_factory.mktemp("full")
    shutil.copytree(incremental / "lake", full / "lake")
    _build(full, full_refresh=True)
    return {"incremental": incremental, "full": full}


def _rows(data_dir: Path, mart: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        # _built_at says which run built a day; the figures are the rest
        return con.sql(f"select * exclude (_built_at) from {mart} order by all").fetchall()


INDEPENDENT_PROVIDER_DAY = """
with events as (
    select distinct on (transaction_id) *
    from read_parquet('{lake}/raw/transactions/*/*.parquet', hive_partitioning = true)
    order by transaction_id, ingested_at
), days as (
    select *, cast(timezone('America/Bogota', event_at) as date) as bogota_day from events
)
select
    provider_id,
    bogota_day,
    count(*) filter (event_type = 'sale') as transactions,
    count(*) filter (event_type = 'sale' and status = 'approved') as approved,
    count(*) filter (event_type = 'sale' and status = 'rejected') as rejected,
    count(*) filter (event_type = 'sale' and status = 'failed') as failed,
    count(*) filter (event_type = 'reversal' and status = 'approved') as reversed,
    coalesce(sum(amount) filter (event_type = 'sale' and status = 'approved'), 0) as gross,
    coalesce(sum(amount) filter (event_type = 'reversal' and status = 'approved'), 0) as rev,
    coalesce(sum(commission) filter (event_type = 'sale' and status = 'approved'), 0)
      - coalesce(sum(commission) filter (event_type = 'reversal' and status = 'approved'), 0)
      as commission,
    count(distinct client_id) filter (event_type = 'sale') as distinct_clients,
    quantile_disc(latency_ms, 0.5) filter (event_type = 'sale') as p50,
    quantile_disc(latency_ms, 0.95) filter (event_type = 'sale') as p95
from days
group by all
order by all
"""


def test_every_dbt_test_passes_and_incremental_history_equals_full_refresh(
    warehouses: dict[str, Path],
) -> None:
    for mart in FACT_MARTS:
        incremental_rows = _rows(warehouses["incremental"], mart)
        assert incremental_rows, mart
        assert incremental_rows == _rows(warehouses["full"], mart), mart


def test_provider_day_metrics_match_an_independent_computation_to_the_cent(
    warehouses: dict[str, Path],
) -> None:
    data_dir = warehouses["incremental"]
    with duckdb.connect() as con:
        con.sql("set TimeZone = 'UTC'")
        expected = con.sql(INDEPENDENT_PROVIDER_DAY.format(lake=data_dir / "lake")).fetchall()
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        actual = con.sql(
            "select provider_id, dt, transactions, approved, rejected, failed, reversed,"
            " gross_amount, reversed_amount, commission, distinct_clients,"
            " latency_p50_ms, latency_p95_ms, net_amount, approval_rate, average_ticket"
            " from fct_provider_daily order by provider_id, dt"
        ).fetchall()
    assert [row[:13] for row in actual] == expected
    for row in actual:
        transactions, approved, gross, reversed_amount = row[2], row[3], row[7], row[8]
        assert row[13] == gross - reversed_amount
        assert row[14] == (approved / transactions if transactions else None)
        if approved:
            assert abs(row[15] - gross / approved) <= 0.005
        else:
            assert row[15] is None


def test_reversal_counts_on_its_own_day_and_late_events_corrected_their_day(
    warehouses: dict[str, Path],
) -> None:
    with duckdb.connect(str(warehouses["incremental"] / "warehouse.duckdb"), read_only=True) as c:
        reversal_day = c.execute(
            "select reversed_amount from fct_provider_product_daily"
            " where product_id = 'tigo_bill' and dt = ?",
            [FIRST_DAY + timedelta(days=4)],
        ).fetchone()
        late = c.execute(
            "select count(*) from int_transactions_netted where transaction_id like 'late-%'"
        ).fetchone()
        late_day = c.execute(
            "select transactions from fct_provider_client_daily where provider_id = 'claro'"
            " and client_id = 'PDV000001' and dt = ?",
            [FIRST_DAY + timedelta(days=3)],
        ).fetchone()
        direct = c.execute(
            "select count(distinct transaction_id) from stg_raw__transactions"
            " where provider_id = 'claro' and client_id = 'PDV000001' and event_type = 'sale'"
            " and dt = ?",
            [FIRST_DAY + timedelta(days=3)],
        ).fetchone()
    assert reversal_day is not None and reversal_day[0] >= 80000
    assert late == (3,)  # the re-sent copy was dropped
    assert late_day == direct


@pytest.fixture(scope="module")
def docs_site(warehouses: dict[str, Path]) -> Path:
    """`dbt docs generate` (offline) over the incremental warehouse: the site's folder."""
    settings = Settings(data_dir=warehouses["incremental"])
    result = generate_docs(settings)
    assert result.succeeded, result.failures
    return docs_site_dir(settings)


def test_docs_generate_works_offline_and_describes_the_marts(docs_site: Path) -> None:
    site = docs_site
    catalog = json.loads((site / "catalog.json").read_text())
    manifest = json.loads((site / "manifest.json").read_text())
    assert "model.puntored.fct_provider_daily" in catalog["nodes"]
    assert (site / "index.html").exists()
    approval = manifest["nodes"]["model.puntored.fct_provider_daily"]["columns"]["approval_rate"]
    assert "approved / transactions" in approval["description"]
    assert "exposure.puntored.provider_api" in manifest["exposures"]


def test_docs_site_opens_on_the_projects_own_overview(docs_site: Path) -> None:
    site = docs_site
    manifest = json.loads((site / "manifest.json").read_text())
    # The site's OverviewCtrl (index.html): dbt's stock page unless a package has __overview__.
    assert '"dbt"!=e.package_name&&(i=e)' in (site / "index.html").read_text()
    shown = manifest["docs"]["doc.dbt.__overview__"]
    for doc in manifest["docs"].values():
        if doc["name"] == "__overview__" and doc["package_name"] != "dbt":
            shown = doc
    assert shown["unique_id"] == "doc.puntored.__overview__"
    for part in ("PuntoRed Analytics", "## Layers", "## How to run it", "models/docs/metrics.md"):
        assert part in shown["block_contents"], part
