"""``puntored freshness``: the daily run's last step (and the Step Functions' Freshness state)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from sqlalchemy import create_engine, text

from puntored.database.migrate import upgrade
from puntored.pipeline import (
    PIPELINE_METRICS_NAMESPACE,
    MartsNotCurrent,
    check_freshness,
    freshness,
)
from puntored.settings import Settings
from tests.support.api_seed import LAST_DAY, seed_serving
from tests.support.raw_lake import write_raw_partition

# 03:00 in Bogota on the day after LAST_DAY: the marts are 3 hours behind the end of LAST_DAY.
NOW = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, 8, tzinfo=UTC) + timedelta(days=1)


def _served(settings: Settings) -> Settings:
    upgrade(settings.serving_database_url)
    seed_serving(settings.serving_database_url, NOW)
    return settings


def test_current_marts_report_their_lag_and_record_the_newest_landed_day(
    settings: Settings,
) -> None:
    _served(settings)
    write_raw_partition(settings.lake_dir, LAST_DAY + timedelta(days=1), [])
    measured = check_freshness(settings, LAST_DAY, now=NOW)
    assert measured.current and measured.newest_served == LAST_DAY
    assert measured.lag_hours == pytest.approx(3.0)
    assert measured.newest_landed == LAST_DAY + timedelta(days=1)
    engine = create_engine(settings.serving_database_url)
    with engine.connect() as connection:
        land = connection.execute(
            text("select last_dt from pipeline_status where stage = 'land'")
        ).scalar()
    engine.dispose()
    assert str(land) == str(LAST_DAY + timedelta(days=1))  # /freshness sees the Glue job's day


def test_marts_behind_the_day_fail_the_stage_naming_both_days(settings: Settings) -> None:
    _served(settings)
    later = LAST_DAY + timedelta(days=2)
    with pytest.raises(
        MartsNotCurrent, match=f"do not reach {later}.*newest served day {LAST_DAY}"
    ):
        freshness(settings, later)


def test_freshness_cli_on_an_empty_database_is_one_line(settings: Settings, tmp_path: Path) -> None:
    upgrade(settings.serving_database_url)
    env = {**os.environ, "PUNTORED_DATA_DIR": str(settings.data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "puntored", "freshness", "--date", "2026-03-05"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: the served marts do not reach 2026-03-05: no served data yet "
        "(newest landed day none)"
    ]


def test_aws_mode_publishes_the_lag_for_the_stale_marts_alarm(
    aws_settings: Settings, postgres_url: str
) -> None:
    settings = _served(aws_settings.model_copy(update={"database_url": postgres_url}))
    check_freshness(settings, LAST_DAY, now=NOW)
    cloudwatch = boto3.client(
        "cloudwatch", endpoint_url=settings.aws_endpoint_url, region_name="us-east-1"
    )
    stats = cloudwatch.get_metric_statistics(
        Namespace=PIPELINE_METRICS_NAMESPACE,
        MetricName="FreshnessLagHours",
        StartTime=datetime.now(UTC) - timedelta(minutes=10),
        EndTime=datetime.now(UTC) + timedelta(minutes=10),
        Period=60,
        Statistics=["Maximum"],
    )
    assert [point["Maximum"] for point in stats["Datapoints"]] == [pytest.approx(3.0)]
