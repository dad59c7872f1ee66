"""A second process holding the data root's run lock, as another ``puntored`` run would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from puntored.settings import Settings

HOLD_THE_LOCK = textwrap.dedent(
    """
    import sys
    from puntored.runlock import run_lock
    from puntored.settings import load_settings

    with run_lock(load_settings(), "puntored daily --date 2026-01-05"):
        print("held", flush=True)
        sys.stdin.read()  # hold until the test closes our stdin (or kills us)
    """
)


class OtherRun:
    """A second process holding the data root's lock (settings from the environment)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD_THE_LOCK],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line == b"held\n", self.process.stderr.read() if self.process.stderr else line

    def finish(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def local_env(settings: Settings) -> dict[str, str]:
    """The environment of a local-mode run on ``settings``' data root."""
    return os.environ | {"PUNTORED_DATA_DIR": str(settings.data_dir), "PUNTORED_MODE": "local"}
