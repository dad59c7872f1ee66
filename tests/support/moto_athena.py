"""The production Athena client (``puntored.serving.athena.Athena``) against moto's server.

moto's Athena accepts every statement and executes none: a SELECT's answer is whatever the
test injected (``POST /moto-api/static/athena/query-results``, consumed by the next
StartQueryExecution), an UNLOAD writes nothing. ``MotoAthena`` injects each SELECT's answer
just before that query starts (so answers never leak between tests) and, after an UNLOAD
succeeded, lets the test place the objects Athena would have written at its ``TO`` location.
Everything else (StartQueryExecution with the work group, database and result location,
GetQueryExecution polling, paged GetQueryResults, typing from ColumnInfo) is the real path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from puntored.serving.athena import Athena, QueryResult
from puntored.settings import Settings

ACCOUNT = "123456789012"  # moto's default account
_UNLOAD_TARGET = re.compile(r"\)\s+TO\s+'(s3://[^']+)'", re.IGNORECASE)


def athena_text(value: Any) -> str | None:
    """A value as Athena prints it in GetQueryResults (None: the cell has no VarCharValue)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="milliseconds")
    if isinstance(value, date | Decimal | int | float | str):
        return str(value)
    raise TypeError(f"no Athena text for {value!r}")


def inject(endpoint: str, region: str, answer: QueryResult) -> None:
    """Queue one answer (header row first, as Athena answers a SELECT)."""
    header = [{"VarCharValue": name} for name, _ in answer.columns]
    rows = [{"Data": header}] + [
        {"Data": [{} if (t := athena_text(v)) is None else {"VarCharValue": t} for v in row]}
        for row in answer.rows
    ]
    info = [
        {"Name": name, "Label": name, "Type": type_, "Nullable": "UNKNOWN"}
        for name, type_ in answer.columns
    ]
    response = httpx.post(
        f"{endpoint}/moto-api/static/athena/query-results",
        json={"account_id": ACCOUNT, "region": region, "results": [
            {"rows": rows, "column_info": info}
        ]},
    )  # fmt: skip
    response.raise_for_status()


def unload_target(sql: str) -> str:
    match = _UNLOAD_TARGET.search(sql)
    assert match, sql
    return match.group(1)


@dataclass
class Started:
    sql: str
    database: str | None
    query_id: str = ""


class MotoAthena(Athena):
    def __init__(
        self,
        settings: Settings,
        answer: Callable[[str], QueryResult],
        unload: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(settings)
        assert settings.aws_endpoint_url and settings.aws_region
        self._endpoint, self._region = settings.aws_endpoint_url, settings.aws_region
        self._answer, self._unload = answer, unload
        self.started: list[Started] = []

    def start(self, sql: str, database: str | None = None) -> str:
        if not sql.lstrip().upper().startswith("UNLOAD"):
            inject(self._endpoint, self._region, self._answer(sql))
        query_id = super().start(sql, database)
        self.started.append(Started(sql, database, query_id))
        return query_id

    def wait(self, query_ids: Sequence[str], statements: Sequence[str] | None = None) -> None:
        super().wait(query_ids, statements)
        for sql in statements or []:
            if sql.lstrip().upper().startswith("UNLOAD") and self._unload is not None:
                self._unload(sql, unload_target(sql))
