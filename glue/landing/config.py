"""What one landing run works on, built in one place for every entry point.

The Glue job script (its ``--landing_uri``/``--lake_uri``/``--state_uri`` arguments) and the
local runner (the settings' data root) both call :func:`build_config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from puntored.contract.lake import MANIFESTS_FOLDER, RAW_QUARANTINE, RAW_TRANSACTIONS
from puntored.errors import PuntoredError
from puntored.reference.load import load_reference


@dataclass(frozen=True)
class LandingConfig:
    landing_dir: Path
    lake_dir: Path
    state_dir: Path
    providers: frozenset[str]
    product_provider: Mapping[str, str]
    first: date | None = None
    last: date | None = None
    reprocess: bool = False
    run_id: str | None = None  # given by whoever started the run (aws mode); else from the clock

    @property
    def transactions_dir(self) -> Path:
        return self.lake_dir / RAW_TRANSACTIONS.relative

    @property
    def quarantine_dir(self) -> Path:
        return self.lake_dir / RAW_QUARANTINE.relative

    @property
    def manifests_dir(self) -> Path:
        return self.lake_dir / MANIFESTS_FOLDER

    @property
    def bookmark_path(self) -> Path:
        return self.state_dir / "land_bookmark.json"


def build_config(
    landing: str | Path,
    lake: str | Path,
    state: str | Path,
    first: date | None = None,
    last: date | None = None,
    reprocess: bool = False,
    run_id: str | None = None,
) -> LandingConfig:
    """The run's locations and reference data; refuses an empty or inverted day range."""
    if first and last and first > last:
        raise PuntoredError(f"--from {first} is after --to {last}")
    reference = load_reference()
    return LandingConfig(
        landing_dir=Path(landing),
        lake_dir=Path(lake),
        state_dir=Path(state),
        providers=frozenset(p.provider_id for p in reference.providers),
        product_provider=reference.product_provider(),
        first=first,
        last=last,
        reprocess=reprocess,
        run_id=run_id,
    )
