"""The Athena gate: compile every model for the ``athena`` target offline and validate the SQL.

dbt compiles with ``--no-populate-cache`` and dummy AWS settings (nothing connects), once with
``is_incremental()`` forced false (the full build, every test on every row) and once forced
true (the incremental branch, tests scoped to the changed rows). Each compiled model must
parse as Trino SQL with ``trino-sql-validator`` and call no function Trino does not know; a few
DuckDB-only constructs the parser tolerates (``EXCLUDE``, ``read_parquet``) are refused by
name. Run: ``python -m puntored.transform.athena_gate``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trino_sql_validator

from puntored.settings import PROJECT_ROOT

DUMMY_ATHENA_ENV = {
    "PUNTORED_AWS_REGION": "us-east-1",
    "PUNTORED_ATHENA_S3_STAGING_DIR": "s3://athena-gate/staging/",
    "PUNTORED_ATHENA_S3_DATA_DIR": "s3://athena-gate/data/",
    "AWS_ACCESS_KEY_ID": "athena-gate",
    "AWS_SECRET_ACCESS_KEY": "athena-gate",
    "AWS_DEFAULT_REGION": "us-east-1",
}

# DuckDB syntax the Trino parser accepts with another meaning, or only warns about.
_DUCKDB_ONLY = {
    "EXCLUDE": re.compile(r"\*\s*exclude\s*\(", re.IGNORECASE),
    "read_parquet": re.compile(r"\bread_(parquet|csv|json)\w*\s*\(", re.IGNORECASE),
}


@dataclass(frozen=True)
class GateProblem:
    model: str
    mode: str
    message: str

    def __str__(self) -> str:
        return f"{self.model} (is_incremental={self.mode}): {self.message}"


def compile_for_athena(project_dir: Path, target_path: Path, incremental: bool) -> None:
    """``dbt compile --target athena`` without a connection; raises on a compile error."""
    command = [
        str(Path(sys.executable).with_name("dbt")),
        "compile",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir / "profiles"),
        "--target",
        "athena",
        "--no-populate-cache",
        "--target-path",
        str(target_path),
        "--vars",
        # the incremental pass also renders the tests as an incremental run scopes them
        json.dumps(
            {"force_is_incremental": incremental, "test_scope": "changed" if incremental else "all"}
        ),
    ]
    env = os.environ | DUMMY_ATHENA_ENV
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dbt compile --target athena failed:\n{done.stdout[-4000:]}")


def check_sql(sql: str) -> list[str]:
    """What is wrong with one compiled statement as Athena (Trino) SQL; empty when fine."""
    problems = []
    result = trino_sql_validator.validate(sql)
    if not result.valid:
        problems.append(f"not Trino SQL: {result.error}")
    for warning in result.warnings:
        problems.append(f"not a Trino construct: {warning}")
    for name, pattern in _DUCKDB_ONLY.items():
        if pattern.search(sql):
            problems.append(f"DuckDB-only {name}")
    return problems


def check_compiled(target_path: Path, mode: str) -> list[GateProblem]:
    models = sorted((target_path / "compiled").glob("**/*.sql"))
    if not models:
        return [GateProblem("*", mode, f"no compiled models under {target_path}")]
    return [
        GateProblem(model.stem, mode, message)
        for model in models
        for message in check_sql(model.read_text())
    ]


def run_gate(project_dir: Path = PROJECT_ROOT) -> list[GateProblem]:
    problems: list[GateProblem] = []
    with tempfile.TemporaryDirectory(prefix="athena-gate-") as scratch:
        for incremental in (False, True):
            target_path = Path(scratch) / f"incremental-{incremental}"
            compile_for_athena(project_dir, target_path, incremental)
            problems += check_compiled(target_path, str(incremental).lower())
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT)
    args = parser.parse_args()
    problems = run_gate(args.project_dir.resolve())
    for problem in problems:
        print(f"athena gate: {problem}")
    if problems:
        print(f"athena gate FAILED: {len(problems)} problem(s)")
        return 1
    print("athena gate passed: every model compiles to valid Athena (Trino) SQL")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
