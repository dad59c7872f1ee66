"""An unwritable lake is refused in one line before Spark starts (issue 10)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from puntored.errors import PuntoredError
from puntored.glue.landing import local
from puntored.settings import PROJECT_ROOT, Settings, SettingsError, load_settings


def test_an_unwritable_lake_is_refused_before_spark_starts(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.lake_dir.write_text("a file where the lake folder should be")

    def no_spark() -> None:
        raise AssertionError("Spark was started for a lake that cannot be written")

    monkeypatch.setattr(local, "local_session", no_spark)
    with pytest.raises(PuntoredError) as refused:
        local.run_landing(settings)

    message = str(refused.value)
    assert message.startswith("the lake is not writable, nothing was read: cannot write")
    assert str(settings.lake_dir) in message and "\n" not in message


def test_the_glue_script_refuses_an_unwritable_lake_in_one_line(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.lake_dir.write_text("a file")
    script = PROJECT_ROOT / "glue" / "land_transactions.py"

    finished = subprocess.run(
        [sys.executable, str(script), "--landing_uri", str(settings.landing_dir),
         "--lake_uri", str(settings.lake_dir), "--state_uri", str(settings.state_dir)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert finished.returncode == 1
    assert finished.stderr.count("\n") == 1, finished.stderr
    assert finished.stderr.startswith("error: the lake is not writable, nothing was read:")


@pytest.mark.parametrize("value", ["0", str(17 << 20), "lots"])
def test_the_line_limit_setting_is_refused_in_one_line_out_of_range(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUNTORED_LANDING_MAX_LINE_BYTES", value)

    with pytest.raises(SettingsError) as refused:
        load_settings()

    (problem,) = str(refused.value).splitlines()
    assert problem.startswith("PUNTORED_LANDING_MAX_LINE_BYTES: ")


def test_puntored_land_refuses_an_unwritable_lake_in_one_line(settings: Settings) -> None:
    settings.lake_dir.write_text("a file")

    finished = subprocess.run(
        [sys.executable, "-m", "puntored", "land"],
        capture_output=True, text=True, timeout=120, cwd=settings.data_dir,
    )  # fmt: skip

    assert finished.returncode != 0
    assert finished.stderr.count("\n") == 1, finished.stderr
    assert finished.stderr.startswith("error: the lake is not writable, nothing was read:")
