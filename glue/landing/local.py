"""The landing job on this machine's Spark over the settings' locations (``puntored land``,
the pipeline's land stage in local mode).

Same code as the Glue job (``glue/land_transactions.py``); only the session differs. Every
file operation around Spark goes through ``puntored.storage`` and works on ``s3://`` too, but
local Spark has no S3 connector here: in aws mode ``puntored land`` starts the Glue job
(``submit.py``) instead.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import SparkSession

from puntored.glue.landing.config import LandingConfig, build_config
from puntored.glue.landing.run import LandingResult, land, preflight
from puntored.glue.landing.session import local_session
from puntored.settings import Settings
from puntored.storage import AwsConfig, Storage


def local_config(
    settings: Settings,
    first: date | None = None,
    last: date | None = None,
    reprocess: bool = False,
    run_id: str | None = None,
) -> LandingConfig:
    return build_config(
        settings.landing_location,
        settings.lake_location,
        settings.state_location,
        first,
        last,
        reprocess,
        run_id=run_id,
        max_line_bytes=settings.landing_max_line_bytes,
        glue_database=settings.glue_database,
        aws=AwsConfig.from_settings(settings),
    )


def run_landing(
    settings: Settings,
    first: date | None = None,
    last: date | None = None,
    reprocess: bool = False,
    spark: SparkSession | None = None,
) -> LandingResult:
    """Land new landing files into the lake; raises ConservationError if counts do not add up.

    An unwritable lake or state location is refused in one line before Spark starts."""
    config = local_config(settings, first, last, reprocess)
    storage = Storage(config.aws)
    if spark is None:
        preflight(config, storage, "preflight")
    return land(spark or local_session(), config, storage=storage)
