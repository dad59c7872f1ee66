"""Events as columns of numpy arrays: sales drawn in bulk, reversals of approved sales."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from puntored.generator import outcomes, points_of_sale, products
from puntored.reference import ReferenceData

MINUTE_MS = 60_000
REVERSAL_DELAY_MEDIAN_MS = 25 * MINUTE_MS
REVERSAL_DELAY_SIGMA = 1.2
REVERSAL_DELAY_RANGE_MS = (2 * MINUTE_MS, 8 * 60 * MINUTE_MS)  # minutes to hours after the sale


@dataclass(frozen=True)
class EventModel:
    """Reference data prepared for vectorised sampling."""

    reference: ReferenceData
    product_probability: np.ndarray
    product_provider: np.ndarray  # provider index per product
    provider_category: np.ndarray  # category index per provider
    categories: list[str]
    commission_bp: np.ndarray
    points_of_sale: points_of_sale.PointsOfSale

    @classmethod
    def from_reference(cls, reference: ReferenceData) -> EventModel:
        provider_ids = [p.provider_id for p in reference.providers]
        categories = sorted({p.category for p in reference.providers})
        return cls(
            reference=reference,
            product_probability=products.product_weights(reference.products),
            product_provider=np.array(
                [provider_ids.index(p.provider_id) for p in reference.products]
            ),
            provider_category=np.array([categories.index(p.category) for p in reference.providers]),
            categories=categories,
            commission_bp=products.commission_rate_basis_points(reference.products),
            points_of_sale=points_of_sale.PointsOfSale.from_clients(reference.clients),
        )


@dataclass(frozen=True)
class EventBatch:
    """One row per event; ``seq`` numbers events within a run (the transaction id derives)."""

    seq: np.ndarray
    is_reversal: np.ndarray
    reversed_seq: np.ndarray  # -1 for sales
    event_ms: np.ndarray  # UTC epoch milliseconds
    product: np.ndarray
    client: np.ndarray
    terminal: np.ndarray
    channel: np.ndarray
    payment_method: np.ndarray
    amount_cents: np.ndarray
    commission_cents: np.ndarray
    status: np.ndarray
    code: np.ndarray
    latency_ms: np.ndarray
    reference_prefix: np.ndarray  # unmasked parts of the customer reference
    reference_digits: np.ndarray

    def __len__(self) -> int:
        return len(self.seq)

    def take(self, rows: np.ndarray) -> EventBatch:
        return EventBatch(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    @staticmethod
    def concat(batches: list[EventBatch]) -> EventBatch:
        return EventBatch(
            **{
                f.name: np.concatenate([getattr(b, f.name) for b in batches])
                for f in fields(EventBatch)
            }
        )


def make_sales(
    model: EventModel, rng: np.random.Generator, event_ms: np.ndarray, first_seq: int
) -> EventBatch:
    """Sale attempts at the given UTC times, numbered from ``first_seq``."""
    count = len(event_ms)
    product = rng.choice(len(model.product_probability), size=count, p=model.product_probability)
    client, terminal = model.points_of_sale.sample(rng, count)
    amount = products.sample_amounts(rng, model.reference.products, product)
    category = model.provider_category[model.product_provider[product]]
    result = outcomes.sample_outcomes(rng, model.categories, category)
    reference_prefix, reference_digits = points_of_sale.reference_digits(rng, count)
    return EventBatch(
        seq=np.arange(first_seq, first_seq + count, dtype=np.int64),
        is_reversal=np.zeros(count, dtype=bool),
        reversed_seq=np.full(count, -1, dtype=np.int64),
        event_ms=np.asarray(event_ms, dtype=np.int64),
        product=product,
        client=client,
        terminal=terminal,
        channel=points_of_sale.sample_channels(rng, count),
        payment_method=points_of_sale.sample_payment_methods(rng, count),
        amount_cents=amount,
        commission_cents=products.commissions(amount, model.commission_bp[product]),
        status=result.status,
        code=result.code,
        latency_ms=result.latency_ms,
        reference_prefix=reference_prefix,
        reference_digits=reference_digits,
    )


def make_reversals(
    rng: np.random.Generator, sales: EventBatch, rate: float, first_seq: int
) -> EventBatch:
    """Reversals of a ``rate`` share of the approved sales, minutes to hours after each sale."""
    approved = np.flatnonzero(sales.status == outcomes.APPROVED)
    chosen = np.sort(approved[rng.random(len(approved)) < rate])
    original = sales.take(chosen)
    count = len(chosen)
    delay = rng.lognormal(np.log(REVERSAL_DELAY_MEDIAN_MS), REVERSAL_DELAY_SIGMA, count)
    delay = np.clip(delay, *REVERSAL_DELAY_RANGE_MS).astype(np.int64)
    return EventBatch(
        seq=np.arange(first_seq, first_seq + count, dtype=np.int64),
        is_reversal=np.ones(count, dtype=bool),
        reversed_seq=original.seq,
        event_ms=original.event_ms + delay,
        product=original.product,
        client=original.client,
        terminal=original.terminal,
        channel=original.channel,
        payment_method=original.payment_method,
        amount_cents=original.amount_cents,
        commission_cents=original.commission_cents,
        status=original.status,
        code=original.code,
        latency_ms=outcomes.reversal_latency(rng, count),
        reference_prefix=original.reference_prefix,
        reference_digits=original.reference_digits,
    )
