"""The landing job on local Spark over the settings' data root (``puntored land``, the pipeline).

Same code as the Glue job (``glue/land_transactions.py``); only the locations and the session
differ.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import SparkSession

from puntored.errors import PuntoredError
from puntored.glue.landing.config import LandingConfig, build_config
from puntored.glue.landing.run import LandingResult, land
from puntored.glue.landing.session import local_session
from puntored.settings import Settings


def local_config(
    settings: Settings,
    first: date | None = None,
    last: date | None = None,
    reprocess: bool = False,
) -> LandingConfig:
    if settings.mode != "local":
        raise PuntoredError("puntored land runs the job locally; in aws mode run the Glue job")
    return build_config(
        settings.landing_dir, settings.lake_dir, settings.state_dir, first, last, reprocess
    )


def run_landing(
    settings: Settings,
    first: date | None = None,
    last: date | None = None,
    reprocess: bool = False,
    spark: SparkSession | None = None,
) -> LandingResult:
    """Land new landing files into the lake; raises ConservationError if counts do not add up."""
    config = local_config(settings, first, last, reprocess)
    return land(spark or local_session(), config)
