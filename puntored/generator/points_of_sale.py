"""Who sells: busy and quiet points of sale, their terminals, channels and customers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from puntored.contract.transaction import CHANNELS, PAYMENT_METHODS
from puntored.reference import Client, Product

CLIENT_ACTIVITY_SIGMA = 1.1  # lognormal: a few shops sell many times more than most
CLIENT_LAYOUT_SEED = 1_917  # fixed: a shop's size and terminal count do not depend on --seed
MAX_TERMINALS = 3
CHANNEL_SHARE = {"pos": 0.80, "app": 0.12, "web": 0.08}
PAYMENT_SHARE = {"cash": 0.74, "qr_transfer": 0.15, "debit_card": 0.11}

# How the masked customer reference looks, by product type (None: no reference, e.g. PINs).
REFERENCE_KIND = {
    "topup": "phone",
    "data_package": "phone",
    "bill_payment": "bill",
    "soat": "plate",
    "bet_deposit": "document",
    "pin": None,
}


@dataclass(frozen=True)
class PointsOfSale:
    client_ids: np.ndarray  # object array of str
    probability: np.ndarray
    terminals: np.ndarray  # terminal count per client

    @classmethod
    def from_clients(cls, clients: tuple[Client, ...]) -> PointsOfSale:
        layout = np.random.default_rng(CLIENT_LAYOUT_SEED)
        activity = layout.lognormal(0.0, CLIENT_ACTIVITY_SIGMA, len(clients))
        terminals = layout.integers(1, MAX_TERMINALS + 1, len(clients))
        ids = np.array([c.client_id for c in clients], dtype=object)
        return cls(ids, activity / activity.sum(), terminals)

    def sample(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        """(client index, terminal number) per event."""
        client = rng.choice(len(self.client_ids), size=count, p=self.probability)
        terminal = (rng.random(count) * self.terminals[client]).astype(np.int64) + 1
        return client, terminal


def sample_choice(rng: np.random.Generator, names: tuple[str, ...], shares: dict[str, float],
                  count: int) -> np.ndarray:  # fmt: skip
    probability = np.array([shares[n] for n in names])
    return rng.choice(len(names), size=count, p=probability / probability.sum()).astype(np.int8)


def sample_channels(rng: np.random.Generator, count: int) -> np.ndarray:
    return sample_choice(rng, CHANNELS, CHANNEL_SHARE, count)


def sample_payment_methods(rng: np.random.Generator, count: int) -> np.ndarray:
    return sample_choice(rng, PAYMENT_METHODS, PAYMENT_SHARE, count)


def customer_references(
    rng: np.random.Generator, products: tuple[Product, ...], product_index: np.ndarray
) -> list[str | None]:
    """Masked references: '300****123' phones, bill and policy numbers keep their last digits."""
    kinds = [REFERENCE_KIND.get(p.product_type) for p in products]
    prefixes = [_reference_prefix(p) for p in products]
    first = rng.integers(0, 24, len(product_index)).tolist()
    last = rng.integers(0, 10_000, len(product_index)).tolist()
    references: list[str | None] = []
    for product, a, b in zip(product_index.tolist(), first, last, strict=True):
        kind = kinds[product]
        if kind == "phone":
            references.append(f"3{a:02d}****{b % 1000:03d}")
        elif kind == "bill":
            references.append(f"{prefixes[product]}-******{b:04d}")
        elif kind == "plate":
            references.append(f"***{b % 100:02d}{chr(65 + a)}")
        elif kind == "document":
            references.append(f"CC******{b:04d}")
        else:
            references.append(None)
    return references


def _reference_prefix(product: Product) -> str:
    return product.provider_id.split("_")[0].upper()[:4]
