from __future__ import annotations

from pathlib import Path

from puntored.reference import load_reference
from puntored.reference.build import write_seeds
from puntored.settings import PROJECT_ROOT


def test_committed_seeds_are_exactly_what_the_builder_writes(tmp_path: Path) -> None:
    write_seeds(tmp_path)
    for name in ("providers.csv", "products.csv", "clients.csv"):
        assert (tmp_path / name).read_bytes() == (PROJECT_ROOT / "seeds" / name).read_bytes()


def test_every_product_belongs_to_a_known_provider() -> None:
    ref = load_reference()
    provider_ids = {p.provider_id for p in ref.providers}
    assert {p.provider_id for p in ref.products} <= provider_ids
    assert provider_ids <= {p.provider_id for p in ref.products}, "a provider has no product"


def test_points_of_sale_cover_the_country() -> None:
    ref = load_reference()
    assert len(ref.clients) == 5000
    assert len({c.client_id for c in ref.clients}) == 5000
    assert len({c.department for c in ref.clients}) >= 25
