"""What the distribution installs: one top-level package, ``puntored`` (issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from puntored.settings import PROJECT_ROOT

PARTS = ("api", "glue", "serving", "streaming")


def test_the_installed_distribution_exposes_only_the_puntored_namespace(tmp_path: Path) -> None:
    # A fresh interpreter outside the checkout sees what `pip install -e .` installed, not the
    # checkout's folders (which a test run puts on sys.path).
    probe = (
        "import importlib.util, json; "
        f"print(json.dumps({{n: importlib.util.find_spec(n) is not None for n in {PARTS!r}}}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert json.loads(found.stdout) == dict.fromkeys(PARTS, False)
    namespaced = subprocess.run(
        [sys.executable, "-c", "import puntored.api.main, puntored.glue.catalog"],
        cwd=tmp_path, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert namespaced.returncode == 0, namespaced.stderr


def test_the_parts_are_symlinked_into_the_namespace() -> None:
    for part in PARTS:
        link = PROJECT_ROOT / "puntored" / part
        assert link.is_symlink() and link.resolve() == PROJECT_ROOT / part
    assert metadata.distribution("puntored-analytics").entry_points.select(name="puntored")
