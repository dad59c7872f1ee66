"""`puntored transform` rejects bad arguments with a clear one-line message."""

from __future__ import annotations

from typer.testing import CliRunner

from puntored.cli.app import app
from puntored.settings import Settings
from puntored.transform.dbt_runner import dbt_environment, target_for


def test_negative_lookback_is_refused() -> None:
    result = CliRunner().invoke(app, ["transform", "--lookback-days", "-1"])
    assert result.exit_code != 0
    assert "lookback-days" in result.output


def test_local_mode_targets_duckdb_with_an_absolute_data_dir(settings: Settings) -> None:
    assert target_for(settings) == "local"
    data_dir = dbt_environment(settings)["PUNTORED_DATA_DIR"]
    assert data_dir.startswith("/")
    assert data_dir.endswith("/data")
