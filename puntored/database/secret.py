"""The serving database's credentials from Secrets Manager, fetched by the process itself.

ECS injects the RDS secret's JSON into the containers (``PUNTORED_DATABASE_SECRET``); the stream
processor Lambda is given only the secret's ARN (``PUNTORED_DATABASE_SECRET_ARN``: a Lambda
environment cannot reference a secret) and fetches it once per cold start. After a rotation the
cached password stops working: the caller drops its settings and fetches again
(``streaming/processor/lambda_handler.py``).
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from puntored.errors import PuntoredError, describe
from puntored.settings import Settings
from puntored.storage import AwsConfig


def with_database_secret(settings: Settings) -> Settings:
    """``settings`` with the RDS secret fetched by ARN, when that is how the database is named
    (neither PUNTORED_DATABASE_URL nor PUNTORED_DATABASE_SECRET set); else unchanged."""
    arn = settings.database_secret_arn
    if arn is None or settings.database_url or settings.database_secret:
        return settings
    client = AwsConfig.from_settings(settings).client("secretsmanager")
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
