"""CORS: only the configured origins may call the API from a browser; none by default."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from puntored.api.main import create_app
from puntored.settings import Settings
from tests.support.api_seed import FIRST_DAY, LAST_DAY, ApiEnv

ALLOWED = "https://portal.claro.example"
DAILY = f"/v1/providers/claro/metrics/daily?from={FIRST_DAY}&to={LAST_DAY}"
PREFLIGHT = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-api-key"}


def _client(api: ApiEnv, origins: list[str]) -> TestClient:
    return TestClient(create_app(api.settings.model_copy(update={"api_cors_origins": origins})))


def test_no_origin_is_allowed_by_default(api: ApiEnv) -> None:
    preflight = api.client.options(DAILY, headers={"Origin": ALLOWED, **PREFLIGHT})
    assert "access-control-allow-origin" not in preflight.headers
    response = api.get(DAILY, headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_preflight_and_request_from_a_configured_origin(api: ApiEnv) -> None:
    with _client(api, [ALLOWED]) as client:
        preflight = client.options(DAILY, headers={"Origin": ALLOWED, **PREFLIGHT})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ALLOWED
        assert "GET" in preflight.headers["access-control-allow-methods"]
        assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in preflight.headers

        response = client.get(DAILY, headers={"Origin": ALLOWED, "X-API-Key": api.keys["claro"]})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == ALLOWED
        exposed = response.headers["access-control-expose-headers"]
        assert "ETag" in exposed and "X-Next-Cursor" in exposed

        other = "https://evil.example"
        refused = client.options(DAILY, headers={"Origin": other, **PREFLIGHT})
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        # Writes are not allowed cross-origin, even from the configured origin.
        post = client.options(
            DAILY, headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
        )
        assert post.status_code == 400


@pytest.mark.parametrize("origin", ["*", "https://a.example/", "a.example", "https://a.example/x"])
def test_origins_must_be_exact(origin: str) -> None:
    with pytest.raises(ValidationError, match="scheme://host"):
        Settings(api_cors_origins=[origin])


def test_origins_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUNTORED_API_CORS_ORIGINS", f'["{ALLOWED}", "http://127.0.0.1:5173"]')
    assert Settings().api_cors_origins == [ALLOWED, "http://127.0.0.1:5173"]
