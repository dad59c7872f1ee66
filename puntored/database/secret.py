"""The serving database's credentials from Secrets Manager, fetched by the process itself.

ECS injects the RDS secret's JSON into the containers (``PUNTORED_DATABASE_SECRET``); the stream
processor Lambda is given only the secret's ARN (``PUNTORED_DATABASE_SECRET_ARN``: a Lambda
environment cannot reference a secret) and fetches it once per cold start. After a rotation the
cached password stops working: the caller drops its settings and fetches again
(``streaming/processor/lambda_handler.py``).
"""

from __future__ import annotations

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from puntored.errors import PuntoredError, describe
from puntored.settings import Settings

# Not puntored.storage.AwsConfig: importing the storage package loads pyarrow, which the
# Lambda's zip does not carry (tests/infra/test_packaging.py). Same region, endpoint, retries.
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


def with_database_secret(settings: Settings) -> Settings:
    """``settings`` with the RDS secret fetched by ARN, when that is how the database is named
    (neither PUNTORED_DATABASE_URL nor PUNTORED_DATABASE_SECRET set); else unchanged."""
    arn = settings.database_secret_arn
    if arn is None or settings.database_url or settings.database_secret:
        return settings
    client = boto3.session.Session(region_name=settings.aws_region).client(
        "secretsmanager", endpoint_url=settings.aws_endpoint_url, config=_CLIENT_CONFIG
    )
    try:
        value = client.get_secret_value(SecretId=arn)
    except (BotoCoreError, ClientError) as error:
        raise PuntoredError(f"cannot read the database secret {arn}: {describe(error)}") from error
    if "SecretString" not in value:
        raise PuntoredError(f"the database secret {arn} holds no SecretString")
    fetched = settings.model_copy(update={"database_secret": SecretStr(value["SecretString"])})
    try:
        fetched.serving_database_url  # noqa: B018 - the JSON is checked now, in one line
    except ValueError as error:
        raise PuntoredError(f"the database secret {arn}: {error}") from None
    return fetched
