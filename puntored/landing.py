"""The landing stage as a function: run the Glue job's code on local Spark over the data root.

``puntored land``, ``puntored demo`` and ``puntored daily`` call :func:`run_landing`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from puntored.errors import PuntoredError
from puntored.reference.load import load_reference
from puntored.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from glue.landing.run import LandingConfig, LandingResult


def landing_config(
    settings: Settings,
    first: date | None = None,
    last: date | None = None,
    reprocess: bool = False,
) -> LandingConfig:
    from glue.landing.run import LandingConfig

    if settings.mode != "local":
        raise PuntoredError("puntored land runs the job locally; in aws mode run the Glue job")
    reference = load_reference()
    return LandingConfig(
        landing_dir=Path(settings.landing_dir),
        lake_dir=Path(settings.lake_dir),
        state_dir=Path(settings.state_dir),
        providers=frozenset(p.provider_id for p in reference.providers),
        product_provider=reference.product_provider(),
        first=first,
        last=last,
        reprocess=reprocess,
    )


def run_landing(
    settings: Settings,
    first: date | None = None,
    last: date | None = None,
    reprocess: bool = False,
    spark: SparkSession | None = None,
) -> LandingResult:
    """Land new landing files into the lake; raises ConservationError if counts do not add up."""
    from glue.landing.run import land
    from glue.landing.session import local_session

    if first and last and first > last:
        raise PuntoredError(f"--from {first} is after --to {last}")
    config = landing_config(settings, first, last, reprocess)
    return land(spark or local_session(), config)
