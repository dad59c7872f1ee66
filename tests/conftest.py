"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from puntored.settings import Settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data root, exported as PUNTORED_DATA_DIR for code that reads settings."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("PUNTORED_DATA_DIR", str(root))
    monkeypatch.delenv("PUNTORED_DATABASE_URL", raising=False)
    return root


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)
