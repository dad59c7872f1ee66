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


def _imported_after(code: str, data_dir: Path) -> tuple[list[str], str]:
    """The modules a fresh interpreter holds after running ``code`` (packages by their top
    name, ours whole), and what ``code`` printed."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PUNTORED_DATA_DIR": str(data_dir)}
    env.pop("PUNTORED_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120,
        env=env, cwd=data_dir,
    )  # fmt: skip
    *printed, last = done.stdout.strip().splitlines()
    modules = json.loads(last)
    names = {m if m.startswith("puntored.") else m.split(".")[0] for m in modules}
    return sorted(names), "\n".join(printed)


def test_the_cli_app_imports_no_engine(tmp_path: Path) -> None:
    imported, _ = _imported_after("import puntored.cli.app", tmp_path)
    assert [engine for engine in ENGINES if engine in imported] == []


def test_help_runs_without_importing_an_engine(tmp_path: Path) -> None:
    code = (
        "from puntored.cli.app import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    )
    imported, printed = _imported_after(code, tmp_path)
    assert "Usage:" in printed and "transform" in printed  # the probe did run the CLI
    assert [engine for engine in ENGINES if engine in imported] == []


def test_a_command_still_imports_its_stage_when_it_runs(tmp_path: Path) -> None:
    code = (
        "from puntored.cli.app import app\n"
        "try:\n    app(['db', 'current'])\nexcept SystemExit:\n    pass"
    )
    imported, _ = _imported_after(code, tmp_path)
    assert "sqlalchemy" in imported  # the lazy import is the command's own
