"""aws mode: ``puntored land`` starts the Glue job run and reads its manifest (moto's Glue + S3).

Spark cannot run against S3 here (no Hadoop S3 connector), so while the job run is RUNNING the
test plays the job's part that matters to the caller: it writes the run's manifest where the
job would, through the same storage layer, at the run id the job was given.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest

from puntored.errors import PuntoredError
from puntored.glue.landing.submit import job_arguments, manifest_location, run_glue_landing
from puntored.pipeline import newest_landed_day
from puntored.settings import Settings
from puntored.storage import Storage, join

MANIFEST = {
    "files_read": 3, "unreadable_files": {}, "records_read": 120, "landed": 110,
    "quarantined": 6, "quarantined_by_code": {"malformed_json": 6}, "duplicates_in_batch": 3,
    "duplicates_in_lake": 1, "duplicates": 4, "partitions_written": ["2026-01-05"],
    "conservation": {"read": 120, "landed_plus_quarantined_plus_duplicates": 120, "holds": True},
}  # fmt: skip


def _glue(settings: Settings) -> Any:
    return boto3.client("glue", endpoint_url=settings.aws_endpoint_url, region_name="us-east-1")


@pytest.fixture
def glue_job(aws_settings: Settings, moto_server: str) -> Iterator[Any]:
    """The landing job defined in moto's Glue; job runs progress one state per second."""
    glue = _glue(aws_settings)
    glue.create_job(
        Name=aws_settings.glue_job_name,
        Role="arn:aws:iam::123456789012:role/puntored-glue",
        Command={"Name": "glueetl", "ScriptLocation": "s3://artifacts/glue/land_transactions.py"},
        GlueVersion="5.0",
    )
    _transition(moto_server, {"progression": "time", "seconds": 1})
    yield glue
    _transition(moto_server, None)
    glue.delete_job(JobName=aws_settings.glue_job_name)


def _transition(endpoint: str, config: dict[str, Any] | None) -> None:
    action = "set-transition" if config else "unset-transition"
    body = {"model_name": "glue::job_run", **({"transition": config} if config else {})}
    request = urllib.request.Request(
        f"{endpoint}/moto-api/state-manager/{action}", data=json.dumps(body).encode(), method="POST"
    )
    urllib.request.urlopen(request, timeout=5).close()


def test_land_in_aws_mode_runs_the_glue_job_and_reads_its_manifest(
    aws_settings: Settings, glue_job: Any
) -> None:
    states: list[str] = []

    def play_the_job(state: str) -> None:
        states.append(state)
        if state == "RUNNING" and states.count("RUNNING") == 1:
            run = glue_job.get_job_runs(JobName=aws_settings.glue_job_name)["JobRuns"][0]
            run_id = run["Arguments"]["--run_id"]
            body = {**MANIFEST, "run_id": run_id}
            Storage.from_settings(aws_settings).write_json(
                manifest_location(aws_settings, run_id), body
            )

    run = run_glue_landing(
        aws_settings, date(2026, 1, 5), date(2026, 1, 6), on_state=play_the_job, poll_seconds=0.2
    )
    assert run.state == "SUCCEEDED"
    assert states[0] == "STARTING" and "RUNNING" in states and states[-1] == "SUCCEEDED"
    assert run.manifest is not None and run.manifest["landed"] == 110
    assert "landed 110" in run.summary() and "2026-01-05" in run.summary()
    sent = glue_job.get_job_run(JobName=aws_settings.glue_job_name, RunId=run.job_run_id)
    assert sent["JobRun"]["Arguments"] == job_arguments(
        aws_settings, run.run_id, date(2026, 1, 5), date(2026, 1, 6)
    )
    assert sent["JobRun"]["Arguments"]["--lake_uri"] == aws_settings.lake_location
    assert sent["JobRun"]["Arguments"]["--state_uri"].startswith("s3://")
    assert sent["JobRun"]["Arguments"]["--glue_database"] == aws_settings.glue_database
    assert sent["JobRun"]["Arguments"]["--max_line_bytes"] == "1048576"


def test_a_run_whose_manifest_breaks_conservation_is_refused(
    aws_settings: Settings, glue_job: Any
) -> None:
    def play_a_broken_job(state: str) -> None:
        if state == "RUNNING":
            run = glue_job.get_job_runs(JobName=aws_settings.glue_job_name)["JobRuns"][0]
            run_id = run["Arguments"]["--run_id"]
            broken = {**MANIFEST, "run_id": run_id, "conservation": {"holds": False}}
            Storage.from_settings(aws_settings).write_json(
                manifest_location(aws_settings, run_id), broken
            )

    with pytest.raises(PuntoredError, match="conservation does not hold"):
        run_glue_landing(aws_settings, on_state=play_a_broken_job, poll_seconds=0.2)


def test_land_cli_in_aws_mode_reports_a_run_that_found_nothing_new(
    aws_settings: Settings, glue_job: Any, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "puntored", "land"],
        env=os.environ.copy(), cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "nothing new to land (Glue job run jr_" in done.stdout


def test_land_cli_in_aws_mode_without_the_job_is_one_line(
    aws_settings: Settings, tmp_path: Path
) -> None:
    env = {**os.environ, "PUNTORED_GLUE_JOB_NAME": "no-such-job"}
    done = subprocess.run(
        [sys.executable, "-m", "puntored", "land"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "cannot start Glue job 'no-such-job'" in lines[0]
    assert "EntityNotFoundException" in lines[0]


def test_newest_landed_day_reads_the_partitions_on_s3(aws_settings: Settings) -> None:
    storage = Storage.from_settings(aws_settings)
    assert newest_landed_day(aws_settings) is None
    table = join(aws_settings.lake_location, "raw", "transactions")
    for day in ("2026-01-04", "2026-01-06", "2026-01-05"):
        storage.write_bytes(join(table, f"dt={day}", "part-0.parquet"), b"PAR1")
    storage.write_bytes(join(table, "_placeholder.txt"), b"")
    assert newest_landed_day(aws_settings) == date(2026, 1, 6)
