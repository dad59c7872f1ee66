"""Runs the dbt project programmatically (dbtRunner) with the right target, vars and profiles."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from puntored.errors import PuntoredError
from puntored.settings import PROJECT_ROOT, Settings

PROFILES_DIR = PROJECT_ROOT / "profiles"
Target = Literal["local", "athena"]


class TransformError(PuntoredError):
    """dbt could not run, or a model or test failed."""


@dataclass(frozen=True)
class TransformResult:
    command: str
    target: str
    succeeded: bool
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def target_for(settings: Settings) -> Target:
    return "athena" if settings.mode == "aws" else "local"


def dbt_environment(settings: Settings) -> dict[str, str]:
    """Environment variables profiles/profiles.yml and the sources read."""
    env = {"PUNTORED_DATA_DIR": str(settings.data_dir.resolve())}
    if settings.mode == "aws":
        env |= {
            "PUNTORED_AWS_REGION": settings.aws_region or "",
            "PUNTORED_ATHENA_S3_STAGING_DIR": settings.athena_s3_staging_dir or "",
            "PUNTORED_ATHENA_WORKGROUP": settings.athena_workgroup,
            "PUNTORED_GLUE_DATABASE": settings.glue_database,
        }
    return env


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_dbt(settings: Settings, args: list[str]) -> TransformResult:
    """Run one dbt command in the project with the settings' target; never raises on failures."""
    from dbt.cli.main import dbtRunner

    target = target_for(settings)
    full_args = [
        *args,
        "--project-dir",
        str(PROJECT_ROOT),
        "--profiles-dir",
        str(PROFILES_DIR),
        "--target",
        target,
    ]
    if settings.mode == "local":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _environment(dbt_environment(settings)):
        outcome = dbtRunner().invoke(full_args)
    counts: dict[str, int] = {}
    failures: list[str] = []
    # build/run/test return a RunExecutionResult (.results); docs generate a catalog.
    for node_result in getattr(outcome.result, "results", None) or []:
        status = str(getattr(node_result, "status", "unknown"))
        counts[status] = counts.get(status, 0) + 1
        if status in ("error", "fail"):
            failures.append(f"{node_result.node.unique_id}: {node_result.message}")
    if outcome.exception is not None:
        failures.append(str(outcome.exception))
    return TransformResult(args[0], target, outcome.success, counts, failures)


def run_transform(
    settings: Settings,
    *,
    full_refresh: bool = False,
    lookback_days: int | None = None,
    select: str | None = None,
) -> TransformResult:
    """``dbt build``: seeds, models, unit and data tests, on the target of the settings' mode."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if lookback_days is not None:
        if lookback_days < 0:
            raise TransformError("lookback_days must be >= 0")
        args += ["--vars", json.dumps({"lookback_days": lookback_days})]
    if select:
        args += ["--select", select]
    return run_dbt(settings, args)


def generate_docs(settings: Settings) -> TransformResult:
    """``dbt docs generate``: the static site under target/ (works offline)."""
    return run_dbt(settings, ["docs", "generate"])


def docs_site_dir() -> Path:
    return PROJECT_ROOT / "target"
