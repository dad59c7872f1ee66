"""Two ``puntored daily`` runs started at once on one data root (issue 10, run exclusivity).

Before the run lock, both landed the same files (two manifests claiming the same rows, the rows
written twice) and the second failed at transform. Now the second waits for the first
(``PUNTORED_RUN_LOCK_WAIT_SECONDS``), then finds nothing new: one set of rows, one manifest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, text

from puntored.contract.lake import MANIFESTS_FOLDER, RAW_TRANSACTIONS
from puntored.settings import Settings

DAY = "2026-01-05"
pytestmark = [pytest.mark.slow, pytest.mark.spark, pytest.mark.dbt]


def _puntored(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "puntored", *args],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_two_concurrent_daily_runs_leave_one_set_of_rows_and_one_manifest(
    settings: Settings, tmp_path: Path
) -> None:
    env = {**os.environ, "PUNTORED_DATA_DIR": str(settings.data_dir)}
    env["PUNTORED_RUN_LOCK_WAIT_SECONDS"] = "900"
    env.pop("PUNTORED_DATABASE_URL", None)
    generate = _puntored(env, tmp_path, "generate", "--days", "1", "--start", DAY, "--seed", "5")
    assert generate.wait(timeout=300) == 0, generate.communicate()

    runs = [_puntored(env, tmp_path, "daily", "--date", DAY) for _ in range(2)]
    outputs = [run.communicate(timeout=1200) for run in runs]
    for run, (stdout, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stdout + stderr
    waited = [out + err for out, err in outputs if "waiting up to 900 s for the run lock" in err]
    assert len(waited) == 1, outputs  # exactly one of them queued behind the other
    assert "nothing new" in waited[0]

    manifests = sorted((settings.lake_dir / MANIFESTS_FOLDER).glob("land-*.json"))
    assert len(manifests) == 1, manifests
    manifest = json.loads(manifests[0].read_text())
    assert manifest["conservation"]["holds"]
    raw = settings.lake_dir / RAW_TRANSACTIONS.relative / "*" / "*.parquet"
    with duckdb.connect() as lake:
        rows, distinct = lake.execute(
            f"select count(*), count(distinct transaction_id) from read_parquet('{raw}')"
        ).fetchone()  # type: ignore[misc]
    assert rows == distinct == manifest["landed"] > 1000

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as warehouse:
        (mart_rows,) = warehouse.execute("select count(*) from main.fct_provider_daily").fetchone()  # type: ignore[misc]
    serving = create_engine(settings.serving_database_url)
    with serving.connect() as connection:
        served = connection.execute(text("select count(*) from provider_daily_metrics")).scalar()
    serving.dispose()
    assert served == mart_rows > 0
