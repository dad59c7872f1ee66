"""The landing job in aws mode: start the Glue job run, wait for it, read the run's manifest.

``puntored land`` (and ``puntored daily``) in aws mode do not run Spark here: the Glue job runs
the same script (``glue/land_transactions.py``) on Glue 5, where Spark reads and writes ``s3://``
natively. This module passes it the settings' locations, one run id, and the day range; when the
run succeeds it reads ``<lake>/_manifests/land-<run id>.json`` — the counts the job checked —
through the storage layer. A run that found nothing new writes no manifest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from botocore.exceptions import ClientError

from puntored.contract.lake import MANIFESTS_FOLDER
from puntored.errors import PuntoredError, describe
from puntored.settings import Settings
from puntored.storage import AwsConfig, Storage, join

# Glue's terminal states (JobRunState); anything else is still going.
SUCCEEDED = "SUCCEEDED"
FAILED_STATES = frozenset({"FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"})


class GlueJobFailed(PuntoredError):
    """The Glue job run ended in a failed state (its error message is in the text)."""


@dataclass(frozen=True)
class GlueLandingRun:
    job_run_id: str
    run_id: str
    state: str
    seconds: float
    manifest: dict[str, Any] | None  # None: the run found no new landing file

    def summary(self) -> str:
        if self.manifest is None:
            return f"nothing new (Glue job run {self.job_run_id})"
        m = self.manifest
        return (
            f"Glue job run {self.job_run_id}: read {m['records_read']:,} records, landed "
            f"{m['landed']:,}, quarantined {m['quarantined']:,}, duplicates {m['duplicates']:,}; "
            f"partitions {', '.join(m['partitions_written']) or 'none'}"
        )


def new_run_id(now: datetime | None = None) -> str:
    """The landing run id, the same shape the job gives a run it starts itself."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")


def job_arguments(
    settings: Settings,
    run_id: str,
    first: date | None = None,
    last: date | None = None,
    reprocess: bool = False,
) -> dict[str, str]:
    """The job run's ``--name value`` arguments (``glue/land_transactions.py`` reads them)."""
    arguments = {
        "--landing_uri": settings.landing_location,
        "--lake_uri": settings.lake_location,
        "--state_uri": settings.state_location,
        "--run_id": run_id,
        "--glue_database": settings.glue_database,
        "--max_line_bytes": str(settings.landing_max_line_bytes),
    }
    if first:
        arguments["--from_date"] = first.isoformat()
    if last:
        arguments["--to_date"] = last.isoformat()
    if reprocess:
        arguments["--reprocess"] = "true"
    return arguments


def run_glue_landing(
    settings: Settings,
    first: date | None = None,
    last: date | None = None,
    reprocess: bool = False,
    on_state: Callable[[str], None] | None = None,
    poll_seconds: float = 10.0,
    timeout_seconds: float = 3 * 3600,
) -> GlueLandingRun:
    """Start the Glue job, wait for a terminal state, return the run's checked counts."""
    if first and last and first > last:
        raise PuntoredError(f"--from {first} is after --to {last}")
    glue = AwsConfig.from_settings(settings).client("glue")
    run_id = new_run_id()
    started = time.monotonic()
    arguments = job_arguments(settings, run_id, first, last, reprocess)
    try:
        job_run_id = glue.start_job_run(JobName=settings.glue_job_name, Arguments=arguments)[
            "JobRunId"
        ]
    except ClientError as error:
        raise PuntoredError(
            f"cannot start Glue job {settings.glue_job_name!r}: {describe(error)}"
        ) from None
    state = _wait(glue, settings.glue_job_name, job_run_id, on_state, poll_seconds, timeout_seconds)
    return GlueLandingRun(
        job_run_id=job_run_id,
        run_id=run_id,
        state=state,
        seconds=round(time.monotonic() - started, 3),
        manifest=_read_manifest(settings, run_id),
    )


def _wait(
    glue: Any,
    job_name: str,
    job_run_id: str,
    on_state: Callable[[str], None] | None,
    poll_seconds: float,
    timeout_seconds: float,
) -> str:
    deadline = time.monotonic() + timeout_seconds
    while True:
        run = glue.get_job_run(JobName=job_name, RunId=job_run_id)["JobRun"]
        state = run["JobRunState"]
        if on_state:
            on_state(state)
        if state == SUCCEEDED:
            return state
        if state in FAILED_STATES:
            why = run.get("ErrorMessage") or "no error message"
            raise GlueJobFailed(f"Glue job run {job_run_id} ended {state}: {why}")
        if time.monotonic() > deadline:
            raise GlueJobFailed(
                f"Glue job run {job_run_id} still {state} after {timeout_seconds:.0f} s; "
                "it keeps running on Glue — check it in the console before starting another"
            )
        time.sleep(poll_seconds)


def manifest_location(settings: Settings, run_id: str) -> str:
    return join(settings.lake_location, MANIFESTS_FOLDER, f"land-{run_id}.json")


def _read_manifest(settings: Settings, run_id: str) -> dict[str, Any] | None:
    storage = Storage.from_settings(settings)
    location = manifest_location(settings, run_id)
    if not storage.exists(location):
        return None
    manifest: dict[str, Any] = storage.read_json(location)
    conservation = manifest.get("conservation", {})
    if not conservation.get("holds", False):
        raise PuntoredError(f"landing manifest {location} says conservation does not hold")
    return manifest
