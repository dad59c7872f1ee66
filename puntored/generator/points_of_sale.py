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


REFERENCE_PREFIXES = 24  # phone prefixes 300-323, plate letters A-X
REFERENCE_DIGITS = 10_000  # the last digits a masked reference keeps


def reference_digits(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The unmasked parts of each event's customer reference (rendered by the wire format)."""
    return (
        rng.integers(0, REFERENCE_PREFIXES, count, dtype=np.int64),
        rng.integers(0, REFERENCE_DIGITS, count, dtype=np.int64),
    )


def reference_text(product: Product, prefix: int, digits: int) -> str | None:
    """Masked reference: '300****123' for phones; bills, plates and IDs keep a few characters.

    The wire format renders the first characters from ``prefix`` and the last four from
    ``digits`` separately, so ``prefix`` may only change the head and ``digits`` the tail.
    """
    kind = REFERENCE_KIND.get(product.product_type)
    if kind == "phone":
        return f"3{prefix:02d}****{digits % 1000:03d}"
    if kind == "bill":
        return f"{product.provider_id.split('_')[0].upper()[:4]}-******{digits:04d}"
    if kind == "plate":
        return f"{chr(65 + prefix)}**-**{digits % 100:02d}"
    if kind == "document":
        return f"CC******{digits:04d}"
    return None
