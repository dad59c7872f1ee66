"""Athena queries through boto3: start, wait, read the answer; one line when a query fails.

One client for the sync's warehouse reader and the reports (``AwsConfig``: the region and
``PUNTORED_AWS_ENDPOINT_URL``, so an emulator such as moto's server answers in tests). Queries
run in ``PUNTORED_ATHENA_WORKGROUP`` with results under ``PUNTORED_ATHENA_S3_STAGING_DIR``.
Answers are read with ``GetQueryResults`` (1,000 rows a page) and typed from the result's
``ColumnInfo`` (decision 0711): the sync's marts and the reports' totals are small; bulk rows
leave Athena by ``UNLOAD`` to S3, never through this reader.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from puntored.aws import AwsConfig
from puntored.errors import PuntoredError, describe
from puntored.settings import Settings

DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
FIRST_POLL_SECONDS = 0.2
MAX_POLL_SECONDS = 5.0


class AthenaError(PuntoredError):
    """A query that failed, was cancelled or did not finish; the message is one line."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[tuple[str, str]]  # (name, Athena type) in select order
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        names = [name for name, _ in self.columns]
        return [dict(zip(names, row, strict=True)) for row in self.rows]


def _integer(text: str) -> int:
    return int(text)


def _boolean(text: str) -> bool:
    return text.lower() == "true"


def _timestamp(text: str) -> datetime:
    # Athena prints "2026-11-01 10:00:00.123" (and " UTC" for timestamp with time zone)
    return datetime.fromisoformat(text.removesuffix(" UTC"))


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "tinyint": _integer, "smallint": _integer, "integer": _integer, "int": _integer,
    "bigint": _integer, "double": float, "float": float, "real": float, "decimal": Decimal,
    "boolean": _boolean, "date": date.fromisoformat, "timestamp": _timestamp,
    "timestamp with time zone": _timestamp,
}  # fmt: skip


def convert(type_name: str, text: str | None) -> Any:
    """One cell of a GetQueryResults page (text, or absent for NULL) as a Python value."""
    if text is None:
        return None
    base = type_name.lower().split("(", 1)[0].strip()
    return _CONVERTERS.get(base, str)(text)


def _short(sql: str) -> str:
    line = " ".join(sql.split())
    return line if len(line) <= 80 else line[:77] + "..."


class Athena:
    """Run statements in the settings' work group and wait for them."""

    def __init__(
        self, settings: Settings, *, timeout_seconds: float | None = None, client: Any = None
    ) -> None:
        self._settings = settings
        self._client = client or AwsConfig.from_settings(settings).client("athena")
        self._timeout = timeout_seconds or settings.athena_query_timeout_seconds

    def start(self, sql: str, database: str | None = None) -> str:
        """StartQueryExecution; returns the query's id."""
        request: dict[str, Any] = {
            "QueryString": sql,
            "WorkGroup": self._settings.athena_workgroup,
            "ResultConfiguration": {"OutputLocation": self._settings.athena_s3_staging_dir},
        }
        if database:
            request["QueryExecutionContext"] = {"Database": database}
        try:
            return str(self._client.start_query_execution(**request)["QueryExecutionId"])
        except (BotoCoreError, ClientError) as error:
            raise AthenaError(f"Athena refused {_short(sql)!r}: {describe(error)}") from error

    def wait(self, query_ids: Sequence[str], statements: Sequence[str] | None = None) -> None:
        """Poll until every query is done; the first that did not succeed raises, in one line
        (the others that are still running are stopped)."""
        pending = dict.fromkeys(query_ids, "QUEUED")
        sql = dict(zip(query_ids, statements or [""] * len(query_ids), strict=True))
        deadline = time.monotonic() + self._timeout
        pause = FIRST_POLL_SECONDS
        while True:
            for query_id in list(pending):
                status = self._status(query_id)
                state = status["State"]
                if state == "SUCCEEDED":
                    del pending[query_id]
                elif state in DONE:
                    self._stop(pending, but=query_id)
                    reason = _first_line(status.get("StateChangeReason", "")) or "no reason given"
                    raise AthenaError(
                        f"Athena query {query_id} {state}: {reason} ({_short(sql[query_id])})"
                    )
            if not pending:
                return
            if time.monotonic() > deadline:
                self._stop(pending)
                raise AthenaError(
                    f"Athena queries did not finish within {self._timeout:g} s "
                    f"(PUNTORED_ATHENA_QUERY_TIMEOUT_SECONDS); stopped {', '.join(pending)}"
                )
            time.sleep(pause)
            pause = min(pause * 2, MAX_POLL_SECONDS)

    def run(self, sql: str, database: str | None = None) -> str:
        query_id = self.start(sql, database)
        self.wait([query_id], [sql])
        return query_id

    def run_all(self, statements: Sequence[str], database: str | None = None) -> list[str]:
        """Start every statement at once (Athena runs them in parallel), wait for all."""
        ids = [self.start(sql, database) for sql in statements]
        self.wait(ids, statements)
        return ids

    def query(self, sql: str, database: str | None = None) -> QueryResult:
        """Run a SELECT and read its typed answer (every page)."""
        return self.results(self.run(sql, database))

    def results(self, query_id: str) -> QueryResult:
        columns: list[tuple[str, str]] = []
        rows: list[tuple[Any, ...]] = []
        token: str | None = None
        first_page = True
        while True:
            request: dict[str, Any] = {"QueryExecutionId": query_id, "MaxResults": 1000}
            if token:
                request["NextToken"] = token
            try:
                page = self._client.get_query_results(**request)
            except (BotoCoreError, ClientError) as error:
                raise AthenaError(
                    f"cannot read Athena query {query_id}: {describe(error)}"
                ) from error
            result = page["ResultSet"]
            if first_page:
                info = result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
                columns = [(c["Name"], c["Type"]) for c in info]
            cells = [[d.get("VarCharValue") for d in r.get("Data", [])] for r in result["Rows"]]
            if first_page and cells and cells[0] == [name for name, _ in columns]:
                cells = cells[1:]  # a SELECT's first row is its header
            rows += [
                tuple(convert(type_, text) for (_, type_), text in zip(columns, row, strict=True))
                for row in cells
            ]
            first_page = False
            token = page.get("NextToken")
            if not token:
                return QueryResult(columns, rows)

    def _status(self, query_id: str) -> dict[str, Any]:
        try:
            execution = self._client.get_query_execution(QueryExecutionId=query_id)
        except (BotoCoreError, ClientError) as error:
            raise AthenaError(
                f"cannot follow Athena query {query_id}: {describe(error)}"
            ) from error
        return dict(execution["QueryExecution"]["Status"])

    def _stop(self, pending: dict[str, str], but: str | None = None) -> None:
        for query_id in pending:
            if query_id != but:
                # best effort: the error being reported matters more
                with contextlib.suppress(BotoCoreError, ClientError):
                    self._client.stop_query_execution(QueryExecutionId=query_id)


def _first_line(text: str) -> str:
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "")
