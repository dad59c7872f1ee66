"""Response formats: JSON (default) or CSV (``format=csv`` or ``Accept: text/csv``).

CSV has one line per item with the same field names and values as the JSON items (money with
two decimals, UTC timestamps in ISO 8601, empty cells for nulls). A text cell a spreadsheet would
read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
prefixed with ``'`` (OWASP "CSV injection"); numbers, negative amounts included, stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from puntored.api.caching import RenderedBody, render

JSON_MEDIA_TYPE = "application/json"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

ResponseFormat = Literal["json", "csv"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


FormatQuery = Annotated[
    ResponseFormat | None,
    Query(description="`csv` for a CSV download; default JSON (or by `Accept: text/csv`)."),
]


async def response_format(request: Request, format: FormatQuery = None) -> ResponseFormat:
    if format is not None:
        return format
    accept = request.headers.get("accept", "")
    wants_csv = "text/csv" in accept and "application/json" not in accept
    return "csv" if wants_csv else "json"


FormatDep = Annotated[ResponseFormat, Depends(response_format)]


def render_json(model: BaseModel) -> RenderedBody:
    return render(model.model_dump_json(by_alias=True).encode(), JSON_MEDIA_TYPE)


def render_csv(
    items: Sequence[BaseModel], columns: Sequence[str], filename: str, extra_headers: dict[str, str]
) -> RenderedBody:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for item in items:
        values = item.model_dump(mode="json", by_alias=True)
        writer.writerow(_cell(values.get(column)) for column in columns)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', **extra_headers}
    return render(buffer.getvalue().encode(), CSV_MEDIA_TYPE, headers)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralised(value)
    return value


def neutralised(text: str) -> str:
    """``text`` made inert for spreadsheets: a leading ``'`` if it could start a formula."""
    if text.startswith(FORMULA_PREFIXES) and not _NUMBER.match(text):
        return "'" + text
    return text


def item_columns(model: type[BaseModel], first: Sequence[str]) -> list[str]:
    """The model's field names, the key columns ``first`` leading."""
    names = [field.alias or name for name, field in model.model_fields.items()]
    return [*first, *(name for name in names if name not in first)]
