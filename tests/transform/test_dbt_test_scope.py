"""An incremental transform tests only what it changed (issue 14; decision 0320): a bad row in a
day outside the rebuilt window is not read by the tests of an incremental run, the same row
inside the window fails it, and every row is tested with ``test_scope="all"`` (full refresh, CI).
``_built_at`` names the days each run rebuilt."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from puntored.settings import Settings
from puntored.transform.dbt_runner import TransformError, default_test_scope, run_transform
from tests.support.raw_lake import RawLake, event, random_events, write_raw_partition

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

FIRST_DAY = date(2026, 11, 2)
HISTORY_DAYS = 10
LOOKBACK = 5  # dbt_project.yml
NEGATIVE_AMOUNT_TEST = "not_negative_stg_raw__transactions_amount"


def _plant_negative_amount(lake_root: Path, day: date) -> None:
    """A row no landing job would write (the job quarantines negative amounts)."""
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=17)
    row = event(f"planted-{day.isoformat()}", at, amount="-5.00", commission="0.00")
    write_raw_partition(lake_root, day, [row], part=9)


def _built_days(data_dir: Path) -> dict[datetime, list[date]]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql(
            "select _built_at, list(distinct dt order by dt) from fct_provider_daily group by all"
        ).fetchall()
    return dict(rows)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RawLake]:
    data_dir = tmp_path_factory.mktemp("scope")
    lake = RawLake(data_dir / "lake")
    random_events(lake, FIRST_DAY, days=HISTORY_DAYS + 1, per_day=60, seed=5)
    days = sorted(lake.rows)
    lake.write(days[:HISTORY_DAYS])
    run_transform(Settings(data_dir=data_dir), test_scope="all")
    lake.write(days[HISTORY_DAYS:])
    return data_dir, lake


def test_an_incremental_run_rebuilds_and_tests_the_lookback_window_only(
    history: tuple[Path, RawLake],
) -> None:
    data_dir, lake = history
    newest_before = FIRST_DAY + timedelta(days=HISTORY_DAYS - 1)
    _plant_negative_amount(data_dir / "lake", FIRST_DAY)  # long before the window

    result = run_transform(Settings(data_dir=data_dir), test_scope="changed")

    assert result.succeeded and not result.failures
    built = _built_days(data_dir)
    assert len(built) == 2  # the first build, then this run
    first_build, this_run = (built[key] for key in sorted(built))
    window_start = newest_before - timedelta(days=LOOKBACK)
    assert this_run == [d for d in sorted(lake.rows) if d >= window_start]
    assert first_build == [d for d in sorted(lake.rows) if d < window_start]

    with pytest.raises(TransformError, match=NEGATIVE_AMOUNT_TEST):
        run_transform(Settings(data_dir=data_dir), test_scope="all")


def test_a_bad_row_in_a_rebuilt_day_still_fails_the_incremental_run(
    history: tuple[Path, RawLake],
) -> None:
    data_dir, lake = history
    _plant_negative_amount(data_dir / "lake", max(lake.rows))
    with pytest.raises(TransformError, match=NEGATIVE_AMOUNT_TEST):
        run_transform(Settings(data_dir=data_dir), test_scope="changed")


def test_full_refresh_and_ci_test_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert default_test_scope(full_refresh=False) == "changed"
    assert default_test_scope(full_refresh=True) == "all"
    monkeypatch.setenv("CI", "true")
    assert default_test_scope(full_refresh=False) == "all"
