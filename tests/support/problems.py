"""Assertions on RFC 9457 problem+json responses, shared by the API tests."""

from __future__ import annotations

from typing import Any

import httpx


def assert_problem(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """The response is a problem+json body with this status whose detail names every word."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"] and body["instance"]
    for word in words:
        assert word in body["detail"], body["detail"]
    return body
