"""What the deployed code is told: the ``PUNTORED_*`` settings of aws mode, from the stacks.

One function, so the Glue job, the batch container, the Lambda and the API read the same
names (``puntored/settings.py``; the ``PUNTORED_ATHENA_*`` names the dbt profile reads).
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from infra.stacks.storage import StorageStack

MARTS_PREFIX = "marts/"  # dbt-athena's s3_data_dir inside the lake bucket
STATE_PREFIX = "_state/"  # the landing job's own bookmark (decision 0201)
PIPELINE_METRICS_NAMESPACE = "PuntoRed/Pipeline"
REALTIME_METRICS_NAMESPACE = "PuntoRed/Realtime"


def aws_settings(storage: StorageStack) -> dict[str, str]:
    """Environment of every aws-mode process (the database comes from the secret)."""
    lake = f"s3://{storage.lake.bucket_name}"
    return {
        "PUNTORED_MODE": "aws",
        "PUNTORED_AWS_REGION": storage.region,
        "PUNTORED_LANDING_URI": f"s3://{storage.landing.bucket_name}",
        "PUNTORED_LAKE_URI": lake,
        "PUNTORED_STATE_URI": f"{lake}/{STATE_PREFIX.rstrip('/')}",
        "PUNTORED_REPORTS_URI": f"s3://{storage.reports.bucket_name}",
        "PUNTORED_GLUE_DATABASE": storage.catalog.raw_database,
        "PUNTORED_ATHENA_WORKGROUP": storage.workgroup.name,
        "PUNTORED_ATHENA_S3_STAGING_DIR": f"s3://{storage.athena_results.bucket_name}/results/",
        "PUNTORED_ATHENA_S3_DATA_DIR": f"{lake}/{MARTS_PREFIX}",
        "PUNTORED_ATHENA_SCHEMA": storage.catalog.marts_database,
        "PUNTORED_ALERTS_TOPIC_ARN": storage.alerts_topic.topic_arn,
        # one realtime store for the writer (Lambda), the readers (API, portal) and reconcile
        "PUNTORED_REALTIME_STORE": "dynamodb",
        "PUNTORED_REALTIME_TABLE": storage.realtime_table.table_name,
    }


def put_metrics_statement(namespace: str) -> iam.PolicyStatement:
    """PutMetricData has no resource ARN; the namespace condition is what scopes it."""
    return iam.PolicyStatement(
        actions=["cloudwatch:PutMetricData"],
        resources=["*"],
        conditions={"StringEquals": {"cloudwatch:namespace": namespace}},
    )


def glue_catalog_arns(storage: StorageStack, database: str) -> list[str]:
    """The catalog, one database and its tables: what Glue catalog actions are scoped to."""
    base = f"arn:{storage.partition}:glue:{storage.region}:{storage.account}"
    return [f"{base}:catalog", f"{base}:database/{database}", f"{base}:table/{database}/*"]


def athena_statements(storage: StorageStack) -> list[iam.PolicyStatement]:
    """Run queries in the stage's work group, read the raw tables, build the marts."""
    workgroup = (
        f"arn:{storage.partition}:athena:{storage.region}:{storage.account}"
        f":workgroup/{storage.workgroup.name}"
    )
    catalog = storage.catalog
    return [
        iam.PolicyStatement(
            actions=[
                "athena:StartQueryExecution",
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "athena:StopQueryExecution",
                "athena:GetWorkGroup",
                "athena:ListQueryExecutions",
            ],
            resources=[workgroup],
        ),
        iam.PolicyStatement(
            actions=[
                "glue:GetDatabase",
                "glue:GetDatabases",
                "glue:GetTable",
                "glue:GetTables",
                "glue:GetPartition",
                "glue:GetPartitions",
                "glue:BatchGetPartition",
            ],
            resources=glue_catalog_arns(storage, catalog.raw_database)
            + glue_catalog_arns(storage, catalog.marts_database),
        ),
        iam.PolicyStatement(
            actions=[
                "glue:CreateTable",
                "glue:UpdateTable",
                "glue:DeleteTable",
                "glue:BatchCreatePartition",
                "glue:BatchDeletePartition",
                "glue:CreatePartition",
                "glue:DeletePartition",
                "glue:UpdatePartition",
                "glue:BatchUpdatePartition",
            ],
            resources=glue_catalog_arns(storage, catalog.marts_database),
        ),
    ]
