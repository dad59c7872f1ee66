"""`make test` relies on xdist groups (tests/conftest.py): a test file's module fixtures are built
once, and the Flink tests never run beside each other. pytest 9.2 with pytest-xdist 3.8 silently
ignored groups added by a collection hook (every test was spread test by test over both
workers); this runs a small suite the way `make test` does and checks the groups hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SUITE = {
    "conftest.py": """
import pytest

@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
""",
    "test_expensive.py": """
import os
import pytest

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    with open(os.environ["SUITE_LOG"], "a") as log:
        log.write("setup\\n")

@pytest.mark.parametrize("n", range(6))
def test_uses_the_module_fixture(built, n):
    with open(os.environ["SUITE_LOG"], "a") as log:
        log.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
""",
    "test_other.py": """
import pytest

@pytest.mark.parametrize("n", range(6))
def test_other(n):
    pass
""",
}


def test_a_test_file_runs_on_one_worker_with_its_module_fixture_built_once(
    tmp_path: Path,
) -> None:
    for name, body in SUITE.items():
        (tmp_path / name).write_text(body)
    log = tmp_path / "log"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "--dist", "loadgroup", str(tmp_path)],
        cwd=tmp_path, env={"SUITE_LOG": str(log), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = log.read_text().split()
    assert lines.count("setup") == 1
    workers = {line for line in lines if line != "setup"}
    assert len(workers) == 1, f"one file's tests ran on {sorted(workers)}"
