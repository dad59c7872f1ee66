"""Every difference between the stages (dev, prod), in one place.

Stacks receive one ``StageConfig`` and never test the stage name: a difference between dev and
prod is a field here. Account and region come from the CDK context or the standard CDK
variables at deploy time (``docs/deploy.md``); without them the app synthesizes
environment-agnostic templates, which is what CI validates offline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Literal

Stage = Literal["dev", "prod"]
STAGES: tuple[Stage, ...] = ("dev", "prod")


@dataclass(frozen=True)
class StageConfig:
    stage: Stage
    region: str
    account: str | None = None

    # storage: how long data is kept, and whether deleting a stack may delete it
    retain_data: bool = True
    landing_expiration_days: int = 90  # raw landing files, once landed and kept in the lake
    athena_results_expiration_days: int = 7
    noncurrent_version_expiration_days: int = 30
    reports_transition_to_ia_days: int = 90
    athena_bytes_scanned_cutoff_per_query: int = 10 * 1024**3  # 10 GiB, the runaway guard
    # windows kept in DynamoDB: the volume rules compare with the same minute 4 weeks back
    realtime_ttl_days: int = 35

    # network
    max_azs: int = 2
    nat_gateways: int = 1

    # database (RDS PostgreSQL)
    db_instance_type: str = "t4g.micro"
    db_allocated_storage_gib: int = 20
    db_max_allocated_storage_gib: int = 100
    db_multi_az: bool = False
    db_backup_retention_days: int = 7
    secret_rotation_days: int = 30

    # batch: the Glue job, the dbt/sync/reports container and the daily schedule
    glue_worker_type: str = "G_1X"  # aws_glue.WorkerType member
    glue_workers: int = 2
    glue_timeout_minutes: int = 60
    batch_cpu: int = 1024
    batch_memory_mib: int = 2048
    daily_schedule_cron: str = "cron(30 2 * * ? *)"  # 02:30 America/Bogota: the day has closed
    daily_schedule_timezone: str = "America/Bogota"
    freshness_max_lag_hours: float = 30.0  # a day landed at 02:30 is at most ~26.5 h old

    # streaming
    kinesis_shards: int | None = None  # None: on-demand capacity
    flink_parallelism: int = 1
    flink_parallelism_per_kpu: int = 1
    processor_batch_size: int = 100
    processor_batching_window_seconds: int = 5
    processor_memory_mib: int = 512
    processor_retry_attempts: int = 5

    # serving: the provider API
    api_domain_name: str = "api.dev.puntored-analytics.co"
    api_desired_count: int = 1
    api_cpu: int = 512
    api_memory_mib: int = 1024
    api_waf_requests_per_5_minutes: int = 2000  # per client IP, in front of the per-key limit

    # observability
    alarm_email: str | None = None
    api_latency_p99_seconds: float = 1.0
    transactions_per_minute_threshold: int = 5000  # business alarm: volume spike
    iterator_age_threshold_seconds: int = 300

    @property
    def prefix(self) -> str:
        """Resource name prefix: ``puntored-dev``."""
        return f"puntored-{self.stage}"


DEV = StageConfig(
    stage="dev",
    region="us-east-1",
    retain_data=False,
    landing_expiration_days=30,
)

PROD = StageConfig(
    stage="prod",
    region="us-east-1",
    retain_data=True,
    landing_expiration_days=400,  # a year of raw files for reprocessing and audits
    noncurrent_version_expiration_days=90,
    nat_gateways=2,
    db_instance_type="m7g.large",
    db_allocated_storage_gib=100,
    db_max_allocated_storage_gib=500,
    db_multi_az=True,
    db_backup_retention_days=30,
    glue_workers=10,
    batch_cpu=2048,
    batch_memory_mib=4096,
    kinesis_shards=None,
    flink_parallelism=4,
    processor_memory_mib=1024,
    api_domain_name="api.puntored-analytics.co",
    api_desired_count=2,
    api_cpu=1024,
    api_memory_mib=2048,
    api_waf_requests_per_5_minutes=6000,
)

_CONFIGS: dict[Stage, StageConfig] = {"dev": DEV, "prod": PROD}


def stage_config(stage: str, context: dict[str, str] | None = None) -> StageConfig:
    """The stage's config, with account/region/e-mail from the CDK context or environment.

    Context keys: ``<stage>:account``, ``<stage>:region``, ``<stage>:alarm_email``.
    """
    if stage not in _CONFIGS:
        raise ValueError(f"unknown stage {stage!r}: expected one of {', '.join(STAGES)}")
    config = _CONFIGS[stage]  # type: ignore[index]
    context = context or {}
    account = context.get(f"{stage}:account") or os.environ.get("CDK_DEPLOY_ACCOUNT")
    region = context.get(f"{stage}:region") or config.region
    email = context.get(f"{stage}:alarm_email") or config.alarm_email
    return replace(config, account=account or None, region=region, alarm_email=email)
