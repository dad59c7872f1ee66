"""Write the reference data as CSV seeds for dbt (``python -m puntored.reference.build``)."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from puntored.reference.catalog import CITIES, CLIENT_TYPES, NAME_WORDS, PRODUCTS, PROVIDERS
from puntored.settings import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT / "seeds"
CLIENT_COUNT = 5000
CLIENT_SEED = 20260101

PROVIDER_HEADER = ("provider_id", "provider_name", "legal_name", "category")
PRODUCT_HEADER = (
    "product_id",
    "provider_id",
    "product_name",
    "product_type",
    "commission_rate",
    "min_amount",
    "max_amount",
)
CLIENT_HEADER = (
    "client_id",
    "client_name",
    "client_type",
    "city",
    "department",
    "dane_code",
    "opened_on",
)


def client_rows(count: int = CLIENT_COUNT, seed: int = CLIENT_SEED) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    city_weights = [c[3] for c in CITIES]
    type_weights = [t[2] for t in CLIENT_TYPES]
    first_day = date(2015, 1, 1)
    rows: list[tuple[str, ...]] = []
    for number in range(1, count + 1):
        city, department, dane_code, _ = rng.choices(CITIES, city_weights)[0]
        client_type, prefixes, _ = rng.choices(CLIENT_TYPES, type_weights)[0]
        name = f"{rng.choice(prefixes)} {rng.choice(NAME_WORDS)}"
        opened_on = first_day + timedelta(days=rng.randrange(3650))
        rows.append(
            (
                f"PDV{number:06d}",
                name,
                client_type,
                city,
                department,
                dane_code,
                opened_on.isoformat(),
            )
        )
    return rows


def _write(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_seeds(seeds_dir: Path = SEEDS_DIR) -> None:
    seeds_dir.mkdir(parents=True, exist_ok=True)
    _write(seeds_dir / "providers.csv", PROVIDER_HEADER, PROVIDERS)
    _write(seeds_dir / "products.csv", PRODUCT_HEADER, PRODUCTS)
    _write(seeds_dir / "clients.csv", CLIENT_HEADER, client_rows())


if __name__ == "__main__":
    write_seeds()
