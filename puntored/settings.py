"""Application settings: one pydantic-settings class, environment prefix ``PUNTORED_``.

``local`` mode keeps every artefact under one data root (``PUNTORED_DATA_DIR``). ``aws`` mode
refuses local defaults: the lake and landing zone must be ``s3://`` URIs, a region is required
and the serving database must be PostgreSQL.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from puntored.contract.lake import RAW_TRANSACTIONS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PUNTORED_", extra="ignore")

    mode: Literal["local", "aws"] = "local"
    data_dir: Path = Path("data")
    database_url: str | None = None

    # aws mode: where things live in production
    aws_region: str | None = None
    aws_endpoint_url: str | None = None  # an emulator (moto server) for every AWS client
    landing_uri: str | None = None
    lake_uri: str | None = None
    athena_workgroup: str = "primary"
    athena_s3_staging_dir: str | None = None
    glue_database: str = "puntored_raw"

    # sync (marts → serving database)
    marts_schema: str = "main"  # DuckDB schema (locally) or Glue database (aws) of the dbt marts
    sync_retry_attempts: int = 5  # connection attempts to the serving database per unit of work
    sync_retry_wait_s: float = 0.5  # first backoff wait; doubles each attempt (max 30 s)

    # realtime (streaming/): the Flink job's own interpreter and its event-time settings
    flink_python: Path | None = None
    stream_watermark_delay_seconds: int = 5
    stream_checkpoint_interval_seconds: int = 2

    # provider API (api/): per-key token bucket and the in-process cache of hot queries
    api_rate_limit_per_second: float = 20.0
    api_rate_limit_burst: int = 100
    api_cache_ttl_seconds: float = 30.0
    # Origins (scheme://host[:port]) whose browser apps may call the API; none by default.
    # From the environment as JSON: PUNTORED_API_CORS_ORIGINS='["https://app.example.co"]'.
    api_cors_origins: list[str] = []
    report_url_ttl_seconds: int = 300  # aws mode: lifetime of a report's presigned S3 URL
    portal_refresh_seconds: int = 15  # the portal's realtime page reloads its panel this often

    @field_validator("api_cors_origins")
    @classmethod
    def _origins_are_exact(cls, origins: list[str]) -> list[str]:
        bad = [origin for origin in origins if not _ORIGIN.fullmatch(origin)]
        if bad:
            raise ValueError(
                f"PUNTORED_API_CORS_ORIGINS entries must be scheme://host[:port] with no path "
                f"or wildcard; got {', '.join(bad)}"
            )
        return origins

    @model_validator(mode="after")
    def _refuse_local_defaults_in_aws(self) -> Settings:
        if self.mode != "aws":
            return self
        problems = []
        if not self.aws_region:
            problems.append("PUNTORED_AWS_REGION is required in aws mode")
        for name in ("landing_uri", "lake_uri", "athena_s3_staging_dir"):
            value = getattr(self, name)
            if not value or not value.startswith("s3://"):
                problems.append(f"PUNTORED_{name.upper()} must be an s3:// URI in aws mode")
        if not self.database_url or not self.database_url.startswith("postgresql"):
            problems.append("PUNTORED_DATABASE_URL must point at PostgreSQL (RDS) in aws mode")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Local layout: everything under the data root.
    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def raw_transactions_dir(self) -> Path:
        """The landed raw.transactions table: ``dt=YYYY-MM-DD`` partitions of Parquet."""
        return self.lake_dir / RAW_TRANSACTIONS.relative

    @property
    def stream_dir(self) -> Path:
        return self.data_dir / "stream"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def lake_location(self) -> str:
        return self.lake_uri or str(self.lake_dir)

    @property
    def serving_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'serving.sqlite').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
