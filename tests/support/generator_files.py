"""Reading back what the generator wrote, independently of the generator's own code."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from puntored.contract.json_schema import transaction_json_schema
from puntored.reference import load_reference

BOGOTA = timedelta(hours=-5)


def exact_decimal_schema() -> dict[str, Any]:
    """The contract's JSON Schema with ``multipleOf`` as a Decimal, for Decimal-parsed records.

    jsonschema checks a float ``multipleOf: 0.01`` with float division, which rejects about
    one valid cent value in nine (0.07, 0.29, ...). Parsing numbers as Decimal and comparing
    against Decimal("0.01") checks the same rule exactly.
    """
    schema = transaction_json_schema()
    for prop in schema["properties"].values():
        for variant in [prop, *prop.get("anyOf", [])]:
            if "multipleOf" in variant:
                variant["multipleOf"] = Decimal(str(variant["multipleOf"]))
    return schema


VALIDATOR = Draft202012Validator(exact_decimal_schema(), format_checker=FormatChecker())
SCHEMA_REASONS = {
    "required": "missing_field",
    "type": "wrong_type",
    "enum": "invalid_value",
    "minimum": "negative_amount",
}


def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def bogota_day(text: str) -> date:
    return (parse_utc(text) + BOGOTA).date()


@dataclass
class LandingContents:
    """Every line of a landing zone, classified the way the landing job must classify it."""

    unique: dict[str, dict[str, Any]] = field(default_factory=dict)  # first arrival wins
    raw: dict[str, str] = field(default_factory=dict)
    arrival: dict[str, tuple[date, int]] = field(default_factory=dict)
    duplicates: int = 0
    malformed: dict[str, int] = field(default_factory=dict)
    lines: int = 0
    unreadable: list[str] = field(default_factory=list)
    files: int = 0


def _folder(path: Path) -> tuple[date, int]:
    day = date.fromisoformat(path.parent.parent.name.removeprefix("arrival_date="))
    return day, int(path.parent.name.removeprefix("hour="))


def _defect(line: str, arrival: tuple[date, int]) -> tuple[str | None, dict[str, Any] | None]:
    """(reason, record): reason None for a valid record."""
    try:
        record = json.loads(line, parse_float=Decimal)
    except json.JSONDecodeError:
        return "malformed_json", None
    errors = list(VALIDATOR.iter_errors(record))
    if any(e.validator == "required" and not e.path for e in errors):
        # Without event_type the schema's reversal rule also fires: still one defect.
        return "missing_field", record
    if errors:
        assert len(errors) == 1, (line, [e.message for e in errors])
        return SCHEMA_REASONS[str(errors[0].validator)], record
    reference = load_reference()
    if record["provider_id"] not in {p.provider_id for p in reference.providers}:
        return "unknown_provider", record
    if reference.product_provider().get(record["product_id"]) != record["provider_id"]:
        return "unknown_product", record
    day, hour = arrival
    hour_end = datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - BOGOTA
    if parse_utc(record["event_at"]) > hour_end + timedelta(hours=1):
        return "future_timestamp", record
    return None, record


def read_landing(landing: Path) -> LandingContents:
    contents = LandingContents()
    for path in sorted(landing.glob("transactions/arrival_date=*/hour=*/*.jsonl.gz")):
        contents.files += 1
        try:
            text = gzip.decompress(path.read_bytes()).decode("utf-8")
        except (EOFError, gzip.BadGzipFile):
            contents.unreadable.append(path.relative_to(landing).as_posix())
            continue
        arrival = _folder(path)
        for line in text.splitlines():
            contents.lines += 1
            reason, record = _defect(line, arrival)
            if reason is not None:
                contents.malformed[reason] = contents.malformed.get(reason, 0) + 1
                continue
            assert record is not None
            tid = record["transaction_id"]
            if tid in contents.unique:
                assert contents.raw[tid] == line, "a duplicate must be a byte-identical re-send"
                assert contents.arrival[tid] <= arrival, "a duplicate arrived before its original"
                contents.duplicates += 1
                continue
            contents.unique[tid] = record
            contents.raw[tid] = line
            contents.arrival[tid] = arrival
    return contents
