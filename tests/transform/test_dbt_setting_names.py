"""dbt reads the application's settings by their PUNTORED_ names: one name per setting."""

from __future__ import annotations

import re
from pathlib import Path

from puntored.settings import PROJECT_ROOT, Settings
from puntored.transform.dbt_runner import dbt_environment

# Switches of the dbt project itself, not application settings.
DBT_ONLY = {"PUNTORED_DBT_TARGET", "PUNTORED_ATHENA_FORCE_BATCH"}


def _env_vars_read_by_dbt() -> set[str]:
    files = [PROJECT_ROOT / "profiles" / "profiles.yml", PROJECT_ROOT / "dbt_project.yml"]
    files += [
        *Path(PROJECT_ROOT, "models").rglob("*.yml"),
        *Path(PROJECT_ROOT, "models").rglob("*.sql"),
    ]
    files += [*Path(PROJECT_ROOT, "macros").rglob("*.sql")]
    names: set[str] = set()
    for file in files:
        names |= set(re.findall(r"env_var\(\s*['\"](PUNTORED_[A-Z0-9_]+)['\"]", file.read_text()))
    return names - DBT_ONLY


def test_every_variable_dbt_reads_is_a_setting_passed_by_the_runner() -> None:
    aws = Settings(
        mode="aws", aws_region="us-east-1", aws_endpoint_url="http://127.0.0.1:5000",
        landing_uri="s3://l", lake_uri="s3://k", state_uri="s3://s",
        athena_s3_staging_dir="s3://a/staging/", athena_s3_data_dir="s3://a/data/",
        database_url="postgresql+psycopg://u@h/db",
    )  # fmt: skip
    read = _env_vars_read_by_dbt()
    fields = {f"PUNTORED_{name.upper()}" for name in Settings.model_fields}
    assert read, "found no env_var() calls: the scan is broken"
    assert read <= fields, f"dbt reads variables that are not settings: {read - fields}"
    environment = dbt_environment(aws)
    assert read <= set(environment), f"not passed to dbt: {read - set(environment)}"
    assert environment["PUNTORED_ATHENA_SCHEMA"] == aws.marts_schema == "puntored_marts"
    assert environment["PUNTORED_ATHENA_S3_DATA_DIR"] == "s3://a/data/"
    assert environment["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
