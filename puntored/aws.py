"""Where the AWS APIs are: one region and one optional endpoint for every client.

``PUNTORED_AWS_ENDPOINT_URL`` points every client (pyarrow's S3 filesystem, boto3, and through
``session()`` awswrangler) at an emulator such as moto's server; unset, the clients use AWS's
own endpoints. Credentials come from the standard AWS chain (environment, profile, role).

A core module of its own, below the storage layer: the processor Lambda's zip carries boto3 but
not pyarrow, so the Lambda's modules import AWS clients from here, never ``puntored.storage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from puntored.settings import Settings

# Standard retry mode: exponential backoff on throttling and 5xx, a bounded number of attempts.
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@dataclass(frozen=True)
class AwsConfig:
    region: str | None = None
    endpoint_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AwsConfig:
        return cls(settings.aws_region, settings.aws_endpoint_url)

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` ("s3", "glue", "athena", "kinesis"…), shared per
        process (boto3 clients are thread-safe)."""
        return _client(service, self.region, self.endpoint_url)

    def session(self) -> boto3.Session:
        """A boto3 session in the region (for awswrangler's ``boto3_session=``; give
        awswrangler the endpoint through ``wr.config.<service>_endpoint_url``)."""
        return boto3.Session(region_name=self.region)


@lru_cache(maxsize=32)
def _client(service: str, region: str | None, endpoint_url: str | None) -> Any:
    session = cast(Any, boto3.session.Session(region_name=region))  # service chosen at run time
    return session.client(service, endpoint_url=endpoint_url, config=_CLIENT_CONFIG)
