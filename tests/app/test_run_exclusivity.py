"""Every command that changes the data root refuses to run while another run holds it."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from puntored.settings import Settings
from tests.support.other_run import OtherRun, local_env

LOCKED_COMMANDS = [
    ["land"],
    ["transform"],
    ["sync"],
    ["reports", "--date", "2026-01-05"],
    ["daily", "--date", "2026-01-05"],
    ["demo", "--days", "1", "--replay-seconds", "0", "--no-serve"],
]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_commands_are_refused_in_one_line_naming_the_holder(
    settings: Settings, tmp_path: Path
) -> None:
    env = local_env(settings)
    holder = OtherRun(env)
    try:
        before = _tree(settings.data_dir)
        for command in LOCKED_COMMANDS:
            done = subprocess.run(
                [sys.executable, "-m", "puntored", *command],
                env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
            )  # fmt: skip
            assert done.returncode == 1, (command, done.stdout, done.stderr)
            assert done.stderr.count("\n") == 1, (command, done.stderr)
            assert done.stderr.startswith("error: another run holds the run lock "), done.stderr
            assert f"pid {holder.process.pid} on {socket.gethostname()}" in done.stderr
            assert "running `puntored daily --date 2026-01-05`" in done.stderr
        assert _tree(settings.data_dir) == before  # the refused runs changed nothing
    finally:
        holder.finish()


@pytest.mark.parametrize("command", [["land", "--help"], ["land", "--no-such-option"]])
def test_help_and_bad_arguments_do_not_need_the_lock(
    settings: Settings, tmp_path: Path, command: list[str]
) -> None:
    holder = OtherRun(local_env(settings))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "puntored", *command],
            env=local_env(settings), cwd=tmp_path, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert "run lock" not in done.stderr
    finally:
        holder.finish()
