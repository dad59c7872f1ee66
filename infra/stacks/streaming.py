"""The realtime path: Kinesis in → Managed Flink (1-minute windows) → Kinesis out → Lambda.

The Flink application runs the same PyFlink job as locally (``streaming/flink_job``) on the
Flink 2.3 runtime, its ``application_properties.json`` rendered by the job's own
``prod_property_groups`` (``python -m infra.flink_properties`` renders the same file with a
stage's concrete ARNs). The stream processor Lambda consumes the window results through an
event source mapping (batch size, batching window, bisect on error, partial batch response,
bounded retries, an SQS dead-letter queue) and writes the realtime store and alerts.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kinesisanalyticsv2 as flink
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import artifacts
from infra.checkov import skip
from infra.environments import StageConfig
from infra.flink_properties import stream_names
from infra.stacks.database import DatabaseStack
from infra.stacks.runtime import REALTIME_METRICS_NAMESPACE, aws_settings, put_metrics_statement
from infra.stacks.storage import StorageStack
from puntored.streaming.flink_job.config import prod_property_groups

FLINK_RUNTIME = "FLINK-2_3"  # the version the job is tested on locally (apache-flink 2.3.0)


class StreamingStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        storage: StorageStack,
        vpc: ec2.IVpc,
        database: DatabaseStack,
        **kwargs,
    ):
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.storage = storage
        transactions, window_results = stream_names(config)
        self.transactions = self._stream("Transactions", transactions)
        self.window_results = self._stream("WindowResults", window_results)
        self.flink_app = self._flink_application()
        self.dead_letters = sqs.Queue(
            self,
            "ProcessorDeadLetters",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=storage.key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        self.processor = self._processor(vpc, database)

    def _stream(self, construct_id: str, name: str) -> kinesis.Stream:
        shards = self.config.kinesis_shards
        return kinesis.Stream(
            self,
            construct_id,
            stream_name=name,
            stream_mode=kinesis.StreamMode.ON_DEMAND if shards is None else None,
            shard_count=shards,
            encryption=kinesis.StreamEncryption.KMS,
            encryption_key=self.storage.key,
            retention_period=cdk.Duration.hours(24),
        )

    # -- Managed Flink --------------------------------------------------------------------
    def _flink_application(self) -> flink.CfnApplication:
        code = s3_assets.Asset(self, "FlinkAppCode", path=str(artifacts.FLINK_APP_ZIP))
        role = iam.Role(
            self,
            "FlinkRole",
            assumed_by=iam.ServicePrincipal("kinesisanalytics.amazonaws.com"),
            description="Managed Flink: read transactions, write window results",
        )
        code.grant_read(role)
        self.transactions.grant_read(role)
        self.window_results.grant_write(role)
        log_group = logs.LogGroup(
            self,
            "FlinkLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            encryption_key=self.storage.key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        log_stream = logs.LogStream(self, "FlinkLogStream", log_group=log_group)
        log_group.grant_write(role)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:DescribeLogStreams"], resources=[log_group.log_group_arn]
            )
        )
        groups = prod_property_groups(
            self.transactions.stream_arn,
            self.window_results.stream_arn,
            self.region,
            python_main=artifacts.FLINK_MAIN,
            jarfile=artifacts.FLINK_CONNECTOR_JAR,
            py_files=artifacts.FLINK_PY_FILES,
        )
        props = flink.CfnApplication.PropertyGroupProperty
        application = flink.CfnApplication(
            self,
            "FlinkApplication",
            application_name=f"{self.config.prefix}-realtime-windows",
            application_description="1-minute provider/product windows (streaming/flink_job)",
            runtime_environment=FLINK_RUNTIME,
            service_execution_role=role.role_arn,
            application_configuration=flink.CfnApplication.ApplicationConfigurationProperty(
                application_code_configuration=flink.CfnApplication.ApplicationCodeConfigurationProperty(
                    code_content_type="ZIPFILE",
                    code_content=flink.CfnApplication.CodeContentProperty(
                        s3_content_location=flink.CfnApplication.S3ContentLocationProperty(
                            bucket_arn=code.bucket.bucket_arn, file_key=code.s3_object_key
                        )
                    ),
                ),
                environment_properties=flink.CfnApplication.EnvironmentPropertiesProperty(
                    property_groups=[
                        props(property_group_id=g["PropertyGroupId"], property_map=g["PropertyMap"])
                        for g in groups
                    ]
                ),
                flink_application_configuration=flink.CfnApplication.FlinkApplicationConfigurationProperty(
                    checkpoint_configuration=flink.CfnApplication.CheckpointConfigurationProperty(
                        configuration_type="CUSTOM",
                        checkpointing_enabled=True,
                        checkpoint_interval=60_000,
                        min_pause_between_checkpoints=5_000,
                    ),
                    monitoring_configuration=flink.CfnApplication.MonitoringConfigurationProperty(
                        configuration_type="CUSTOM", log_level="INFO", metrics_level="APPLICATION"
                    ),
                    parallelism_configuration=flink.CfnApplication.ParallelismConfigurationProperty(
                        configuration_type="CUSTOM",
                        parallelism=self.config.flink_parallelism,
                        parallelism_per_kpu=self.config.flink_parallelism_per_kpu,
                        auto_scaling_enabled=True,
                    ),
                ),
                application_snapshot_configuration=flink.CfnApplication.ApplicationSnapshotConfigurationProperty(
                    snapshots_enabled=True
                ),
            ),
        )
        application.node.add_dependency(role)  # the role *and its policy* exist first
        flink.CfnApplicationCloudWatchLoggingOption(
            self,
            "FlinkLogging",
            application_name=application.ref,
            cloud_watch_logging_option=flink.CfnApplicationCloudWatchLoggingOption.CloudWatchLoggingOptionProperty(
                log_stream_arn=(
                    f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:"
                    f"{log_group.log_group_name}:log-stream:{log_stream.log_stream_name}"
                )
            ),
        )
        return application

    # -- the stream processor Lambda -------------------------------------------------------
    def _processor(self, vpc: ec2.IVpc, database: DatabaseStack) -> lambda_.Function:
        storage = self.storage
        security_group = ec2.SecurityGroup(
            self, "ProcessorSecurityGroup", vpc=vpc, description="stream processor Lambda"
        )
        log_group = logs.LogGroup(
            self,
            "ProcessorLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            encryption_key=storage.key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        function = lambda_.Function(
            self,
            "Processor",
            description="window results -> realtime store + alerts (streaming/processor)",
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=lambda_.Architecture.X86_64,  # the zip holds manylinux x86_64 wheels
            handler=artifacts.PROCESSOR_HANDLER,
            code=lambda_.Code.from_asset(str(artifacts.PROCESSOR_ZIP)),
            memory_size=self.config.processor_memory_mib,
            timeout=cdk.Duration.seconds(60),
            reserved_concurrent_executions=20,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[security_group],
            environment={
                **aws_settings(storage),
                "PUNTORED_DATABASE_SECRET_ARN": database.secret.secret_arn,
                "PUNTORED_REALTIME_TTL_DAYS": str(self.config.realtime_ttl_days),
            },
            environment_encryption=storage.key,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
        )
        skip(function, "CKV_AWS_116")
        database.secret_for(self, function)
        database.allow_from(security_group, "stream processor Lambda")
        storage.realtime_table.grant_read_write_data(function)
        storage.alerts_topic.grant_publish(function)
        function.add_to_role_policy(put_metrics_statement(REALTIME_METRICS_NAMESPACE))
        function.add_event_source(
            sources.KinesisEventSource(
                self.window_results,
                # Window results are upserts and the processor skips consumed sequence
                # numbers, so replaying from the horizon after an outage is safe.
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=self.config.processor_batch_size,
                max_batching_window=cdk.Duration.seconds(
                    self.config.processor_batching_window_seconds
                ),
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
                retry_attempts=self.config.processor_retry_attempts,
                max_record_age=cdk.Duration.hours(6),
                parallelization_factor=1,  # in order per shard: positions are per shard
                on_failure=sources.SqsDlq(self.dead_letters),
            )
        )
        return function
