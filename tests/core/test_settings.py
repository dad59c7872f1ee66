from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from puntored.errors import PuntoredError
from puntored.settings import Settings, SettingsError, load_settings
from puntored.streaming.runner import StreamPaths


def test_local_layout_lives_under_the_data_root(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    for path in (s.landing_dir, s.lake_dir, s.stream_dir, s.state_dir, s.duckdb_path):
        assert tmp_path in path.parents
    assert s.serving_database_url == f"sqlite:///{(tmp_path / 'serving.sqlite').resolve()}"


def test_env_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PUNTORED_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PUNTORED_DATABASE_URL", "postgresql+psycopg://u@h/db")
    s = Settings()
    assert s.data_dir == tmp_path
    assert s.serving_database_url == "postgresql+psycopg://u@h/db"


def test_aws_mode_refuses_local_defaults() -> None:
    with pytest.raises(ValidationError) as error:
        Settings(mode="aws", landing_uri="/tmp/landing")
    message = str(error.value)
    assert "PUNTORED_AWS_REGION" in message
    assert "PUNTORED_LANDING_URI must be an s3:// URI" in message
    assert "PUNTORED_DATABASE_URL" in message


def test_aws_refusals_are_one_line_each_and_all_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUNTORED_MODE", "aws")
    monkeypatch.setenv("PUNTORED_LANDING_URI", "/tmp/landing")
    monkeypatch.setenv("PUNTORED_REPORTS_URI", "reports")
    monkeypatch.delenv("PUNTORED_DATABASE_URL", raising=False)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert error.value.problems == [
        "PUNTORED_AWS_REGION is required in aws mode",
        "PUNTORED_LANDING_URI must be an s3:// URI in aws mode (got '/tmp/landing')",
        "PUNTORED_LAKE_URI must be an s3:// URI in aws mode",
        "PUNTORED_STATE_URI must be an s3:// URI in aws mode",
        "PUNTORED_ATHENA_S3_STAGING_DIR must be an s3:// URI in aws mode",
        "PUNTORED_ATHENA_S3_DATA_DIR must be an s3:// URI in aws mode",
        "PUNTORED_REPORTS_URI must be an s3:// URI in aws mode (got 'reports')",
        "PUNTORED_DATABASE_URL must point at PostgreSQL (RDS) in aws mode "
        "(or PUNTORED_DATABASE_SECRET hold the RDS secret, or "
        "PUNTORED_DATABASE_SECRET_ARN name it)",
    ]
    assert str(error.value).splitlines() == error.value.problems


def test_malformed_values_are_named_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUNTORED_MODE", "cloud")
    monkeypatch.setenv("PUNTORED_AWS_ENDPOINT_URL", "127.0.0.1:5000")
    monkeypatch.setenv("PUNTORED_RUN_LOCK_WAIT_SECONDS", "soon")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert error.value.problems == [
        "PUNTORED_MODE: Input should be 'local' or 'aws' (got 'cloud')",
        "PUNTORED_AWS_ENDPOINT_URL: must be an http(s):// URL (got '127.0.0.1:5000')",
        "PUNTORED_RUN_LOCK_WAIT_SECONDS: Input should be a valid number, unable to parse "
        "string as a number (got 'soon')",
    ]


def test_data_root_is_absolute_from_the_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PUNTORED_DATA_DIR", "reldata")
    s = load_settings()
    assert s.data_dir == tmp_path.resolve() / "reldata"
    monkeypatch.chdir("/")
    assert s.landing_dir == tmp_path.resolve() / "reldata" / "landing"
    # the Flink job runs with the checkout as its working directory: its paths must be absolute
    assert StreamPaths(s.stream_dir).properties.is_absolute()
    assert s.stream_dir == tmp_path.resolve() / "reldata" / "stream"
    assert s.serving_database_url == f"sqlite:///{tmp_path.resolve() / 'reldata/serving.sqlite'}"


def test_aws_mode_accepts_a_complete_configuration() -> None:
    s = Settings(
        mode="aws",
        aws_region="us-east-1",
        landing_uri="s3://puntored-landing/transactions",
        lake_uri="s3://puntored-lake",
        state_uri="s3://puntored-state/land",
        athena_s3_staging_dir="s3://puntored-athena/staging/",
        athena_s3_data_dir="s3://puntored-athena/marts/",
        database_url="postgresql+psycopg://app@rds.internal/puntored",
    )
    assert s.lake_location == "s3://puntored-lake"
    assert s.reports_location == "s3://puntored-lake/reports"
    assert s.state_location == "s3://puntored-state/land"
    assert s.marts_schema == "puntored_marts"  # the schema dbt writes on Athena


def test_local_mode_reads_marts_from_duckdb_main(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    assert s.marts_schema == "main"
    assert s.state_location == str(tmp_path / "state")
    assert s.reports_location == str(tmp_path / "lake") + "/reports"


def test_aws_mode_builds_the_database_url_from_the_injected_rds_secret() -> None:
    secret = (
        '{"username": "puntored_admin", "password": "p@ss/w:rd", "host": "db.internal",'
        ' "port": 5432, "dbname": "puntored", "engine": "postgres"}'
    )
    s = Settings(
        mode="aws",
        aws_region="us-east-1",
        landing_uri="s3://landing",
        lake_uri="s3://lake",
        state_uri="s3://state",
        athena_s3_staging_dir="s3://results/",
        athena_s3_data_dir="s3://marts/",
        database_secret=secret,
    )
    assert s.serving_database_url == (
        "postgresql+psycopg://puntored_admin:p%40ss%2Fw%3Ard@db.internal:5432/puntored"
    )
    assert "p@ss" not in repr(s)  # the secret never shows in logs or tracebacks


def test_a_malformed_database_secret_is_one_clear_error() -> None:
    with pytest.raises(ValidationError, match="PUNTORED_DATABASE_SECRET must be the RDS secret"):
        Settings(
            mode="aws",
            aws_region="us-east-1",
            landing_uri="s3://landing",
            lake_uri="s3://lake",
            state_uri="s3://state",
            athena_s3_staging_dir="s3://results/",
            athena_s3_data_dir="s3://marts/",
            database_secret='{"username": "x"}',
        )


AWS_LOCATIONS = {
    "mode": "aws", "aws_region": "us-east-1", "landing_uri": "s3://landing",
    "lake_uri": "s3://lake", "state_uri": "s3://state", "athena_s3_staging_dir": "s3://results/",
    "athena_s3_data_dir": "s3://marts/",
}  # fmt: skip
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:puntored-dev/serving-db-AbCdEf"


def test_aws_mode_accepts_the_rds_secret_by_arn_and_refuses_to_guess_a_url() -> None:
    s = Settings(**AWS_LOCATIONS, database_secret_arn=SECRET_ARN)
    with pytest.raises(PuntoredError, match="PUNTORED_DATABASE_SECRET_ARN names was not fetched"):
        s.serving_database_url  # noqa: B018 - the property is what refuses


def test_a_malformed_secret_arn_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUNTORED_DATABASE_SECRET_ARN", "puntored-dev/serving-db")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert error.value.problems == [
        "PUNTORED_DATABASE_SECRET_ARN: must be a Secrets Manager ARN "
        "(arn:<partition>:secretsmanager:…) (got 'puntored-dev/serving-db')"
    ]
