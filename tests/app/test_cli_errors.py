"""Failures reach the user as one line each: settings refusals, AWS errors, exhausted retries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from tenacity import Retrying, stop_after_attempt, wait_none

from puntored.cli import app as cli_app
from puntored.errors import describe
from puntored.settings import Settings


def _puntored(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "puntored", *args],
        env=env, cwd=cwd, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("command", [["sync"], ["serve", "--port", "1"]])
def test_aws_mode_refusals_are_one_line_each_listing_every_problem(
    tmp_path: Path, command: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUNTORED_")}
    env |= {"PUNTORED_MODE": "aws", "PUNTORED_LAKE_URI": "/srv/lake"}
    done = _puntored(*command, env=env, cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "error: PUNTORED_AWS_REGION is required in aws mode",
        "error: PUNTORED_LANDING_URI must be an s3:// URI in aws mode",
        "error: PUNTORED_LAKE_URI must be an s3:// URI in aws mode (got '/srv/lake')",
        "error: PUNTORED_STATE_URI must be an s3:// URI in aws mode",
        "error: PUNTORED_ATHENA_S3_STAGING_DIR must be an s3:// URI in aws mode",
        "error: PUNTORED_ATHENA_S3_DATA_DIR must be an s3:// URI in aws mode",
        "error: PUNTORED_DATABASE_URL must point at PostgreSQL (RDS) in aws mode "
        "(or PUNTORED_DATABASE_SECRET hold the RDS secret, or "
        "PUNTORED_DATABASE_SECRET_ARN name it)",
    ]


def test_help_works_whatever_the_settings(tmp_path: Path) -> None:
    env = os.environ | {"PUNTORED_MODE": "aws"}
    done = _puntored("generate", "--help", env=env, cwd=tmp_path)
    assert done.returncode == 0 and "landing" in done.stdout


def test_an_s3_failure_is_one_line_naming_the_location(
    aws_settings: Settings, tmp_path: Path
) -> None:
    env = os.environ | {"PUNTORED_LANDING_URI": "s3://puntored-no-such-landing-bucket/zone"}
    done = _puntored("generate", "--days", "1", "--start", "2026-01-05", env=env, cwd=tmp_path)
    assert done.returncode == 1
    line, *rest = done.stderr.strip().splitlines()
    assert rest == [] and "Traceback" not in done.stderr
    assert line.startswith("error: cannot write s3://puntored-no-such-landing-bucket/zone/")
    assert line.endswith("NoSuchBucket The specified bucket does not exist")


def _real_client_error(endpoint: str) -> ClientError:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket="puntored-no-such-bucket", Key="x")
    return caught.value


def test_aws_client_errors_are_described_in_one_line(moto_server: str) -> None:
    error = _real_client_error(moto_server)
    assert describe(error) == (
        "AWS GetObject failed: NoSuchBucket: The specified bucket does not exist"
    )


def test_main_prints_an_aws_error_as_one_line(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    error = _real_client_error(moto_server)

    def failing_app() -> None:
        raise error

    monkeypatch.setattr(cli_app, "app", failing_app)
    with pytest.raises(SystemExit) as exit_:
        cli_app.main()
    assert exit_.value.code == 1
    assert capsys.readouterr().err == (
        "error: AWS GetObject failed: NoSuchBucket: The specified bucket does not exist\n"
    )


def test_exhausted_retries_name_the_real_error(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'serving.sqlite'}")

    def connect() -> None:
        with engine.connect() as connection:
            connection.execute(text("select 1"))

    retrying = Retrying(
        stop=stop_after_attempt(3),
        wait=wait_none(),
        retry=lambda state: isinstance(state.outcome.exception(), OperationalError),
    )
    with pytest.raises(Exception) as caught:
        retrying(connect)
    described = describe(caught.value)
    assert described == (
        "gave up after 3 attempts: (sqlite3.OperationalError) unable to open database file"
    )
    assert "Future" not in described
