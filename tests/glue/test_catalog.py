"""The shipped Athena DDL matches the contract, and the land CLI rejects bad arguments."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from puntored.cli.app import app
from puntored.contract.dbt import raw_transactions_columns
from puntored.glue.catalog import raw_quarantine_ddl, raw_transactions_ddl
from puntored.settings import PROJECT_ROOT

DDL_DIR = PROJECT_ROOT / "glue" / "ddl"


def test_shipped_ddl_is_the_rendered_contract() -> None:
    assert (DDL_DIR / "raw_transactions.sql").read_text() == raw_transactions_ddl()
    assert (DDL_DIR / "raw_quarantine.sql").read_text() == raw_quarantine_ddl()


def test_transactions_ddl_lists_the_lake_columns_in_order() -> None:
    ddl = raw_transactions_ddl("s3://lake")
    names = [name for name, _ in raw_transactions_columns() if name != "dt"]
    positions = [ddl.index(f"`{name}`") for name in names]
    assert positions == sorted(positions)
    assert "PARTITIONED BY (`dt` date)" in ddl
    assert "LOCATION 's3://lake/raw/transactions/'" in ddl
    # Partitions are registered at run-scoped prefixes (decision 0220): a projection would
    # read every version under dt=D/ and double the rows.
    assert "projection" not in ddl and "storage.location.template" not in ddl


def test_land_rejects_bad_dates(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["land", "--from", "2026-13-01"])
    assert result.exit_code != 0
    assert "--from must be a date YYYY-MM-DD" in str(result.exception or result.output)
