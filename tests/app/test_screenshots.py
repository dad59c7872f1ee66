"""``puntored screenshots``: every portal page at both widths, with a key revoked afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from puntored.api.auth.manage import list_api_keys
from puntored.settings import PROJECT_ROOT, Settings
from tests.support.api_seed import build_env, write_reports
from tests.support.chromium import require_chromium


def _screenshots(data_dir: Path, provider: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PUNTORED_DATA_DIR": str(data_dir), "PYTHONPATH": str(PROJECT_ROOT)}
    command = [sys.executable, "-m", "puntored", "screenshots", "--provider", provider]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.browser
@pytest.mark.slow
def test_screenshots_command_writes_every_page_at_both_widths(data_dir: Path) -> None:
    require_chromium()
    for env in build_env(f"sqlite:///{data_dir / 'serving.sqlite'}", data_dir):
        write_reports(env.settings)
    done = _screenshots(data_dir, "movistar")
    assert done.returncode == 0, done.stderr
    folder = data_dir / "screenshots"
    assert f"12 PNG files (every page at 1280 px and 390 px) in {folder}" in done.stdout
    names = {path.name for path in folder.glob("*.png")}
    pages = ("resumen", "productos", "puntos-de-venta", "tiempo-real", "alertas", "reportes")
    assert {f"{page}-{width}.png" for page in pages for width in (1280, 390)} <= names
    # The temporary key is revoked: only the seed's own revoked key and it are.
    keys = list_api_keys(Settings(data_dir=data_dir))
    temporary = [k for k in keys if k.name == "screenshots"]
    assert len(temporary) == 1 and temporary[0].revoked_at is not None

    wrong = _screenshots(data_dir, "nobody")
    assert wrong.returncode == 1 and wrong.stderr.startswith("error: unknown provider 'nobody'")
