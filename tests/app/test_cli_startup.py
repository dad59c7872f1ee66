"""The CLI starts without importing any stage's engine (puntored/cli/app.py): `puntored
--help`, a wrong argument or `puntored keys list` answer in about a second, not five.

Checked by what a fresh interpreter has imported, not by timing it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ENGINES = (
    "pyspark", "duckdb", "dbt", "fastapi", "uvicorn", "sqlalchemy", "alembic", "pyarrow",
    "pandas", "boto3", "playwright", "pyflink", "puntored.pipeline",
)  # fmt: skip


def _imported_after(code: str, data_dir: Path) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PUNTORED_DATA_DIR": str(data_dir)}
    env.pop("PUNTORED_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120,
        env=env, cwd=data_dir,
    )  # fmt: skip
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    return sorted({m.split(".")[0] if not m.startswith("puntored.") else m for m in modules})


def test_the_cli_app_imports_no_engine(tmp_path: Path) -> None:
    imported = _imported_after("import puntored.cli.app", tmp_path)
    assert [engine for engine in ENGINES if engine in imported] == []


def test_help_runs_without_importing_an_engine(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom puntored.cli.app import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    )
    imported = _imported_after(code, tmp_path)
    assert "typer" in imported  # the probe did run the CLI
    assert [engine for engine in ENGINES if engine in imported] == []


def test_a_command_still_imports_its_stage_when_it_runs(tmp_path: Path) -> None:
    code = (
        "from puntored.cli.app import app\n"
        "try:\n    app(['db', 'current'])\nexcept SystemExit:\n    pass"
    )
    assert "sqlalchemy" in _imported_after(code, tmp_path)  # the lazy import is the command's own
