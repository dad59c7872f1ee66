"""Application settings: one pydantic-settings class, environment prefix ``PUNTORED_``.

``local`` mode keeps every artefact under one data root (``PUNTORED_DATA_DIR``, made absolute
once, when the settings load, so every stage and child process sees the same folder from any
working directory). ``aws`` mode refuses local defaults: every location the AWS path uses must
be an ``s3://`` URI, a region is required and the serving database must be PostgreSQL. Each
refusal is one line naming the variable; ``load_settings`` lists them all at once.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from puntored.contract.lake import RAW_TRANSACTIONS, REPORTS_FOLDER
from puntored.errors import PuntoredError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
_SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:\S+")
DUCKDB_MARTS_SCHEMA = "main"  # the schema of the local target in profiles/profiles.yml

# aws mode: settings that must be s3:// URIs
_S3_LOCATIONS = ("landing_uri", "lake_uri", "state_uri", "athena_s3_staging_dir",
                 "athena_s3_data_dir")  # fmt: skip


# The landing job quarantines longer lines as ``line_too_long`` (a transaction is ~500 bytes).
# The ceiling stays below Jackson's 20 MB string limit, past which Spark's JSON parser fails.
DEFAULT_MAX_LINE_BYTES = 1 << 20
MAX_LINE_BYTES_CEILING = 16 << 20


class SettingsError(PuntoredError):
    """The environment does not make valid settings; one problem per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PUNTORED_", extra="ignore")

    mode: Literal["local", "aws"] = "local"
    data_dir: Path = Path("data")
    database_url: str | None = None
    # aws: the RDS secret's JSON (username, password, host, port, dbname), as ECS injects it
    # from Secrets Manager; builds the PostgreSQL URL when PUNTORED_DATABASE_URL is unset.
    database_secret: SecretStr | None = None
    # aws: the RDS secret's ARN, for code that fetches it itself at start (the stream
    # processor Lambda: puntored.database.secret.with_database_secret); used when neither
    # PUNTORED_DATABASE_URL nor PUNTORED_DATABASE_SECRET is set.
    database_secret_arn: str | None = None

    # aws mode: where things live in production (docs/aws.md)
    aws_region: str | None = None
    aws_endpoint_url: str | None = None  # an emulator (moto server) for every AWS client
    landing_uri: str | None = None  # switch exports: transactions/arrival_date=…/hour=…/
    lake_uri: str | None = None  # raw/transactions/dt=…, quarantine, manifests
    state_uri: str | None = None  # landing bookmark, run lock, stage status
    reports_uri: str | None = None  # provider reports; default <lake>/reports
    athena_workgroup: str = "primary"
    athena_s3_staging_dir: str | None = None  # Athena query results
    athena_s3_data_dir: str | None = None  # where dbt-athena writes the marts' data
    athena_schema: str = "puntored_marts"  # the Glue database dbt writes the marts to
    athena_query_timeout_seconds: float = 1800.0  # a query still running then is stopped
    glue_database: str = "puntored_raw"  # the Glue database of raw.transactions
    glue_job_name: str = "puntored-land-transactions"

    # landing job: a landing line longer than this (bytes) is quarantined as line_too_long
    landing_max_line_bytes: int = DEFAULT_MAX_LINE_BYTES

    # run exclusivity (puntored/runlock.py): one run per data root at a time
    run_lock_wait_seconds: float = 0.0  # 0: refuse at once, naming the holder; >0: wait
    run_lock_lease_seconds: float = 300.0  # aws lock: a holder silent this long is stale

    # sync (marts → serving database)
    sync_retry_attempts: int = 5  # connection attempts to the serving database per unit of work
    sync_retry_wait_s: float = 0.5  # first backoff wait; doubles each attempt (max 30 s)

    # realtime (streaming/): the Flink job's own interpreter and its event-time settings
    flink_python: Path | None = None
    stream_watermark_delay_seconds: int = 5
    stream_checkpoint_interval_seconds: int = 2
    # where the processor writes the per-minute windows and the API reads them
    # (docs/decisions/0660-realtime-store-dynamodb-keys.md): the serving database, or DynamoDB
    realtime_store: Literal["postgres", "dynamodb"] = "postgres"
    realtime_table: str | None = None  # the DynamoDB table (realtime_store=dynamodb)
    realtime_ttl_days: int = 35  # DynamoDB items expire after this (the volume baseline: 4 weeks)

    # alerts (streaming/processor): thresholds of the two per-minute/per-event rules added to
    # the seed's three, and their delivery (webhooks always; SNS in aws mode when set)
    alert_volume_spike_ratio: float = 3.0  # above ratio x usual level of that minute
    alert_volume_spike_per_minute: int | None = None  # or above this many, whatever the usual
    alert_high_value_cop: dict[str, float] = {}  # product_id -> amount (COP); JSON
    alert_high_value_default_cop: float = 1_000_000.0  # products not in the map
    alerts_topic_arn: str | None = None  # SNS topic of business alerts (aws mode)
    webhook_timeout_seconds: float = 5.0
    webhook_retry_attempts: int = 4  # tries per delivery (exponential backoff between)
    webhook_retry_wait_s: float = 0.5  # first backoff; doubles, max 30 s

    # provider API (api/): per-key token bucket and the in-process cache of hot queries
    api_rate_limit_per_second: float = 20.0
    api_rate_limit_burst: int = 100
    api_cache_ttl_seconds: float = 30.0
    # Authenticated keys are kept this long in process (PostgreSQL: a revocation clears them at
    # once, docs/decisions/0511); 0 looks every key up on every request.
    api_key_cache_seconds: float = Field(default=30.0, ge=0)
    # Failed authentications per client address: a token bucket; over it, 429 + Retry-After.
    api_auth_failures_per_second: float = Field(default=0.2, gt=0)
    api_auth_failure_burst: int = Field(default=20, ge=1)
    # Longest request line plus headers uvicorn reads before answering 431/400 (bytes).
    api_max_header_bytes: int = Field(default=16_384, ge=1024, le=1_048_576)
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

    @field_validator("landing_max_line_bytes")
    @classmethod
    def _line_limit_in_range(cls, value: int) -> int:
        if not 0 < value <= MAX_LINE_BYTES_CEILING:
            raise ValueError(f"must be between 1 and {MAX_LINE_BYTES_CEILING} bytes")
        return value

    @field_validator("athena_query_timeout_seconds")
    @classmethod
    def _positive_timeout(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be a positive number of seconds")
        return value

    @field_validator("realtime_ttl_days", "webhook_retry_attempts")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @field_validator("alerts_topic_arn")
    @classmethod
    def _topic_is_an_arn(cls, value: str | None) -> str | None:
        if value and not value.startswith("arn:"):
            raise ValueError("must be an SNS topic ARN (arn:aws:sns:…)")
        return value or None

    @model_validator(mode="after")
    def _dynamodb_needs_a_table(self) -> Settings:
        if self.realtime_store == "dynamodb" and not self.realtime_table:
            raise ValueError(
                "PUNTORED_REALTIME_TABLE is required when PUNTORED_REALTIME_STORE=dynamodb"
            )
        return self

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("aws_endpoint_url")
    @classmethod
    def _endpoint_is_a_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s):// URL")
        return value or None

    @field_validator("database_secret_arn")
    @classmethod
    def _secret_arn(cls, value: str | None) -> str | None:
        if value and not _SECRET_ARN.fullmatch(value):
            raise ValueError("must be a Secrets Manager ARN (arn:<partition>:secretsmanager:…)")
        return value or None

    @model_validator(mode="after")
    def _refuse_local_defaults_in_aws(self) -> Settings:
        if self.mode != "aws":
            return self
        problems = []
        if not self.aws_region:
            problems.append("PUNTORED_AWS_REGION is required in aws mode")
        for name in (*_S3_LOCATIONS, *(["reports_uri"] if self.reports_uri else [])):
            value = getattr(self, name)
            if not value or not value.startswith("s3://"):
                got = f" (got {value!r})" if value else ""
                problems.append(f"PUNTORED_{name.upper()} must be an s3:// URI in aws mode{got}")
        url = self.database_url or (self._secret_url() if self.database_secret else None)
        fetched_later = url is None and self.database_secret_arn is not None
        if not fetched_later and (not url or not url.startswith("postgresql")):
            problems.append(
                "PUNTORED_DATABASE_URL must point at PostgreSQL (RDS) in aws mode "
                "(or PUNTORED_DATABASE_SECRET hold the RDS secret, or "
                "PUNTORED_DATABASE_SECRET_ARN name it)"
            )
        if problems:
            raise ValueError("\n".join(problems))
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

    # Locations for the storage layer (puntored.storage): s3:// in aws mode, else local folders.
    @property
    def landing_location(self) -> str:
        return self.landing_uri or str(self.landing_dir)

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
    def state_location(self) -> str:
        return self.state_uri or str(self.state_dir)

    @property
    def reports_location(self) -> str:
        """Provider reports: ``<reports>/provider_id=…/dt=…/``."""
        return self.reports_uri or f"{self.lake_location.rstrip('/')}/{REPORTS_FOLDER}"

    @property
    def marts_schema(self) -> str:
        """The schema the sync and reports read the marts from: the one dbt wrote them to."""
        return self.athena_schema if self.mode == "aws" else DUCKDB_MARTS_SCHEMA

    @property
    def serving_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        if self.database_secret:
            return self._secret_url()
        if self.database_secret_arn:
            raise PuntoredError(
                "the RDS secret PUNTORED_DATABASE_SECRET_ARN names was not fetched: "
                "load the settings with puntored.database.secret.with_database_secret"
            )
        return f"sqlite:///{self.data_dir / 'serving.sqlite'}"


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and ``overrides``); every problem at once, one line
    each, as a ``SettingsError`` instead of pydantic's multi-line report."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(settings_problems(error)) from None


def settings_problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors(include_url=False):
        if not item["loc"]:  # the aws-mode check: already one sentence per line
            problems += str(item["msg"]).removeprefix("Value error, ").splitlines()
            continue
        name = "PUNTORED_" + "_".join(str(part) for part in item["loc"]).upper()
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}: {message} (got {item['input']!r})")
    return problems


@lru_cache
def get_settings() -> Settings:
    return load_settings()
