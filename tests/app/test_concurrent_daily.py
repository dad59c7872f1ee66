"""Two ``puntored daily`` runs started at once on one data root, over a day that carries one
point of sale's bad record (issue 10: run exclusivity, and one bad record never stops the day).

Before the run lock, both runs landed the same files (two manifests claiming the same rows, the
rows written twice) and the second failed at transform. Now the second waits for the first
(``PUNTORED_RUN_LOCK_WAIT_SECONDS``), then finds nothing new: one set of rows, one manifest.

Before referential validation at landing, a record whose ``client_id`` is
``=HYPERLINK("http://evil","x")`` landed in raw and dbt's ``relationships`` test on
``fct_provider_client_daily`` stopped ``puntored daily`` at transform. Now landing quarantines
it as ``unknown_client`` (counted in the manifest, conservation holding) and the day completes.

One test for both: each needs a whole ``daily`` run in a child process (about a minute here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import create_engine, text

from puntored.contract.lake import MANIFESTS_FOLDER, RAW_QUARANTINE, RAW_TRANSACTIONS
from puntored.settings import Settings
from tests.support.landing_corpus import bogota, event, landing_path, line, write_lines

DAY = "2026-01-05"
EVIL_CLIENT = '=HYPERLINK("http://evil","x")'
pytestmark = [pytest.mark.slow, pytest.mark.spark, pytest.mark.dbt]


def _puntored(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "puntored", *args],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _day_with_a_bad_client(settings: Settings, env: dict[str, str], cwd: Path) -> None:
    generate = _puntored(
        env, cwd, "generate", "--days", "1", "--start", DAY, "--seed", "5",
        "--events-per-day", "1500", "--malformed-rate", "0", "--truncated-files", "0",
    )  # fmt: skip
    assert generate.wait(timeout=300) == 0, generate.communicate()
    day = date.fromisoformat(DAY)
    evil = event(900_001, bogota(day, 15), client_id=EVIL_CLIENT, provider_id="claro")
    write_lines(landing_path(settings.landing_dir, day, 23, part=99), [line(evil)])


def _only_manifest(settings: Settings) -> dict[str, Any]:
    manifests = sorted((settings.lake_dir / MANIFESTS_FOLDER).glob("land-*.json"))
    assert len(manifests) == 1, manifests
    manifest: dict[str, Any] = json.loads(manifests[0].read_text())
    return manifest


def test_two_concurrent_daily_runs_over_a_bad_client_leave_one_set_of_rows_and_all_numbers(
    settings: Settings, tmp_path: Path
) -> None:
    env = {**os.environ, "PUNTORED_DATA_DIR": str(settings.data_dir)}
    env["PUNTORED_RUN_LOCK_WAIT_SECONDS"] = "900"
    env.pop("PUNTORED_DATABASE_URL", None)
    _day_with_a_bad_client(settings, env, tmp_path)

    runs = [_puntored(env, tmp_path, "daily", "--date", DAY) for _ in range(2)]
    outputs = [run.communicate(timeout=1200) for run in runs]
    for run, (stdout, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stdout + stderr
    waited = [out + err for out, err in outputs if "waiting up to 900 s for the run lock" in err]
    assert len(waited) == 1, outputs  # exactly one of them queued behind the other
    assert "nothing new" in waited[0]

    manifest = _only_manifest(settings)
    assert manifest["conservation"]["holds"] is True
    assert manifest["quarantined_by_reason"].get("unknown_client") == 1
    lake = settings.lake_dir
    with duckdb.connect() as con:
        rows, distinct, landed_evil = con.execute(
            "select count(*), count(distinct transaction_id), count(*) filter (client_id = ?)"
            f" from read_parquet('{lake / RAW_TRANSACTIONS.relative}/*/*.parquet')",
            [EVIL_CLIENT],
        ).fetchone()  # type: ignore[misc]
        quarantined = con.execute(
            f"select reason from read_parquet('{lake / RAW_QUARANTINE.relative}/*/*.parquet')"
            " where source_file like '%part-00099%'"
        ).fetchall()
    assert rows == distinct == manifest["landed"] > 1000
    assert quarantined == [("unknown_client",)]
    assert landed_evil == 0

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as warehouse:
        (mart_rows, providers) = warehouse.execute(  # type: ignore[misc]
            "select count(*), count(distinct provider_id) filter (dt = ?)"
            " from main.fct_provider_daily",
            [date.fromisoformat(DAY)],
        ).fetchone()
    assert providers > 1  # every provider got its numbers, not just the bad client's
    serving = create_engine(settings.serving_database_url)
    with serving.connect() as connection:
        served = connection.execute(text("select count(*) from provider_daily_metrics")).scalar()
    serving.dispose()
    assert served == mart_rows > 0
