"""One point of sale's bad export never holds back the network (issue 10, finding 2).

A landing file carries a record whose ``client_id`` is ``=HYPERLINK("http://evil","x")``.
Before, it landed in raw and dbt's ``relationships`` test on ``fct_provider_client_daily``
stopped ``puntored daily`` at transform. Now landing quarantines it as ``unknown_client``
(counted in the manifest, conservation holding) and the day completes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from puntored.contract.lake import MANIFESTS_FOLDER, RAW_QUARANTINE, RAW_TRANSACTIONS
from puntored.settings import Settings
from tests.support.landing_corpus import bogota, event, landing_path, line, write_lines

DAY = "2026-01-05"
EVIL_CLIENT = '=HYPERLINK("http://evil","x")'
pytestmark = [pytest.mark.slow, pytest.mark.spark, pytest.mark.dbt]


def _puntored(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "puntored", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip


def test_a_day_with_an_unknown_client_completes_with_the_record_quarantined(
    settings: Settings, tmp_path: Path
) -> None:
    env = {**os.environ, "PUNTORED_DATA_DIR": str(settings.data_dir)}
    env.pop("PUNTORED_DATABASE_URL", None)
    generated = _puntored(
        env, tmp_path, "generate", "--days", "1", "--start", DAY, "--seed", "5",
        "--events-per-day", "1500", "--malformed-rate", "0", "--truncated-files", "0",
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    day = date.fromisoformat(DAY)
    evil = event(900_001, bogota(day, 15), client_id=EVIL_CLIENT, provider_id="claro")
    write_lines(landing_path(settings.landing_dir, day, 23, part=99), [line(evil)])

    daily = _puntored(env, tmp_path, "daily", "--date", DAY)

    assert daily.returncode == 0, daily.stdout + daily.stderr
    (manifest_path,) = sorted((settings.lake_dir / MANIFESTS_FOLDER).glob("land-*.json"))
    manifest = json.loads(manifest_path.read_text())
    assert manifest["quarantined_by_reason"].get("unknown_client") == 1
    assert manifest["conservation"]["holds"] is True
    lake = settings.lake_dir
    with duckdb.connect() as con:
        quarantined = con.execute(
            f"select reason from read_parquet('{lake / RAW_QUARANTINE.relative}/*/*.parquet')"
            " where source_file like '%part-00099%'"
        ).fetchall()
        landed_evil = con.execute(
            f"select count(*) from read_parquet('{lake / RAW_TRANSACTIONS.relative}/*/*.parquet')"
            " where client_id = ?",
            [EVIL_CLIENT],
        ).fetchone()
    assert quarantined == [("unknown_client",)]
    assert landed_evil == (0,)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as warehouse:
        (provider_days,) = warehouse.execute(  # type: ignore[misc]
            "select count(*) from main.fct_provider_daily where dt = ?", [day]
        ).fetchone()
    assert provider_days > 0  # every provider got its numbers
