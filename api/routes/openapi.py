"""OpenAPI descriptions shared by the routes: problem responses and the CSV alternative."""

from __future__ import annotations

from typing import Any

from puntored.api.errors import PROBLEM_MEDIA_TYPE
from puntored.api.schemas import Problem

_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def problem_doc(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": _PROBLEM_CONTENT}


AUTHENTICATED_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: problem_doc("Unknown or repeated query parameter, or an invalid cursor."),
    401: problem_doc("Missing, unknown or revoked API key."),
    403: problem_doc("The key belongs to another provider."),
    404: problem_doc("Unknown provider (admin keys) or no such endpoint."),
    422: problem_doc("Invalid parameter value (dates, ranges, limits, enums)."),
    429: problem_doc("Rate limit exceeded; see the Retry-After header."),
}

CSV_ALTERNATIVE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON by default; CSV with `format=csv` or `Accept: text/csv`.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
    304: {"description": "Not modified: the `If-None-Match` ETag is current."},
}

CONDITIONAL: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is current."},
}
