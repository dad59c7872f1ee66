"""Every error the API returns is an RFC 9457 problem+json body.

Handlers here turn FastAPI's validation errors, Starlette's 404/405 and the API's own
``ApiProblem`` exceptions into the same shape: ``type``, ``title``, ``status``, ``detail``,
``instance`` and, for validation errors, the list of ``errors`` (where and what).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://puntored.example/problems/"

log = structlog.get_logger("api")


class ApiProblem(Exception):
    """An error a client can act on; rendered as problem+json with its status."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        problem: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problem = problem or HTTPStatus(status).phrase.lower().replace(" ", "-")
        self.headers = dict(headers or {})
        self.errors = list(errors) if errors else None


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    problem: str | None = None,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
) -> ProblemResponse:
    slug = problem or HTTPStatus(status).phrase.lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = list(errors)
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def _describe_validation_error(error: Mapping[str, Any]) -> dict[str, str]:
    location = [str(part) for part in error.get("loc", ())]
    where = location[0] if location else "request"
    name = ".".join(location[1:]) or where
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if error.get("type") == "missing":
        message = "is required"
    return {"in": where, "name": name, "message": message}


async def _validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_describe_validation_error(e) for e in exc.errors()]
    detail = "; ".join(f"{e['in']} parameter '{e['name']}' {e['message']}" for e in errors)
    return problem_response(
        request, 422, detail or "invalid request", problem="validation-error", errors=errors
    )


async def _api_problem(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ApiProblem)
    return problem_response(
        request,
        exc.status,
        exc.detail,
        problem=exc.problem,
        headers=exc.headers,
        errors=exc.errors,
    )


async def _http_exception(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such endpoint: {request.url.path}"
    if exc.status_code == 405:
        detail = f"method {request.method} is not allowed on {request.url.path}"
    return problem_response(request, exc.status_code, detail, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
    log.error("unhandled_error", path=request.url.path, error=repr(exc), exc_info=exc)
    return problem_response(request, 500, "internal error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)
