"""Application settings: one pydantic-settings class, environment prefix ``PUNTORED_``.

``local`` mode keeps every artefact under one data root (``PUNTORED_DATA_DIR``). ``aws`` mode
refuses local defaults: the lake and landing zone must be ``s3://`` URIs, a region is required
and the serving database must be PostgreSQL.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from puntored.contract.lake import RAW_TRANSACTIONS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PUNTORED_", extra="ignore")

    mode: Literal["local", "aws"] = "local"
    data_dir: Path = Path("data")
    database_url: str | None = None
    # aws: the RDS secret's JSON (username, password, host, port, dbname), as ECS injects it
    # from Secrets Manager; builds the PostgreSQL URL when PUNTORED_DATABASE_URL is unset.
    database_secret: SecretStr | None = None

    # aws mode: where things live in production
    aws_region: str | None = None
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
        url = self.database_url or (self._secret_url() if self.database_secret else None)
        if not url or not url.startswith("postgresql"):
            problems.append(
                "PUNTORED_DATABASE_URL must point at PostgreSQL (RDS) in aws mode "
                "(or PUNTORED_DATABASE_SECRET hold the RDS secret)"
            )
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

    def _secret_url(self) -> str:
        assert self.database_secret is not None
        try:
            secret = json.loads(self.database_secret.get_secret_value())
            user, password = quote(secret["username"], safe=""), quote(secret["password"], safe="")
            host, port, name = secret["host"], secret.get("port", 5432), secret["dbname"]
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(
                "PUNTORED_DATABASE_SECRET must be the RDS secret's JSON with username, "
                f"password, host, port and dbname ({type(error).__name__}: {error})"
            ) from None
        return f"postgresql+psycopg://{user}:{password}@{host}:{port}/{name}"

    @property
    def serving_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        if self.database_secret:
            return self._secret_url()
        return f"sqlite:///{(self.data_dir / 'serving.sqlite').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
