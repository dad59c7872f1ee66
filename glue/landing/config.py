"""What one landing run works on, built in one place for every entry point.

The Glue job script (its ``--landing_uri``/``--lake_uri``/``--state_uri`` arguments) and the
local runner (the settings' locations) both call :func:`build_config`. Locations are local
paths or ``s3://`` URIs alike; every file operation on them goes through ``puntored.storage``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from puntored.contract.lake import (
    MANIFESTS_FOLDER,
    RAW_QUARANTINE,
    RAW_TRANSACTIONS,
    STAGING_FOLDER,
)
from puntored.errors import PuntoredError
from puntored.reference.load import load_reference
from puntored.settings import DEFAULT_MAX_LINE_BYTES
from puntored.storage import AwsConfig, as_location, is_s3, join


@dataclass(frozen=True)
class LandingConfig:
    landing: str
    lake: str
    state: str
    providers: frozenset[str]
    product_provider: Mapping[str, str]
    clients: frozenset[str]
    first: date | None = None
    last: date | None = None
    reprocess: bool = False
    run_id: str | None = None  # given by whoever started the run (aws mode); else from the clock
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    glue_database: str | None = None  # s3:// lakes: partitions are published in this catalog
    aws: AwsConfig = field(default_factory=AwsConfig)

    @property
    def on_s3(self) -> bool:
        return is_s3(self.lake)

    @property
    def transactions(self) -> str:
        return RAW_TRANSACTIONS.location(self.lake)

    @property
    def quarantine(self) -> str:
        return RAW_QUARANTINE.location(self.lake)

    @property
    def manifests(self) -> str:
        return join(self.lake, MANIFESTS_FOLDER)

    @property
    def staging_root(self) -> str:
        return join(self.lake, STAGING_FOLDER)

    def staging(self, run_id: str) -> str:
        return join(self.staging_root, run_id)

    @property
    def bookmark(self) -> str:
        return join(self.state, "land_bookmark.json")

    # The local layout under a data root, for callers and tests that work on paths.
    @property
    def lake_dir(self) -> Path:
        return Path(self.lake)

    @property
    def transactions_dir(self) -> Path:
        return Path(self.transactions)


def _canonical(location: str | Path) -> str:
    return as_location(location)


def build_config(
    landing: str | Path,
    lake: str | Path,
    state: str | Path,
    first: date | None = None,
    last: date | None = None,
    reprocess: bool = False,
    run_id: str | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    glue_database: str | None = None,
    aws: AwsConfig | None = None,
) -> LandingConfig:
    """The run's locations and reference data; refuses an inverted day range, a lake on S3
    without a Glue database to publish into, and a non-positive line limit."""
    if first and last and first > last:
        raise PuntoredError(f"--from {first} is after --to {last}")
    if max_line_bytes <= 0:
        raise PuntoredError(f"the line limit must be positive (got {max_line_bytes})")
    lake_location = _canonical(lake)
    if is_s3(lake_location) and not glue_database:
        raise PuntoredError(
            f"lake {lake_location} is on S3: a Glue database is needed to publish its "
            "partitions (--glue_database / PUNTORED_GLUE_DATABASE)"
        )
    reference = load_reference()
    return LandingConfig(
        landing=_canonical(landing),
        lake=lake_location,
        state=_canonical(state),
        providers=frozenset(p.provider_id for p in reference.providers),
        product_provider=reference.product_provider(),
        clients=frozenset(c.client_id for c in reference.clients),
        first=first,
        last=last,
        reprocess=reprocess,
        run_id=run_id,
        max_line_bytes=max_line_bytes,
        glue_database=glue_database,
        aws=aws or AwsConfig(),
    )
