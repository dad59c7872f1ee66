"""AWS Glue 5 job script (Spark 3.5) for the landing job; runs unchanged on local Spark.

On Glue (``awsglue`` importable) it builds the session from a GlueContext, reads its
arguments with ``getResolvedOptions`` and wraps the run in ``job.init``/``job.commit``.
Locally the same arguments are parsed with argparse and a ``local[*]`` session is used.

    python glue/land_transactions.py --landing_uri data/landing --lake_uri data/lake \\
        --state_uri data/state [--from_date 2026-11-02 --to_date 2026-11-04] [--reprocess true]

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

from puntored.glue.landing.config import LandingConfig, build_config
from puntored.glue.landing.run import land
from puntored.glue.landing.session import JOB_CONF, local_session

REQUIRED = ["landing_uri", "lake_uri", "state_uri"]
OPTIONAL = ["from_date", "to_date", "reprocess", "run_id"]  # run_id: given by `puntored land`


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
    for name in REQUIRED:
        if arguments[name].startswith("s3://"):
            raise SystemExit(
                f"--{name} {arguments[name]}: S3 paths are not supported yet by the file "
                "discovery/swap step (see docs/landing.md); mount or sync the bucket"
            )
    return build_config(
        arguments["landing_uri"],
        arguments["lake_uri"],
        arguments["state_uri"],
        first=date.fromisoformat(arguments["from_date"]) if "from_date" in arguments else None,
        last=date.fromisoformat(arguments["to_date"]) if "to_date" in arguments else None,
        reprocess=arguments.get("reprocess", "false").lower() == "true",
        run_id=arguments.get("run_id"),
    )


def main(argv: list[str]) -> None:
    try:
        from awsglue.context import GlueContext
        from awsglue.job import Job
    except ImportError:
        result = land(local_session(), _config(_local_arguments(argv)))
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
