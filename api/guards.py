"""Input guards that run before routing, whatever the endpoint:

* control characters in the path or the query string: 422 problem+json (a NUL byte would
  otherwise reach the database driver, which refuses it with an error answered as a 500);
* a request head (request line plus headers) longer than ``api_max_header_bytes``: 431. The
  server bounds what it buffers of an incomplete head (uvicorn's h11
  ``h11_max_incomplete_event_size``, api/server.py: 400 and close); a head that arrived whole
  in one read is measured here.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from puntored.api.errors import problem_response

# C0 controls, DEL and C1 controls (Unicode category Cc).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def control_character_in(scope: Scope) -> str | None:
    """Where a control character is ("path" or "query"), or None."""
    if CONTROL_CHARACTERS.search(scope.get("path", "")):
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    if "%" in query and CONTROL_CHARACTERS.search(unquote_plus(query, errors="replace")):
        return "query"
    if CONTROL_CHARACTERS.search(query):
        return "query"
    return None


def head_size(scope: Scope) -> int:
    """Bytes of the request line and headers, as received (near enough: separators counted)."""
    line = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b"")) + 16
    return line + sum(len(name) + len(value) + 4 for name, value in scope.get("headers", ()))


class RequestGuards:
    """Pure ASGI middleware (no per-request task or thread)."""

    def __init__(self, app: ASGIApp, max_header_bytes: int) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if head_size(scope) > self.max_header_bytes:
            detail = f"request line and headers exceed {self.max_header_bytes} bytes"
            await problem_response(Request(scope), 431, detail)(scope, receive, send)
            return
        where = control_character_in(scope)
        if where is None:
            await self.app(scope, receive, send)
            return
        detail = f"the {where} contains a control character (e.g. NUL); they are not allowed"
        response = problem_response(
            Request(scope),
            422,
            detail,
            problem="validation-error",
            errors=[{"in": where, "name": where, "message": "contains a control character"}],
        )
        await response(scope, receive, send)
