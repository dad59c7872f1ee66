"""Run dbt-project-evaluator on the project, offline, and list its findings.

``dbt deps`` cannot reach the dbt hub here and the project takes no dbt packages, so the
evaluator runs on a scratch copy of the project: the evaluator and dbt_utils come from local
checkouts (``git clone`` of dbt-labs/dbt-project-evaluator and dbt-labs/dbt-utils), are placed in
the copy's ``dbt_packages/``, and ``dbt build --select package:dbt_project_evaluator`` runs on
DuckDB. The evaluator's settings are the ``dbt_project_evaluator`` vars of ``dbt_project.yml``;
the findings we answer instead of fixing are ``evaluator_exceptions.csv`` next to this module
(the evaluator's own exceptions seed, with a comment per row). Decision 0311.

    python -m puntored.transform.project_evaluator --evaluator ~/src/dbt-project-evaluator \\
        --dbt-utils ~/src/dbt-utils [--no-exceptions]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from puntored.settings import PROJECT_ROOT

EXCEPTIONS = Path(__file__).with_name("evaluator_exceptions.csv")
PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "seeds", "profiles", "tests/dbt")
# The evaluator's tables of findings (coverage tables are scores, not findings).
_SCORES = ("fct_documentation_coverage", "fct_test_coverage")

Findings = dict[str, list[tuple[object, ...]]]


def _copy_project(scratch: Path, evaluator: Path, dbt_utils: Path, exceptions: bool) -> Path:
    project = scratch / "project"
    for part in PROJECT_PARTS:
        source = PROJECT_ROOT / part
        target = project / part
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    packages = project / "dbt_packages"
    shutil.copytree(evaluator, packages / "dbt_project_evaluator", ignore=_ignore_git)
    shutil.copytree(dbt_utils, packages / "dbt_utils", ignore=_ignore_git)
    if exceptions:
        _use_exceptions(project)
    return project


def _use_exceptions(project: Path) -> None:
    """The evaluator applies the exceptions seed only when the root project owns it."""
    package_seeds = project / "dbt_packages" / "dbt_project_evaluator" / "seeds"
    for packaged in ("dbt_project_evaluator_exceptions.csv", "seeds.yml"):
        (package_seeds / packaged).unlink()
    shutil.copy(EXCEPTIONS, project / "seeds" / "dbt_project_evaluator_exceptions.csv")


def _ignore_git(_folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name in (".git", "integration_tests", "docs")]


def run_evaluator(evaluator: Path, dbt_utils: Path, *, exceptions: bool = True) -> Findings:
    """Build the evaluator over a copy of the project; its findings, per rule (fct_*)."""
    with tempfile.TemporaryDirectory(prefix="dbt-evaluator-") as folder:
        scratch = Path(folder)
        project = _copy_project(scratch, evaluator, dbt_utils, exceptions)
        data_dir = scratch / "data"
        data_dir.mkdir()
        command = [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--select",
            "package:dbt_project_evaluator dbt_project_evaluator_exceptions",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project / "profiles"),
            "--target",
            "local",
        ]
        env = os.environ | {"PUNTORED_DATA_DIR": str(data_dir)}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"dbt-project-evaluator failed:\n{done.stdout[-4000:]}")
        return _read_findings(data_dir / "warehouse.duckdb")


def _read_findings(warehouse: Path) -> Findings:
    findings: Findings = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables"
            " where table_schema = 'main' and table_name like 'fct_%' order by 1"
        ).fetchall()
        for (table,) in tables:
            if table in _SCORES:
                continue
            rows = connection.execute(f'select * from main."{table}"').fetchall()
            if rows:
                findings[table] = rows
    return findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluator", type=Path, required=True, help="dbt-project-evaluator")
    parser.add_argument("--dbt-utils", type=Path, required=True, help="dbt-utils checkout")
    parser.add_argument(
        "--no-exceptions", action="store_true", help="report the answered findings too"
    )
    args = parser.parse_args()
    findings = run_evaluator(args.evaluator, args.dbt_utils, exceptions=not args.no_exceptions)
    for rule, rows in findings.items():
        for row in rows:
            print(f"{rule}: {', '.join(str(value) for value in row)}")
    print(f"dbt-project-evaluator: {sum(len(rows) for rows in findings.values())} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
