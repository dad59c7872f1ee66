"""The key cache (PostgreSQL): a cached key is admitted without a lookup, and a revocation
from another process (the CLI's code path, its own engine and transaction) clears it at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from puntored.api.auth.manage import revoke_api_key
from puntored.settings import PROJECT_ROOT, Settings
from tests.support.api_seed import DAILY, ApiEnv, build_env

pytestmark = pytest.mark.postgres

WAIT_SECONDS = 10.0


@pytest.fixture
def pg_api(postgres_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    yield from build_env(postgres_url, tmp_path / "data")


def _wait_for(check: Callable[[], bool], seconds: float) -> None:
    """Until ``check()`` holds (an event in another thread), at most ``seconds``."""
    pause = threading.Event()
    for _ in range(int(seconds / 0.01)):
        if check():
            return
        pause.wait(0.01)
    raise AssertionError("condition not reached")


def test_a_cached_key_is_revoked_at_once(pg_api: ApiEnv) -> None:
    state = pg_api.client.app.state.api  # type: ignore[attr-defined]
    _wait_for(lambda: state.keys.listening, WAIT_SECONDS)
    url = DAILY.format("claro")
    assert pg_api.get(url).status_code == 200
    assert state.keys.get(pg_api.keys["claro"]) is not None  # cached: next request skips the DB
    assert pg_api.get(url).status_code == 200
    seen = state.revocations.notifications
    revoke_api_key(Settings(database_url=pg_api.url), pg_api.keys["claro"][:12])
    _wait_for(lambda: state.revocations.notifications > seen, WAIT_SECONDS)
    assert pg_api.get(url).status_code == 401
    assert pg_api.get(DAILY.format("movistar"), key="movistar").status_code == 200


def test_a_revocation_by_the_cli_reaches_a_running_api(pg_api: ApiEnv) -> None:
    state = pg_api.client.app.state.api  # type: ignore[attr-defined]
    _wait_for(lambda: state.keys.listening, WAIT_SECONDS)
    url = DAILY.format("movistar")
    assert pg_api.get(url, key="movistar").status_code == 200
    seen = state.revocations.notifications
    env = {**os.environ, "PUNTORED_DATABASE_URL": pg_api.url, "PYTHONPATH": str(PROJECT_ROOT)}
    revoked = subprocess.run(
        [sys.executable, "-m", "puntored", "keys", "revoke", pg_api.keys["movistar"][:12]],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert revoked.returncode == 0, revoked.stderr
    _wait_for(lambda: state.revocations.notifications > seen, WAIT_SECONDS)
    assert pg_api.get(url, key="movistar").status_code == 401


def test_without_the_listener_nothing_is_served_from_the_cache(pg_api: ApiEnv) -> None:
    state = pg_api.client.app.state.api  # type: ignore[attr-defined]
    _wait_for(lambda: state.keys.listening, WAIT_SECONDS)
    assert pg_api.get(DAILY.format("claro")).status_code == 200
    state.keys.invalidate(listening=False)  # what a lost listener connection does
    assert state.keys.get(pg_api.keys["claro"]) is None
    assert pg_api.get(DAILY.format("claro")).status_code == 200  # looked up, not cached
    assert state.keys.get(pg_api.keys["claro"]) is None
