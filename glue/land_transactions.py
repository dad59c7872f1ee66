"""AWS Glue 5 job script (Spark 3.5) for the landing job; runs unchanged on local Spark.

On Glue (``awsglue`` importable) it builds the session from a GlueContext, reads its
arguments with ``getResolvedOptions`` and wraps the run in ``job.init``/``job.commit``.
Locally the same arguments are parsed with argparse and a ``local[*]`` session is used.

    python glue/land_transactions.py --landing_uri data/landing --lake_uri data/lake \\
        --state_uri data/state [--from_date 2026-11-02 --to_date 2026-11-04] [--reprocess true]
        [--glue_database puntored_raw] [--max_line_bytes 1048576]

Locations are local paths or ``s3://`` URIs: every file operation around Spark goes through
``puntored.storage``; with an ``s3://`` lake the day partitions are published by switching
their location in the Glue Data Catalog database ``--glue_database``
(docs/decisions/0220-landing-on-s3-publish-by-catalog.md).

Deploy with ``glue/`` and ``puntored/`` zipped as ``--extra-py-files`` (with ``seeds/``).

The work itself is ``puntored.glue.landing.run.land``: pure DataFrame functions the tests exercise.
Job bookmarks: Glue bookmarks track DynamicFrame sources only; this job reads text lines
with Spark, so it keeps its own bookmark of processed files under ``--state_uri``
(docs/decisions/0201-own-bookmark-and-partition-projection.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # local runs from a checkout

from puntored.errors import PuntoredError
from puntored.glue.landing.config import LandingConfig, build_config
from puntored.glue.landing.run import land, preflight
from puntored.glue.landing.session import JOB_CONF, local_session
from puntored.settings import DEFAULT_MAX_LINE_BYTES, Settings
from puntored.storage import Storage

DEFAULT_GLUE_DATABASE = str(Settings.model_fields["glue_database"].default)

REQUIRED = ["landing_uri", "lake_uri", "state_uri"]
# run_id: given by `puntored land`; glue_database: where an s3:// lake's partitions are published
OPTIONAL = ["from_date", "to_date", "reprocess", "run_id", "glue_database", "max_line_bytes"]


def _glue_arguments(argv: list[str]) -> dict[str, str]:
    from awsglue.utils import getResolvedOptions

    names = ["JOB_NAME", *REQUIRED] + [o for o in OPTIONAL if f"--{o}" in argv]
    return dict(getResolvedOptions(argv, names))


def _local_arguments(argv: list[str]) -> dict[str, str]:
    parser = argparse.ArgumentParser(description="PuntoRed landing job (local Spark)")
    for name in REQUIRED:
        parser.add_argument(f"--{name}", required=True)
    for name in OPTIONAL:
        parser.add_argument(f"--{name}")
    return {k: v for k, v in vars(parser.parse_args(argv[1:])).items() if v is not None}


def _config(arguments: dict[str, str]) -> LandingConfig:
    return build_config(
        arguments["landing_uri"],
        arguments["lake_uri"],
        arguments["state_uri"],
        first=date.fromisoformat(arguments["from_date"]) if "from_date" in arguments else None,
        last=date.fromisoformat(arguments["to_date"]) if "to_date" in arguments else None,
        reprocess=arguments.get("reprocess", "false").lower() == "true",
        run_id=arguments.get("run_id"),
        max_line_bytes=int(arguments.get("max_line_bytes", DEFAULT_MAX_LINE_BYTES)),
        glue_database=arguments.get("glue_database", DEFAULT_GLUE_DATABASE),
    )


def main(argv: list[str]) -> None:
    try:
        from awsglue.context import GlueContext
        from awsglue.job import Job
    except ImportError:
        config = _config(_local_arguments(argv))
        storage = Storage(config.aws)
        try:
            preflight(config, storage, "preflight")  # before Spark starts: one line, exit 1
        except PuntoredError as error:
            raise SystemExit(f"error: {error}") from None
        result = land(local_session(), config, storage=storage)
    else:
        from pyspark.context import SparkContext

        arguments = _glue_arguments(argv)
        glue_context = GlueContext(SparkContext.getOrCreate())
        spark = glue_context.spark_session
        for key, value in JOB_CONF.items():
            spark.conf.set(key, value)
        job = Job(glue_context)
        job.init(arguments["JOB_NAME"], arguments)
        result = land(spark, _config(arguments))
        job.commit()
    print(json.dumps(result.to_manifest(), default=str))


if __name__ == "__main__":
    main(sys.argv)
