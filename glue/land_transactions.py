"""AWS Glue 5 job script (Spark 3.5), also runnable locally: ``python glue/land_transactions.py``.

Arguments (Glue job parameters or command line): --landing_uri --lake_uri --state_uri, optional
--from_date --to_date YYYY-MM-DD and --reprocess true. Deploy with ``glue/`` and ``puntored/``
zipped as ``--extra-py-files`` (the reference seeds ride along in ``seeds/``).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # local runs from a checkout

from glue.landing.job import JobOptions, run_job
from glue.landing.session import apply_job_conf, local_session
from puntored.reference import load_reference

REQUIRED = ["landing_uri", "lake_uri", "state_uri"]
OPTIONAL = ["from_date", "to_date", "reprocess"]


def _glue_arguments() -> dict[str, str]:
    from awsglue.utils import getResolvedOptions

    present = [name for name in OPTIONAL if f"--{name}" in sys.argv]
    return dict(getResolvedOptions(sys.argv, ["JOB_NAME", *REQUIRED, *present]))


def _local_arguments() -> dict[str, str]:
    parser = argparse.ArgumentParser(description=__doc__)
    for name in REQUIRED:
        parser.add_argument(f"--{name}", required=True)
    for name in OPTIONAL:
        parser.add_argument(f"--{name}")
    return {k: v for k, v in vars(parser.parse_args()).items() if v is not None}


def _options(args: dict[str, str]) -> JobOptions:
    reference = load_reference()
    return JobOptions(
        landing_root=args["landing_uri"].rstrip("/"),
        lake_root=args["lake_uri"].rstrip("/"),
        state_root=args["state_uri"].rstrip("/"),
        providers=[p.provider_id for p in reference.providers],
        product_provider=reference.product_provider(),
        from_date=date.fromisoformat(args["from_date"]) if "from_date" in args else None,
        to_date=date.fromisoformat(args["to_date"]) if "to_date" in args else None,
        reprocess=args.get("reprocess", "false").lower() == "true",
    )


def main() -> None:
    try:
        from awsglue.context import GlueContext
        from awsglue.job import Job
    except ImportError:  # plain Spark (local[*])
        args = _local_arguments()
        print(json.dumps(run_job(local_session(), _options(args)), indent=2, default=str))
        return
    from pyspark.context import SparkContext

    args = _glue_arguments()
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    apply_job_conf(spark)
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    run_job(spark, _options(args))
    job.commit()


if __name__ == "__main__":
    main()
