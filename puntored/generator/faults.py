"""Malformed records: each has exactly one defect, named by a stable reason code.

The landing job quarantines them with the same codes. Checks it applies in this order make
each record's reason unambiguous: JSON, then required fields, types, enum values, amounts,
provider, product (an unknown provider necessarily has no matching product), timestamp.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from puntored.contract.transaction import required_field_names
from puntored.generator.clock import DAY_MS
from puntored.generator.wire import line_from_fields

MALFORMED_REASONS = (
    "malformed_json",
    "missing_field",
    "wrong_type",
    "unknown_provider",
    "unknown_product",
    "negative_amount",
    "future_timestamp",
    "invalid_value",
)
UNKNOWN_PROVIDERS = ('"acme_telecom"', '"claro_colombia"', '"epm2"')
UNKNOWN_PRODUCTS = ('"claro_topup_xl"', '"netflix_gift"', '"soat_camion"')
WRONG_TYPES = (("amount", '"abc"'), ("latency_ms", '"fast"'), ("commission", "true"))
INVALID_VALUES = (("status", '"maybe"'), ("channel", '"fax"'), ("event_type", '"refund"'))
FUTURE_RANGE_MS = (2 * DAY_MS, 30 * DAY_MS)  # after the end of the file's arrival hour


def corrupt(
    rng: np.random.Generator,
    reason: str,
    values: dict[str, str],
    arrival_end_ms: int,
    foreign_product: str,
) -> str:
    """The line for ``values`` (JSON texts by field) with exactly the defect ``reason``."""
    values = dict(values)
    if reason == "malformed_json":
        line = line_from_fields(values)
        return line[: int(rng.integers(10, len(line) - 5))]  # cut mid-record, like a torn write
    if reason == "missing_field":
        names = required_field_names()
        del values[names[int(rng.integers(len(names)))]]
    elif reason == "wrong_type":
        name, text = WRONG_TYPES[int(rng.integers(len(WRONG_TYPES)))]
        values[name] = text
    elif reason == "unknown_provider":
        values["provider_id"] = UNKNOWN_PROVIDERS[int(rng.integers(len(UNKNOWN_PROVIDERS)))]
    elif reason == "unknown_product":
        if rng.random() < 0.5:
            values["product_id"] = UNKNOWN_PRODUCTS[int(rng.integers(len(UNKNOWN_PRODUCTS)))]
        else:
            values["product_id"] = f'"{foreign_product}"'  # a real product of another provider
    elif reason == "negative_amount":
        values["amount"] = "-" + values["amount"]
    elif reason == "future_timestamp":
        future_ms = arrival_end_ms + int(rng.integers(*FUTURE_RANGE_MS))
        values["event_at"] = '"' + _iso(future_ms) + '"'
    elif reason == "invalid_value":
        name, text = INVALID_VALUES[int(rng.integers(len(INVALID_VALUES)))]
        values[name] = text
    else:
        raise ValueError(f"unknown malformed reason {reason!r}")
    return line_from_fields(values)


def _iso(utc_ms: int) -> str:
    moment = datetime.fromtimestamp(utc_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc_ms % 1000:03d}Z"
