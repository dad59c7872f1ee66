"""Shared pytest fixtures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from pyspark.sql import SparkSession
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from puntored.glue.landing.session import local_session
from puntored.settings import Settings, get_settings


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
        _fail_or_skip(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}")
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


def _fail_or_skip(message: str) -> None:
    """Outside CI a missing service skips the test; in CI (CI=true) it fails."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# --- AWS: moto's server mode ---------------------------------------------------------------

MOTO_REGION = "us-east-1"
_FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": MOTO_REGION,
    "AWS_EC2_METADATA_DISABLED": "true",  # never ask an instance metadata service
    "AWS_CONFIG_FILE": os.devnull,  # a developer's ~/.aws never leaks into the tests
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


# Under ``pytest -n 2 --dist loadgroup`` (``make test``) every test carries an xdist group, so
# xdist schedules whole groups: a test file is one group (its module fixtures are built once, on
# one worker), the CDK-synthesis tests are one (one synthesis per run) and the Flink tests are one
# (one mini-cluster at a time: the timing tests must not share the two cores with a second job).
# docs/decisions/1002-tests-on-two-workers.md; tests/core/test_suite_scheduling.py checks that
# the installed pytest and pytest-xdist honour groups added here.
def xdist_group_of(item: pytest.Item) -> str:
    if item.get_closest_marker("flink"):
        return "flink-jobs"
    if item.get_closest_marker("infra") or "assembly" in getattr(item, "fixturenames", ()):
        return "cdk-synthesis"
    return item.nodeid.split("::", 1)[0]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook turns groups into scopes
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the moto server carries the ``aws`` marker (``pytest -m aws``)."""
    for item in items:
        if "moto_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.aws)
        item.add_marker(pytest.mark.xdist_group(xdist_group_of(item)))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_moto(log: Path) -> tuple[subprocess.Popen[bytes], str] | None:
    """``python -m moto.server`` on a free port; None if it exits before answering."""
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with log.open("ab") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1):
                return server, endpoint
        except OSError:
            time.sleep(0.1)
    server.kill()
    server.wait()
    return None


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's server mode on 127.0.0.1 (random free port), a real AWS HTTP API in a child
    process, with fake credentials in the environment; yields its endpoint URL.

    The endpoint is NOT exported as AWS_ENDPOINT_URL: code under test must reach it through
    the settings (PUNTORED_AWS_ENDPOINT_URL), as it would in production. Tests isolate their
    state by unique bucket/resource names (see ``aws_settings``), so one server serves the
    session. Fails in CI if the server cannot start; skips elsewhere.
    """
    log = Path(tempfile.mkdtemp(prefix="moto-")) / "server.log"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _FAKE_AWS_ENVIRONMENT.items():
            patch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            patch.delenv(name, raising=False)
        started = None
        for _ in range(3):  # another process may take the free port before moto binds it
            started = _start_moto(log)
            if started:
                break
        if started is None:
            _fail_or_skip(f"moto server did not start: {log.read_text(errors='replace')[-800:]}")
            return
        server, endpoint = started
        try:
            yield endpoint
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture
def aws_settings(
    moto_server: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """aws-mode Settings against the moto server, with this test's own, freshly created
    buckets (landing, lake, state, athena); also exported as PUNTORED_* for code that calls
    get_settings() (the CLI). The database URL names the PostgreSQL test server but nothing
    connects to it unless the test does (use ``postgres_url`` for a database of your own)."""
    prefix = f"puntored-{uuid.uuid4().hex[:10]}"
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=MOTO_REGION)
    for purpose in ("landing", "lake", "state", "athena"):
        s3.create_bucket(Bucket=f"{prefix}-{purpose}")
    environment = {
        "MODE": "aws",
        "AWS_REGION": MOTO_REGION,
        "AWS_ENDPOINT_URL": moto_server,
        "LANDING_URI": f"s3://{prefix}-landing",
        "LAKE_URI": f"s3://{prefix}-lake",
        "STATE_URI": f"s3://{prefix}-state",
        "ATHENA_S3_STAGING_DIR": f"s3://{prefix}-athena/staging/",
        "ATHENA_S3_DATA_DIR": f"s3://{prefix}-athena/data/",
        "DATABASE_URL": POSTGRES_ADMIN_URL,
    }
    for name, value in environment.items():
        monkeypatch.setenv(f"PUNTORED_{name}", value)
    get_settings.cache_clear()
    yield Settings()
    get_settings.cache_clear()
