"""The Glue job as Glue runs it: the script file alone plus the ``--extra-py-files`` zip
(``infra/packaging.py``), no checkout on ``sys.path``; ``s3://`` arguments are accepted."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from infra import packaging
from puntored.settings import PROJECT_ROOT


def test_the_script_runs_from_the_zip_and_takes_s3_arguments(tmp_path: Path) -> None:
    library = packaging.build_glue_library(tmp_path / "puntored-glue.zip")
    script = shutil.copy(PROJECT_ROOT / "glue" / "land_transactions.py", tmp_path / "job.py")
    probe = (
        "import sys; sys.argv = ['job.py']; import runpy; "
        f"job = runpy.run_path({str(script)!r}); "
        "c = job['_config']({'landing_uri': 's3://landing', 'lake_uri': 's3://lake', "
        "'state_uri': 's3://state', 'glue_database': 'puntored_raw'}); "
        "import puntored; assert '.zip' in puntored.__file__, puntored.__file__; "
        "print(c.lake, c.transactions, c.glue_database, len(c.clients) > 1000)"
    )

    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(library)}, check=False, timeout=120,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [
        "s3://lake", "s3://lake/raw/transactions", "puntored_raw", "True"
    ]  # fmt: skip
