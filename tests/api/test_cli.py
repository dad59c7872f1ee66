"""``puntored keys`` and ``puntored serve``: a key created on the command line reads its own
provider through a real uvicorn server and is refused another; revoked, it gets 401."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from puntored.api.demo import demo_access
from puntored.settings import PROJECT_ROOT, Settings


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PUNTORED_DATA_DIR": str(data_dir), "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("PUNTORED_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "puntored", *args], env=env, capture_output=True, text=True
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_keys_cli_and_serve(data_dir: Path) -> None:
    assert "no api_keys table" in _cli(data_dir, "keys", "list").stderr
    assert _cli(data_dir, "db", "upgrade").returncode == 0
    bad = _cli(data_dir, "keys", "create", "--provider", "nope")
    assert bad.returncode == 1 and bad.stderr.strip().startswith("error: unknown provider 'nope'")
    assert len(bad.stderr.strip().splitlines()) == 1
    created = _cli(data_dir, "keys", "create", "--provider", "claro", "--name", "ops")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("prk_")
    listing = _cli(data_dir, "keys", "list").stdout
    assert key[:8] in listing and key not in listing

    port = _free_port()
    env = {**os.environ, "PUNTORED_DATA_DIR": str(data_dir), "PYTHONPATH": str(PROJECT_ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "puntored", "serve", "--port", str(port)], env=env
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        headers = {"X-API-Key": key}
        query = "metrics/daily?from=2026-03-01&to=2026-03-31"
        assert httpx.get(f"{base}/v1/providers/claro/{query}", headers=headers).status_code == 200
        other = httpx.get(f"{base}/v1/providers/movistar/{query}", headers=headers)
        assert other.status_code == 403
        assert httpx.get(f"{base}/docs").status_code == 200
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"]
        revoked = _cli(data_dir, "keys", "revoke", key[:12])
        assert revoked.returncode == 0 and "revoked" in revoked.stdout
        assert httpx.get(f"{base}/v1/providers/claro/{query}", headers=headers).status_code == 401
        demo = demo_access(Settings(data_dir=data_dir), "tigo", date(2026, 3, 7), port=port)
        assert "from=2026-03-01&to=2026-03-07" in demo.example and demo.key in demo.example
        url = demo.example.split("'")[-2]
        assert httpx.get(url, headers={"X-API-Key": demo.key}).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
