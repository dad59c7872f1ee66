"""What is sold and for how much: the product mix, amounts by product type, commissions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from puntored.reference import Product

# Share of sales by product type; top-ups are by far the most common.
TYPE_WEIGHT = {
    "topup": 50.0,
    "data_package": 14.0,
    "bill_payment": 18.0,
    "soat": 2.0,
    "bet_deposit": 9.0,
    "pin": 5.0,
}
# Market share multipliers within a type (Claro leads mobile, Tigo and Movistar follow).
PROVIDER_SHARE = {"claro": 1.8, "tigo": 1.2, "movistar": 1.0, "wom": 0.5, "directv": 0.3}

# Round COP amounts people ask for, with how often they ask for them.
TOPUP_AMOUNTS = (1000, 2000, 3000, 5000, 10000, 15000, 20000, 30000, 50000, 100000)
TOPUP_WEIGHTS = (6, 14, 6, 24, 24, 6, 11, 4, 4, 1)
DEPOSIT_AMOUNTS = (2000, 5000, 10000, 20000, 50000, 100000, 200000)
DEPOSIT_WEIGHTS = (10, 25, 28, 18, 12, 5, 2)
PIN_DENOMINATIONS = (5000, 10000, 20000, 25000, 50000, 100000, 200000)
PIN_WEIGHTS = (20, 25, 25, 8, 14, 6, 2)
SOAT_TARIFFS = 5  # tariff classes (by engine size / age) spread between min and max
BILL_MEDIAN_COP = 85_000
BILL_SIGMA = 0.85  # lognormal spread: most bills are modest, a few are very large


@dataclass(frozen=True)
class AmountTable:
    """A discrete amount distribution for one product (cents and probabilities)."""

    cents: np.ndarray
    probability: np.ndarray


def product_weights(products: tuple[Product, ...]) -> np.ndarray:
    weights = np.array([_product_weight(p, products) for p in products])
    return weights / weights.sum()


def _product_weight(product: Product, products: tuple[Product, ...]) -> float:
    same_type = [p for p in products if p.product_type == product.product_type]
    shares = sum(PROVIDER_SHARE.get(p.provider_id, 1.0) for p in same_type)
    share = PROVIDER_SHARE.get(product.provider_id, 1.0) / shares
    return TYPE_WEIGHT.get(product.product_type, 1.0) * share


def amount_table(product: Product) -> AmountTable | None:
    """Discrete amounts for the product, or None when amounts are continuous (bills)."""
    low, high = product.min_amount, product.max_amount
    if product.product_type == "bill_payment":
        return None
    values: tuple[int, ...]
    weights: tuple[int, ...]
    if low == high:  # data packages: one fixed price
        values, weights = (low,), (1,)
    elif product.product_type == "soat":
        values = tuple(round(v, -2) for v in np.linspace(low, high, SOAT_TARIFFS))
        weights = (30, 25, 20, 15, 10)
    elif product.product_type == "pin":
        values, weights = PIN_DENOMINATIONS, PIN_WEIGHTS
    elif product.product_type == "bet_deposit":
        values, weights = DEPOSIT_AMOUNTS, DEPOSIT_WEIGHTS
    else:
        values, weights = TOPUP_AMOUNTS, TOPUP_WEIGHTS
    kept = [(v, w) for v, w in zip(values, weights, strict=True) if low <= v <= high]
    if not kept:
        kept = [(low, 1)]
    cents = np.array([v * 100 for v, _ in kept], dtype=np.int64)
    probability = np.array([w for _, w in kept], dtype=float)
    return AmountTable(cents, probability / probability.sum())


def sample_amounts(
    rng: np.random.Generator, products: tuple[Product, ...], product_index: np.ndarray
) -> np.ndarray:
    """Amount in COP cents for each event, by its product."""
    cents = np.zeros(len(product_index), dtype=np.int64)
    for index, product in enumerate(products):
        rows = np.flatnonzero(product_index == index)
        if len(rows):
            cents[rows] = _sample_product_amounts(rng, product, len(rows))
    return cents


def _sample_product_amounts(rng: np.random.Generator, product: Product, count: int) -> np.ndarray:
    table = amount_table(product)
    if table is not None:
        return rng.choice(table.cents, size=count, p=table.probability)
    pesos = rng.lognormal(np.log(BILL_MEDIAN_COP), BILL_SIGMA, size=count)
    pesos = np.clip(np.round(pesos), product.min_amount, product.max_amount)
    return pesos.astype(np.int64) * 100


def commission_rate_basis_points(products: tuple[Product, ...]) -> np.ndarray:
    """Commission rates as integer ten-thousandths, so commission is exact integer arithmetic."""
    return np.array([int(p.commission_rate * 10_000) for p in products], dtype=np.int64)


def commissions(amount_cents: np.ndarray, rate_bp: np.ndarray) -> np.ndarray:
    """amount x rate rounded to the cent, half up (amounts are never negative)."""
    return (amount_cents * rate_bp + 5_000) // 10_000
