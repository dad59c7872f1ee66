"""Retrying the sync's units of database work when the serving database cannot be reached.

Only connection failures are retried (exponential backoff, ``PUNTORED_SYNC_RETRY_ATTEMPTS``
attempts from ``PUNTORED_SYNC_RETRY_WAIT_S``); an SQL or data error fails at once. Each retry
logs the driver's own message, and exhausted retries end in one ``PuntoredError`` line.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Protocol, TypeVar

import structlog
from sqlalchemy.exc import OperationalError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from puntored.errors import PuntoredError, describe
from puntored.settings import Settings

log = structlog.get_logger("puntored.sync")
T = TypeVar("T")


class Retry(Protocol):
    def __call__(self, work: Callable[[], T]) -> T: ...


def is_transient(error: BaseException) -> bool:
    """A failure to reach the database (worth retrying), not a problem with the SQL or data."""
    if not isinstance(error, OperationalError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.OperationalError):
        # sqlite3 also reports SQL errors as OperationalError; only these are transient.
        return any(word in str(error.orig) for word in ("locked", "busy", "unable to open"))
    return True


def error_reason(error: BaseException | None) -> str:
    """The driver's own message on one line, without SQLAlchemy's wrapping."""
    return describe(getattr(error, "orig", None) or error)


def database_retrying(settings: Settings) -> Retry:
    """Run a unit of database work, retrying connection failures with exponential backoff."""
    attempts = settings.sync_retry_attempts

    def log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "serving_db_retry",
            attempt=state.attempt_number,
            attempts=attempts,
            wait_s=round(state.upcoming_sleep, 3),
            error=error_reason(error),
        )

    def run(work: Callable[[], T]) -> T:
        retryer = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=settings.sync_retry_wait_s, max=30),
            retry=retry_if_exception(is_transient),
            before_sleep=log_retry,
            reraise=True,
        )
        try:
            return retryer(work)
        except OperationalError as error:
            if not is_transient(error):
                raise
            raise PuntoredError(
                f"serving database unreachable after {attempts} attempts: {error_reason(error)}"
            ) from error

    return run
