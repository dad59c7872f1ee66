"""Read the reference data back from seeds/ (the CSV files are the source of truth at runtime)."""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from puntored.settings import PROJECT_ROOT


def _seeds_dir() -> Path | zipfile.Path:
    """``seeds/`` beside the package: a folder in a checkout, or inside the zip the package
    runs from (the Glue job's ``--extra-py-files``, infra/packaging.py)."""
    if zipfile.is_zipfile(PROJECT_ROOT):
        return zipfile.Path(PROJECT_ROOT, "seeds/")
    return PROJECT_ROOT / "seeds"


SEEDS_DIR = _seeds_dir()


@dataclass(frozen=True)
class Provider:
    provider_id: str
    provider_name: str
    legal_name: str
    category: str


@dataclass(frozen=True)
class Product:
    product_id: str
    provider_id: str
    product_name: str
    product_type: str
    commission_rate: Decimal
    min_amount: int
    max_amount: int


@dataclass(frozen=True)
class Client:
    client_id: str
    client_name: str
    client_type: str
    city: str
    department: str
    dane_code: str
    opened_on: str


@dataclass(frozen=True)
class ReferenceData:
    providers: tuple[Provider, ...]
    products: tuple[Product, ...]
    clients: tuple[Client, ...]

    def product_provider(self) -> dict[str, str]:
        """product_id -> provider_id, the pairs a valid event must match."""
        return {p.product_id: p.provider_id for p in self.products}


def _rows(path: Path | zipfile.Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@lru_cache
def load_reference(seeds_dir: Path | zipfile.Path = SEEDS_DIR) -> ReferenceData:
    providers = tuple(Provider(**row) for row in _rows(seeds_dir / "providers.csv"))
    products = tuple(
        Product(
            product_id=row["product_id"],
            provider_id=row["provider_id"],
            product_name=row["product_name"],
            product_type=row["product_type"],
            commission_rate=Decimal(row["commission_rate"]),
            min_amount=int(row["min_amount"]),
            max_amount=int(row["max_amount"]),
        )
        for row in _rows(seeds_dir / "products.csv")
    )
    clients = tuple(Client(**row) for row in _rows(seeds_dir / "clients.csv"))
    return ReferenceData(providers, products, clients)
