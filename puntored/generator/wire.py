"""The wire format: one JSON object per line, keys in contract order.

Serialisation is the hot path. Each line is one ``%`` template filled from columns that are
either integers (formatted by ``%d`` in C) or JSON text looked up in small tables with numpy
indexing; nothing is formatted per event in Python. Tests pin the output against ``json``
and the JSON Schema.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property, lru_cache

import numpy as np

from puntored.contract.transaction import (
    CHANNELS,
    PAYMENT_METHODS,
    STATUSES,
    TRANSACTION_FIELDS,
    FieldType,
)
from puntored.generator import outcomes
from puntored.generator.events import EventBatch, EventModel
from puntored.generator.points_of_sale import (
    MAX_TERMINALS,
    REFERENCE_DIGITS,
    REFERENCE_KIND,
    REFERENCE_PREFIXES,
    reference_text,
)
from puntored.reference import Product

MINUTE_MS = 60_000
DECIMAL_FIELDS = frozenset(f.name for f in TRANSACTION_FIELDS if f.type is FieldType.DECIMAL)


def transaction_id_prefix(run_key: str) -> str:
    """A short tag from the run's key, so ids of different runs never collide."""
    return "tx-" + hashlib.sha256(run_key.encode()).hexdigest()[:8] + "-"


def _table(texts: list[str]) -> np.ndarray:
    return np.array(texts, dtype=object)


class LineEncoder:
    """Encodes event batches of one run: each line is the concatenation of 13 text columns.

    Constant JSON between two values is folded into the lookup tables, so a line is built by
    one ``str.join`` over pieces that were all produced in bulk.
    """

    def __init__(self, model: EventModel, id_prefix: str) -> None:
        self.model = model
        self.id_prefix = id_prefix
        self._id_head = f'{{"transaction_id": "{id_prefix}%010d", "event_type": '

    @cached_property
    def _product_text(self) -> np.ndarray:
        providers = self.model.reference.providers
        return _table(
            [
                f'"provider_id": "{providers[int(provider)].provider_id}", '
                f'"product_id": "{product.product_id}", "client_id": "'
                for product, provider in zip(
                    self.model.reference.products, self.model.product_provider, strict=True
                )
            ]
        )

    @cached_property
    def _terminal_text(self) -> np.ndarray:
        """By client * MAX_TERMINALS + terminal - 1."""
        return _table(
            [
                f'{client}", "terminal_id": "{client}-T{terminal}", "channel": "'
                for client in self.model.points_of_sale.client_ids.tolist()
                for terminal in range(1, MAX_TERMINALS + 1)
            ]
        )

    @cached_property
    def _channel_payment_text(self) -> np.ndarray:
        """By channel * len(PAYMENT_METHODS) + payment method."""
        return _table(
            [
                f'{c}", "payment_method": "{p}", "amount": '
                for c in CHANNELS
                for p in PAYMENT_METHODS
            ]
        )

    @cached_property
    def _outcome_text(self) -> np.ndarray:
        """By status * len(codes) + code."""
        return _table(
            [
                f'"status": "{s}", "response_code": "{c}", "latency_ms": '
                for s in STATUSES
                for c in outcomes.RESPONSE_CODES.codes
            ]
        )

    @cached_property
    def _reference_parts(self) -> tuple[np.ndarray, np.ndarray]:
        return _reference_tables(self.model.reference.products)

    def _event_type_text(self, batch: EventBatch) -> np.ndarray:
        texts = np.full(
            len(batch), '"sale", "reversed_transaction_id": null, "event_at": "', dtype=object
        )
        for row in np.flatnonzero(batch.is_reversal).tolist():
            original = f"{self.id_prefix}{int(batch.reversed_seq[row]):010d}"
            texts[row] = f'"reversal", "reversed_transaction_id": "{original}", "event_at": "'
        return texts

    def lines(self, batch: EventBatch) -> list[str]:
        minutes, in_minute = np.divmod(batch.event_ms, MINUTE_MS)
        distinct_minutes, minute_index = np.unique(minutes, return_inverse=True)
        minute_text = np.datetime_as_string(distinct_minutes.astype("datetime64[m]"), unit="m")
        minute_prefix = _table([f"{m}:" for m in minute_text.tolist()])
        heads, tails = self._reference_parts
        payments = len(PAYMENT_METHODS)
        codes = len(outcomes.RESPONSE_CODES.codes)
        columns = (
            list(map(self._id_head.__mod__, batch.seq.tolist())),
            self._event_type_text(batch).tolist(),
            minute_prefix[minute_index].tolist(),
            _seconds_table()[in_minute].tolist(),
            self._product_text[batch.product].tolist(),
            self._terminal_text[batch.client * MAX_TERMINALS + batch.terminal - 1].tolist(),
            self._channel_payment_text[batch.channel * payments + batch.payment_method].tolist(),
            _money_text(batch.amount_cents, ', "commission": '),
            _money_text(batch.commission_cents, ', "currency": "COP", '),
            self._outcome_text[batch.status.astype(np.int64) * codes + batch.code].tolist(),
            list(map(str, batch.latency_ms.tolist())),
            heads[batch.product * REFERENCE_PREFIXES + batch.reference_prefix].tolist(),
            tails[batch.product * REFERENCE_DIGITS + batch.reference_digits].tolist(),
        )
        return list(map("".join, zip(*columns, strict=True)))


def _money_text(cents: np.ndarray, suffix: str) -> list[str]:
    """COP with exactly two decimals written literally (10000.00); each distinct value once."""
    distinct, inverse = np.unique(cents, return_inverse=True)
    texts = _table([f"{c // 100}.{c % 100:02d}{suffix}" for c in distinct.tolist()])
    return texts[inverse].tolist()


@lru_cache
def _reference_tables(products: tuple[Product, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Masked references split in a (product, prefix) head and a (product, digits) tail."""
    heads, tails = [], []
    tails_by_kind: dict[str, list[str]] = {}  # the tail holds digits only: shared by a kind
    for product in products:
        for prefix in range(REFERENCE_PREFIXES):
            text = reference_text(product, prefix, 0)
            head = "null" if text is None else f'"{text[:-4]}'
            heads.append(f', "customer_reference": {head}')
        kind = REFERENCE_KIND.get(product.product_type) or "none"
        if kind not in tails_by_kind:
            tails_by_kind[kind] = [
                "}" if text is None else f'{text[-4:]}"}}'
                for text in (reference_text(product, 0, d) for d in range(REFERENCE_DIGITS))
            ]
        tails += tails_by_kind[kind]
    return _table(heads), _table(tails)


@lru_cache
def _seconds_table() -> np.ndarray:
    """'SS.mmmZ", ' for every millisecond of a minute, built once."""
    return _table([f'{ms // 1000:02d}.{ms % 1000:03d}Z", ' for ms in range(MINUTE_MS)])


def encode_lines(batch: EventBatch, model: EventModel, id_prefix: str) -> list[str]:
    return LineEncoder(model, id_prefix).lines(batch)


def field_texts(line: str) -> dict[str, str]:
    """A valid line split into JSON texts by field, in order (to build malformed variants)."""
    values = json.loads(line, parse_float=str)
    return {
        name: value if name in DECIMAL_FIELDS else json.dumps(value)
        for name, value in values.items()
    }


def line_from_fields(values: dict[str, str]) -> str:
    """One line from (possibly altered) JSON texts; keys keep their given order."""
    return "{" + ", ".join(f'"{name}": {text}' for name, text in values.items()) + "}"
