"""Runs the dbt project (`dbt build`, `docs generate`) with the right target, vars, profiles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from puntored.errors import PuntoredError
from puntored.settings import PROJECT_ROOT, Settings

PROFILES_DIR = PROJECT_ROOT / "profiles"
Target = Literal["local", "athena"]
TestScope = Literal["all", "changed"]


class TransformError(PuntoredError):
    """dbt could not run, or a model or test failed."""


@dataclass(frozen=True)
class TransformResult:
    command: str
    target: str
    succeeded: bool
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{count} {status}" for status, count in sorted(self.counts.items()))
        warned = f" (warned: {', '.join(self.warnings)})" if self.warnings else ""
        return f"dbt {self.command} on {self.target}: {counts}{warned}"


@dataclass(frozen=True)
class DbtPaths:
    """Where dbt writes its state for one data root: two data roots never share a file."""

    target: Path  # manifest, run_results.json, compiled SQL, the docs site, partial parse
    logs: Path

    @classmethod
    def of(cls, settings: Settings) -> DbtPaths:
        root = settings.data_dir.resolve() / "dbt"
        return cls(target=root / "target", logs=root / "logs")

    @property
    def run_results(self) -> Path:
        return self.target / "run_results.json"


def target_for(settings: Settings) -> Target:
    return "athena" if settings.mode == "aws" else "local"


def dbt_environment(settings: Settings) -> dict[str, str]:
    """Environment variables profiles/profiles.yml and the sources read."""
    env = {
        "PUNTORED_DATA_DIR": str(settings.data_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if settings.mode == "aws":
        env |= {
            "PUNTORED_AWS_REGION": settings.aws_region or "",
            "PUNTORED_ATHENA_S3_STAGING_DIR": settings.athena_s3_staging_dir or "",
            "PUNTORED_ATHENA_S3_DATA_DIR": settings.athena_s3_data_dir or "",
            "PUNTORED_ATHENA_WORKGROUP": settings.athena_workgroup,
            "PUNTORED_ATHENA_SCHEMA": settings.athena_schema,
            "PUNTORED_GLUE_DATABASE": settings.glue_database,
        }
        if settings.aws_endpoint_url:  # dbt-athena's boto3 clients read the standard variable
            env["AWS_ENDPOINT_URL"] = settings.aws_endpoint_url
    return env


def run_dbt(settings: Settings, args: list[str]) -> TransformResult:
    """Run one dbt command in the project with the settings' target; never raises on failures.

    dbt runs in a child process: dbt-duckdb keeps the warehouse file open for the life of the
    process, which would lock out the sync reading the marts right after (``puntored daily``).
    Every path it gets is absolute, so it runs the same from any working directory, and its
    target/ and logs/ are the data root's (``DbtPaths``).
    """
    target = target_for(settings)
    paths = DbtPaths.of(settings)
    full_args = [
        str(Path(sys.executable).with_name("dbt")),
        *args,
        "--project-dir",
        str(PROJECT_ROOT),
        "--profiles-dir",
        str(PROFILES_DIR),
        "--target",
        target,
        "--target-path",
        str(paths.target),
        "--log-path",
        str(paths.logs),
    ]
    if settings.mode == "local":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    paths.run_results.unlink(missing_ok=True)  # never report an earlier command's results
    env = os.environ | dbt_environment(settings)
    done = subprocess.run(full_args, env=env, capture_output=True, text=True, check=False)
    counts, failures, warnings = _read_run_results(paths.run_results)
    if done.returncode != 0 and not failures:
        failures.append(done.stdout[-3000:] + done.stderr[-2000:])
    return TransformResult(args[0], target, done.returncode == 0, counts, failures, warnings)


def _read_run_results(path: Path) -> tuple[dict[str, int], list[str], list[str]]:
    """Count node statuses of the last dbt command; list what failed and what warned."""
    if not path.exists():
        return {}, [], []
    counts: dict[str, int] = {}
    failures: list[str] = []
    warnings: list[str] = []
    for node in json.loads(path.read_text()).get("results", []):
        status = node["status"]
        counts[status] = counts.get(status, 0) + 1
        if status in ("error", "fail", "runtime error"):
            failures.append(f"{node['unique_id']}: {node.get('message')}")
        elif status == "warn":
            warnings.append(node["unique_id"].split(".")[2])
    return counts, failures, warnings


def default_test_scope(full_refresh: bool) -> TestScope:
    """Every test on a full refresh and in CI; else only the rows this run changed (0320)."""
    return "all" if full_refresh or os.environ.get("CI", "").lower() == "true" else "changed"


def run_transform(
    settings: Settings,
    *,
    full_refresh: bool = False,
    lookback_days: int | None = None,
    select: str | None = None,
    test_scope: TestScope | None = None,
) -> TransformResult:
    """``dbt build``: seeds, models, unit and data tests, on the target of the settings' mode.

    ``test_scope`` (default ``default_test_scope``): ``changed`` tests only the rows the run
    rebuilt, ``all`` every row. Raises ``TransformError`` naming the failed nodes when a model
    or a test fails; tests that warn (data from outside) never do.
    """
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if lookback_days is not None and lookback_days < 0:
        raise TransformError("lookback_days must be >= 0")
    variables: dict[str, object] = {"test_scope": test_scope or default_test_scope(full_refresh)}
    if lookback_days is not None:
        variables["lookback_days"] = lookback_days
    args += ["--vars", json.dumps(variables)]
    if select:
        # a test runs only when every model it reads is selected (a singular test over staging
        # and the marts would otherwise run against marts this command did not build)
        args += ["--select", select, "--indirect-selection", "cautious"]
    result = run_dbt(settings, args)
    if not result.succeeded:
        shown = "; ".join(result.failures[:5])
        raise TransformError(f"{result.summary()}; failed: {shown}")
    return result


def generate_docs(settings: Settings) -> TransformResult:
    """``dbt docs generate``: the static site under target/ (works offline)."""
    return run_dbt(settings, ["docs", "generate"])


def docs_site_dir(settings: Settings) -> Path:
    """The static docs site ``dbt docs generate`` wrote for this data root."""
    return DbtPaths.of(settings).target
