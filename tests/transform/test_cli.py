"""`puntored transform`: a clear one-line refusal of bad arguments, absolute paths for dbt,
dbt's state under the data root (issue 10)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puntored.cli.app import app
from puntored.settings import PROJECT_ROOT, Settings
from puntored.transform.dbt_runner import DbtPaths, dbt_environment, docs_site_dir, target_for
from tests.support.raw_lake import RawLake, random_events


def test_negative_lookback_is_refused() -> None:
    result = CliRunner().invoke(app, ["transform", "--lookback-days", "-1"])
    assert result.exit_code != 0
    assert "lookback-days" in result.output


def test_local_mode_targets_duckdb_with_an_absolute_data_dir(settings: Settings) -> None:
    assert target_for(settings) == "local"
    data_dir = dbt_environment(settings)["PUNTORED_DATA_DIR"]
    assert data_dir.startswith("/")
    assert data_dir.endswith("/data")


def test_dbt_state_lives_under_the_data_root(settings: Settings) -> None:
    paths = DbtPaths.of(settings)
    root = settings.data_dir.resolve() / "dbt"
    assert (paths.target, paths.logs) == (root / "target", root / "logs")
    assert docs_site_dir(settings) == paths.target


@pytest.mark.dbt
@pytest.mark.slow
def test_transform_runs_from_any_folder_and_two_data_roots_share_no_state(
    tmp_path: Path,
) -> None:
    """`puntored transform` from a folder outside the checkout, data roots given relatively."""
    elsewhere = tmp_path / "elsewhere"
    for name in ("first", "second"):
        random_events(lake := RawLake(elsewhere / name / "lake"), date(2026, 11, 2), 2, 40, seed=1)
        lake.write()
    checkout_results = PROJECT_ROOT / "target" / "run_results.json"
    before = checkout_results.stat().st_mtime if checkout_results.exists() else None
    puntored = Path(sys.executable).with_name("puntored")
    for name in ("first", "second"):
        env = os.environ | {"PUNTORED_DATA_DIR": name, "PUNTORED_MODE": "local"}
        command = [str(puntored), "transform", "--select", "stg_raw__transactions"]
        done = subprocess.run(command, cwd=elsewhere, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "dbt build on local" in done.stdout
    for name in ("first", "second"):
        results = json.loads((elsewhere / name / "dbt/target/run_results.json").read_text())
        assert results["results"], name
        assert (elsewhere / name / "dbt/logs/dbt.log").exists()
        assert (elsewhere / name / "warehouse.duckdb").exists()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["first", "second"]  # no target/, logs/
    after = checkout_results.stat().st_mtime if checkout_results.exists() else None
    assert after == before  # nothing written into the checkout's target/
