"""Shared pytest fixtures."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from puntored.glue.landing.session import local_session
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


POSTGRES_ADMIN_URL = os.environ.get(
    "PUNTORED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_reachable() -> bool:
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards.

    Outside CI an unreachable server skips the test; in CI (CI=true) it fails.
    """
    if not _postgres_reachable():
        message = f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"puntored_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty serving database URL: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'serving.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def spark() -> SparkSession:
    """One local Spark session for the whole run (starting one costs several seconds)."""
    return local_session(cores=2)
