"""The project's expected failures, and how any failure is told in one line.

The CLI prints a ``PuntoredError``'s message (one line per problem) and exits 1; AWS client
errors and exhausted retries are told the same way through ``describe``.
"""

from __future__ import annotations

from typing import Any


class PuntoredError(Exception):
    """Base of every error a user can act on (bad input, a stage that cannot proceed)."""


def describe(error: BaseException | None) -> str:
    """One line for any error: what failed and why, without tracebacks or wrapper noise.

    - botocore ``ClientError``: ``AWS <Operation> failed: <Code>: <Message>``
    - tenacity ``RetryError``: ``gave up after N attempts: <the last attempt's error>``
    - anything else: its first non-empty line (drivers append "Background on this error…").
    Duck-typed, so this core module needs neither botocore nor tenacity.
    """
    if error is None:
        return "no error recorded"
    response: Any = getattr(error, "response", None)
    operation = getattr(error, "operation_name", None)
    if isinstance(response, dict) and operation:
        details = response.get("Error", {})
        code, message = details.get("Code", "error"), _first_line(str(details.get("Message", "")))
        return f"AWS {operation} failed: {code}: {message}".rstrip(": ")
    last_attempt: Any = getattr(error, "last_attempt", None)
    if last_attempt is not None and hasattr(last_attempt, "attempt_number"):
        reason = describe(last_attempt.exception())
        return f"gave up after {last_attempt.attempt_number} attempts: {reason}"
    return _first_line(str(error)) or type(error).__name__


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
