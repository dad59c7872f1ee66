from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from puntored.settings import Settings


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


def test_aws_mode_accepts_a_complete_configuration() -> None:
    s = Settings(
        mode="aws",
        aws_region="us-east-1",
        landing_uri="s3://puntored-landing/transactions",
        lake_uri="s3://puntored-lake",
        athena_s3_staging_dir="s3://puntored-athena/staging/",
        database_url="postgresql+psycopg://app@rds.internal/puntored",
    )
    assert s.lake_location == "s3://puntored-lake"
