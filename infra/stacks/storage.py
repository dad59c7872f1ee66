"""Storage and catalog: the long-lived state every other stack builds on.

KMS key, the five buckets (landing, lake, Athena results, reports, artifacts) and their access
logs, the Glue databases and raw tables (from ``glue/catalog.py``, the same definitions as the
DDL in ``glue/ddl/``), the Athena work group, the DynamoDB realtime table, and the two SNS
topics (their e-mail subscriptions are state too: recreating a topic loses the confirmations).
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_athena as athena
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.checkov import skip
from infra.environments import StageConfig
from puntored.glue.catalog import TableDefinition, raw_tables

# Hive classes behind Athena's ``STORED AS PARQUET``.
_STORAGE_FORMATS = {
    "PARQUET": {
        "input_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "output_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "serialization_library": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    }
}


@dataclass(frozen=True)
class CatalogNames:
    raw_database: str
    marts_database: str

    @classmethod
    def for_stage(cls, config: StageConfig) -> CatalogNames:
        base = config.prefix.replace("-", "_")
        return cls(raw_database=f"{base}_raw", marts_database=f"{base}_marts")


class StorageStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        removal = cdk.RemovalPolicy.RETAIN if config.retain_data else cdk.RemovalPolicy.DESTROY

        self.key = kms.Key(
            self,
            "DataKey",
            alias=f"alias/{config.prefix}-data",
            description="PuntoRed data at rest: buckets, realtime table, topics, logs",
            enable_key_rotation=True,
            removal_policy=removal,
        )
        # CloudWatch alarms publish to the encrypted topics; CloudWatch Logs encrypts the
        # log groups (Glue, ECS, Step Functions, flow logs) with the same key.
        self.key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*"
        )
        self.key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com"))

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            # S3 server access logging delivers only to SSE-S3 buckets.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-logs", expiration=cdk.Duration.days(365))],
            removal_policy=removal,
        )
        skip(self.access_logs, "CKV_AWS_18")

        days = cdk.Duration.days
        noncurrent = days(config.noncurrent_version_expiration_days)
        self.landing = self._bucket(
            "Landing",
            removal,
            versioned=True,
            rules=[
                s3.LifecycleRule(
                    id="expire-landed-files",
                    expiration=days(config.landing_expiration_days),
                    noncurrent_version_expiration=noncurrent,
                    abort_incomplete_multipart_upload_after=days(1),
                )
            ],
        )
        self.lake = self._bucket(
            "Lake",
            removal,
            versioned=True,
            rules=[
                s3.LifecycleRule(
                    id="expire-replaced-versions",
                    noncurrent_version_expiration=noncurrent,
                    abort_incomplete_multipart_upload_after=days(1),
                ),
                s3.LifecycleRule(id="expire-run-staging", prefix="_staging/", expiration=days(3)),
            ],
        )
        self.athena_results = self._bucket(
            "AthenaResults",
            cdk.RemovalPolicy.DESTROY,
            versioned=False,
            rules=[
                s3.LifecycleRule(
                    id="expire-query-results",
                    expiration=days(config.athena_results_expiration_days),
                    abort_incomplete_multipart_upload_after=days(1),
                )
            ],
        )
        skip(self.athena_results, "CKV_AWS_21")
        self.reports = self._bucket(
            "Reports",
            removal,
            versioned=True,
            rules=[
                s3.LifecycleRule(
                    id="archive-old-reports",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=days(config.reports_transition_to_ia_days),
                        )
                    ],
                    noncurrent_version_expiration=noncurrent,
                )
            ],
        )
        self.artifacts = self._bucket(
            "Artifacts",
            cdk.RemovalPolicy.DESTROY,
            versioned=True,
            rules=[
                s3.LifecycleRule(
                    id="expire-old-artifacts",
                    noncurrent_version_expiration=days(7),
                    abort_incomplete_multipart_upload_after=days(1),
                ),
                s3.LifecycleRule(id="expire-glue-temp", prefix="glue/temp/", expiration=days(7)),
            ],
        )

        self.catalog = CatalogNames.for_stage(config)
        self.raw_database = self._database(self.catalog.raw_database, "raw landed transactions")
        self.marts_database = self._database(self.catalog.marts_database, "dbt daily marts")
        lake_uri = f"s3://{self.lake.bucket_name}"
        self.raw_tables = {
            table.name: self._table(table, self.raw_database, lake_uri) for table in raw_tables()
        }

        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=f"{config.prefix}-analytics",
            description="dbt, sync and reports queries; results encrypted, scan capped",
            state="ENABLED",
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=config.athena_bytes_scanned_cutoff_per_query,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"
                ),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.athena_results.bucket_name}/results/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=self.key.key_arn
                    ),
                ),
            ),
        )

        # Key contract with streaming/ (TEAM.md): pk = provider#product (provider#* rollup),
        # sort key window_start (ISO-8601 UTC), TTL expires_at (epoch seconds).
        self.realtime_table = dynamodb.Table(
            self,
            "RealtimeTable",
            table_name=f"{config.prefix}-realtime",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="window_start", type=dynamodb.AttributeType.STRING),
            time_to_live_attribute="expires_at",
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=config.retain_data,
            removal_policy=removal,
        )

        self.alerts_topic = self._topic("AlertsTopic", "realtime business alerts")
        self.operations_topic = self._topic("OperationsTopic", "alarms and pipeline failures")

        for name, value in {
            "LandingUri": f"s3://{self.landing.bucket_name}",
            "LakeUri": lake_uri,
            "AthenaStagingDir": f"s3://{self.athena_results.bucket_name}/results/",
            "ReportsUri": f"s3://{self.reports.bucket_name}",
            "AthenaWorkGroup": self.workgroup.name,
            "AlertsTopicArn": self.alerts_topic.topic_arn,
        }.items():
            cdk.CfnOutput(self, name, value=value)

    def _bucket(
        self,
        construct_id: str,
        removal: cdk.RemovalPolicy,
        *,
        versioned: bool,
        rules: list[s3.LifecycleRule],
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=versioned,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=rules,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=f"{construct_id.lower()}/",
            removal_policy=removal,
        )

    def _database(self, name: str, description: str) -> glue.CfnDatabase:
        database = glue.CfnDatabase(
            self,
            f"Database-{name}",
            catalog_id=self.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=name, description=f"PuntoRed {description}"
            ),
        )
        return database

    def _table(
        self, table: TableDefinition, database: glue.CfnDatabase, lake_uri: str
    ) -> glue.CfnTable:
        def columns(pairs: tuple[tuple[str, str], ...]) -> list[glue.CfnTable.ColumnProperty]:
            return [glue.CfnTable.ColumnProperty(name=n, type=t) for n, t in pairs]

        storage = _STORAGE_FORMATS[table.stored_as]
        resource = glue.CfnTable(
            self,
            f"Table-{table.name}",
            catalog_id=self.account,
            database_name=database.ref,
            table_input=glue.CfnTable.TableInputProperty(
                name=table.name,
                description=table.comment,
                table_type="EXTERNAL_TABLE",
                parameters={"EXTERNAL": "TRUE", **table.properties(lake_uri)},
                partition_keys=columns(table.partition_keys),
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=columns(table.columns),
                    location=table.location(lake_uri),
                    input_format=storage["input_format"],
                    output_format=storage["output_format"],
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=storage["serialization_library"]
                    ),
                ),
            ),
        )
        return resource

    def _topic(self, construct_id: str, what: str) -> sns.Topic:
        topic = sns.Topic(
            self,
            construct_id,
            display_name=f"PuntoRed {self.config.stage} {what}",
            master_key=self.key,
            enforce_ssl=True,
        )
        if self.config.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.config.alarm_email))
        return topic
