"""The wire format: one JSON object per line, keys in contract order.

Serialisation is the hot path, so every column is turned into JSON text in bulk (small tables
indexed by numpy, or one formatted string per distinct value) and the lines are assembled
with one ``%`` template. The format is pinned by tests against ``json`` and the JSON Schema.
"""

from __future__ import annotations

import hashlib

import numpy as np

from puntored.contract.transaction import (
    CHANNELS,
    EVENT_TYPES,
    PAYMENT_METHODS,
    STATUSES,
    field_names,
)
from puntored.generator.events import EventBatch, EventModel
from puntored.generator.outcomes import RESPONSE_CODES

FIELDS = field_names()
_LINE_TEMPLATE = "{" + ", ".join(f'"{name}": %s' for name in FIELDS) + "}"
_CONSTANT = {"currency": '"COP"'}


def transaction_id_prefix(run_key: str) -> str:
    """A short tag from the run's key, so ids of different runs never collide."""
    return "tx-" + hashlib.sha256(run_key.encode()).hexdigest()[:8] + "-"


def _quoted(values: list[str] | tuple[str, ...]) -> np.ndarray:
    return np.array([f'"{v}"' for v in values], dtype=object)


def _distinct_text(values: np.ndarray, render: str) -> list[str]:
    """Format each distinct value once (amounts and latencies repeat a lot)."""
    distinct, inverse = np.unique(values, return_inverse=True)
    texts = np.array([render % v for v in distinct.tolist()], dtype=object)
    return list(texts[inverse])


def money_text(cents: np.ndarray) -> list[str]:
    """COP with exactly two decimals written literally: 10000.00."""
    distinct, inverse = np.unique(cents, return_inverse=True)
    texts = np.array([f"{c // 100}.{c % 100:02d}" for c in distinct.tolist()], dtype=object)
    return list(texts[inverse])


def timestamp_text(event_ms: np.ndarray) -> list[str]:
    """ISO-8601 UTC with milliseconds and Z: "2026-11-02T13:45:12.345Z"."""
    text = np.datetime_as_string(event_ms.astype("datetime64[ms]"), unit="ms")
    return [f'"{t}Z"' for t in text.tolist()]


def encode_columns(batch: EventBatch, model: EventModel, id_prefix: str) -> dict[str, list[str]]:
    """Every field of every event as its JSON text, column by column."""
    products = model.reference.products
    provider_ids = _quoted([p.provider_id for p in model.reference.providers])
    client_ids = model.points_of_sale.client_ids
    ids = [f'"{id_prefix}{s:010d}"' for s in batch.seq.tolist()]
    reversed_ids = [
        f'"{id_prefix}{s:010d}"' if s >= 0 else "null" for s in batch.reversed_seq.tolist()
    ]
    terminals = [
        f'"{c}-T{t}"' for c, t in zip(client_ids[batch.client], batch.terminal.tolist(), strict=True)
    ]
    return {
        "transaction_id": ids,
        "event_type": list(_quoted(EVENT_TYPES)[batch.is_reversal.astype(np.int8)]),
        "reversed_transaction_id": reversed_ids,
        "event_at": timestamp_text(batch.event_ms),
        "provider_id": list(provider_ids[model.product_provider[batch.product]]),
        "product_id": list(_quoted([p.product_id for p in products])[batch.product]),
        "client_id": [f'"{c}"' for c in client_ids[batch.client]],
        "terminal_id": terminals,
        "channel": list(_quoted(CHANNELS)[batch.channel]),
        "payment_method": list(_quoted(PAYMENT_METHODS)[batch.payment_method]),
        "amount": money_text(batch.amount_cents),
        "commission": money_text(batch.commission_cents),
        "currency": [_CONSTANT["currency"]] * len(batch),
        "status": list(_quoted(STATUSES)[batch.status]),
        "response_code": list(_quoted(RESPONSE_CODES.codes)[batch.code]),
        "latency_ms": _distinct_text(batch.latency_ms, "%d"),
        "customer_reference": [
            "null" if r is None else f'"{r}"' for r in batch.customer_reference
        ],
    }


def lines_from_columns(columns: dict[str, list[str]]) -> list[str]:
    return [_LINE_TEMPLATE % row for row in zip(*(columns[name] for name in FIELDS), strict=True)]


def encode_lines(batch: EventBatch, model: EventModel, id_prefix: str) -> list[str]:
    return lines_from_columns(encode_columns(batch, model, id_prefix))


def line_from_fields(values: dict[str, str]) -> str:
    """One line from (possibly altered) JSON texts; keys keep their given order."""
    return "{" + ", ".join(f'"{name}": {text}' for name, text in values.items()) + "}"
