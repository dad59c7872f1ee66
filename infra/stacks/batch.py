"""The batch day on AWS: the Glue landing job, the batch container and the daily state machine.

ResolveDay → Migrate → Land (Glue ``startJobRun.sync``) → Transform (dbt, athena target) →
Sync → Reports → Freshness, each container step a ``puntored <stage>`` command in aws mode on
ECS Fargate (``.sync``). Every task retries transient errors with backoff; a failure records
``PuntoRed/Pipeline StageFailed{Stage}`` and notifies the operations topic, then fails the run.
An EventBridge Scheduler schedule starts it daily in America/Bogota.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra import artifacts
from infra.checkov import skip
from infra.environments import StageConfig
from infra.stacks.database import DatabaseStack
from infra.stacks.runtime import (
    MARTS_PREFIX,
    PIPELINE_METRICS_NAMESPACE,
    STATE_PREFIX,
    athena_statements,
    aws_settings,
    glue_catalog_arns,
    put_metrics_statement,
)
from infra.stacks.storage import StorageStack

# "yesterday in Bogota" unless the execution input names the day (backfills, re-runs).
RESOLVE_DAY = (
    "{% $exists($states.input.date) ? $states.input.date : "
    "$fromMillis($toMillis($states.context.Execution.StartTime) - 86400000, "
    "'[Y0001]-[M01]-[D01]', '-0500') %}"
)
DAY = "{% $states.input.date %}"
PASS_INPUT = "{% $states.input %}"  # a task's output is its input: the day flows on
TRANSIENT_ERRORS = [
    "States.Timeout",
    "Glue.ConcurrentRunsExceededException",
    "Glue.InternalServiceException",
    "ECS.AmazonECSException",
    "ECS.ServerException",
    "SNS.InternalErrorException",
]


@dataclass(frozen=True)
class BatchStep:
    """One container step of the day: its state name and the ``puntored`` command."""

    name: str
    stage: str  # the Stage dimension of StageFailed
    command: tuple[str, ...]
    timeout_minutes: int


def container_steps() -> tuple[BatchStep, ...]:
    # The same order as `puntored daily` (puntored/pipeline.py: daily_stages); pipeline_stages()
    # and the StageFailed alarms follow from this tuple (tests/infra/test_batch.py).
    day = "{day}"
    return (
        BatchStep("Transform", "transform", ("puntored", "transform"), 90),
        BatchStep("Sync", "sync", ("puntored", "sync"), 60),
        BatchStep("Reports", "reports", ("puntored", "reports", "--date", day), 30),
        BatchStep("Reconcile", "reconcile", ("puntored", "reconcile", "--date", day), 15),
        BatchStep("Freshness", "freshness", ("puntored", "freshness", "--date", day), 10),
    )


MIGRATE = BatchStep("Migrate", "migrate", ("puntored", "db", "upgrade"), 10)
LAND_STAGE = "land"


def pipeline_stages() -> tuple[str, ...]:
    """The Stage dimension values of StageFailed, in run order."""
    return (MIGRATE.stage, LAND_STAGE, *(step.stage for step in container_steps()))


class BatchStack(cdk.Stack):
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
        self.glue_job = self._glue_job()
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        self.task_definition, self.container = self._batch_task(database)
        self.task_security_group = ec2.SecurityGroup(
            self, "TaskSecurityGroup", vpc=vpc, description="batch runner tasks"
        )
        database.allow_from(self.task_security_group, "batch runner (migrate, sync, reports)")
        self.state_machine = self._state_machine()
        self.schedule = scheduler.Schedule(
            self,
            "DailySchedule",
            description=f"PuntoRed {config.stage} batch day (Bogota time)",
            schedule=scheduler.ScheduleExpression.expression(
                config.daily_schedule_cron, cdk.TimeZone.of(config.daily_schedule_timezone)
            ),
            target=scheduler_targets.StepFunctionsStartExecution(
                self.state_machine,
                input=scheduler.ScheduleTargetInput.from_object({}),
                retry_attempts=2,
            ),
        )

    # -- landing -------------------------------------------------------------------------
    def _glue_job(self) -> glue.PySparkEtlJob:
        storage = self.storage
        role = iam.Role(
            self,
            "GlueJobRole",
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description="landing job: landing (read) -> lake (write), its own bookmark",
        )
        storage.landing.grant_read(role)
        storage.lake.grant_read_write(role, "raw/*")
        storage.lake.grant_read_write(role, "_staging/*")
        storage.lake.grant_read_write(role, f"{STATE_PREFIX}*")
        storage.artifacts.grant_read_write(role, "glue/*")
        role.add_to_policy(put_metrics_statement("Glue"))
        role.add_to_policy(
            iam.PolicyStatement(
                # publish (glue/landing/publish.py): switch a day's partition to its run prefix
                actions=[
                    "glue:GetTable",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                    "glue:CreatePartition",
                    "glue:UpdatePartition",
                    "glue:BatchCreatePartition",
                ],
                resources=glue_catalog_arns(storage, storage.catalog.raw_database),
            )
        )
        security = glue.SecurityConfiguration(
            self,
            "GlueSecurity",
            s3_encryption=glue.S3Encryption.kms(storage.key),
            cloud_watch_encryption=glue.CloudWatchEncryption.kms(storage.key),
            job_bookmarks_encryption=glue.JobBookmarksEncryption.client_side_kms(storage.key),
        )
        artifacts_uri = f"s3://{storage.artifacts.bucket_name}"
        return glue.PySparkEtlJob(
            self,
            "LandingJob",
            job_name=f"{self.config.prefix}-land-transactions",
            description="raw transactions -> dt-partitioned Parquet (glue/land_transactions.py)",
            role=role,
            glue_version=glue.GlueVersion.V5_0,
            script=glue.Code.from_asset(str(artifacts.GLUE_SCRIPT)),
            extra_python_files=[glue.Code.from_asset(str(artifacts.GLUE_LIBRARY_ZIP))],
            worker_configuration=glue.WorkerConfiguration(
                worker_type=glue.WorkerType[self.config.glue_worker_type],
                number_of_workers=self.config.glue_workers,
            ),
            timeout=cdk.Duration.minutes(self.config.glue_timeout_minutes),
            max_concurrent_runs=1,  # one landing run at a time: runs never collide
            max_retries=0,  # the state machine retries, with backoff and a record
            security_configuration=security,
            continuous_logging=glue.ContinuousLoggingProps(enabled=True),
            default_arguments={
                "--landing_uri": f"s3://{storage.landing.bucket_name}",
                "--lake_uri": f"s3://{storage.lake.bucket_name}",
                "--state_uri": aws_settings(storage)["PUNTORED_STATE_URI"],
                "--glue_database": storage.catalog.raw_database,
                "--job-bookmark-option": "job-bookmark-disable",  # own bookmark (0201)
                "--TempDir": f"{artifacts_uri}/glue/temp/",
                "--enable-job-insights": "true",
            },
        )

    # -- the batch container ---------------------------------------------------------------
    def _batch_task(
        self, database: DatabaseStack
    ) -> tuple[ecs.FargateTaskDefinition, ecs.ContainerDefinition]:
        storage = self.storage
        task = ecs.FargateTaskDefinition(
            self,
            "RunnerTask",
            cpu=self.config.batch_cpu,
            memory_limit_mib=self.config.batch_memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        secret = database.secret_for(self, task.obtain_execution_role())
        role = task.task_role
        storage.lake.grant_read(role)
        storage.lake.grant_read_write(role, f"{MARTS_PREFIX}*")
        storage.athena_results.grant_read_write(role)
        storage.reports.grant_read_write(role)
        storage.realtime_table.grant_read_data(role)  # puntored reconcile reads the windows
        for statement in athena_statements(storage):
            role.add_to_principal_policy(statement)
        role.add_to_principal_policy(put_metrics_statement(PIPELINE_METRICS_NAMESPACE))
        log_group = logs.LogGroup(
            self,
            "RunnerLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            encryption_key=storage.key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        scratch = {"dbt-target": "/app/target", "dbt-logs": "/app/logs", "tmp": "/tmp"}
        for volume in scratch:
            task.add_volume(name=volume)
        container = task.add_container(
            "runner",
            image=ecs.ContainerImage.from_asset(
                str(artifacts.DOCKER_CONTEXT), file=artifacts.BATCH_DOCKERFILE
            ),
            command=["puntored", "--help"],
            environment={**aws_settings(storage), "PUNTORED_DATA_DIR": "/tmp/puntored"},
            secrets={"PUNTORED_DATABASE_SECRET": ecs.Secret.from_secrets_manager(secret)},
            logging=ecs.LogDrivers.aws_logs(stream_prefix="batch", log_group=log_group),
            readonly_root_filesystem=True,
        )
        container.add_mount_points(
            *(
                ecs.MountPoint(container_path=path, source_volume=volume, read_only=False)
                for volume, path in scratch.items()
            )
        )
        return task, container

    # -- the state machine (JSONata: the day flows through every state) -------------------
    def _state_machine(self) -> sfn.StateMachine:
        failure = self._failure_chain()
        resolve = sfn.Pass.jsonata(self, "ResolveDay", outputs={"date": RESOLVE_DAY})
        land = tasks.GlueStartJobRun.jsonata(
            self,
            "Land",
            glue_job_name=self.glue_job.job_name,
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
            arguments=sfn.TaskInput.from_object({"--from_date": DAY, "--to_date": DAY}),
            outputs=PASS_INPUT,
            task_timeout=sfn.Timeout.duration(
                cdk.Duration.minutes(self.config.glue_timeout_minutes + 5)
            ),
        )
        steps: list[tuple[str, sfn.TaskStateBase]] = [
            (MIGRATE.stage, self._container_task(MIGRATE)),
            (LAND_STAGE, land),
            *((step.stage, self._container_task(step)) for step in container_steps()),
        ]
        definition = sfn.Chain.start(resolve)
        for stage, step in steps:
            _add_retries(step)
            step.add_catch(
                failure,
                outputs={"date": DAY, "stage": stage, "error": "{% $states.errorOutput %}"},
            )
            definition = definition.next(step)
        definition = definition.next(sfn.Succeed.jsonata(self, "DayDone"))
        log_group = logs.LogGroup(
            self,
            "StateMachineLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            encryption_key=self.storage.key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        machine = sfn.StateMachine(
            self,
            "DailyStateMachine",
            state_machine_name=f"{self.config.prefix}-daily",
            query_language=sfn.QueryLanguage.JSONATA,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=cdk.Duration.hours(6),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ERROR),
        )
        machine.add_to_role_policy(put_metrics_statement(PIPELINE_METRICS_NAMESPACE))
        skip(machine.role.node.find_child("DefaultPolicy"), "CKV_AWS_111")
        return machine

    def _container_task(self, step: BatchStep) -> tasks.EcsRunTask:
        command = [DAY if part == "{day}" else part for part in step.command]
        return tasks.EcsRunTask.jsonata(
            self,
            step.name,
            cluster=self.cluster,
            task_definition=self.task_definition,
            launch_target=tasks.EcsFargateLaunchTarget(
                platform_version=ecs.FargatePlatformVersion.LATEST
            ),
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[self.task_security_group],
            assign_public_ip=False,
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
            container_overrides=[
                tasks.ContainerOverride(container_definition=self.container, command=command)
            ],
            outputs=PASS_INPUT,
            task_timeout=sfn.Timeout.duration(cdk.Duration.minutes(step.timeout_minutes)),
        )

    def _failure_chain(self) -> sfn.IChainable:
        """Record StageFailed{Stage}, notify the operations topic, fail the execution."""
        # A raw SDK-integration state: CallAwsService would add a PutMetricData statement on
        # "*" without the namespace condition the role gets below.
        record = sfn.CustomState(
            self,
            "RecordStageFailed",
            state_json={
                "Type": "Task",
                "Resource": f"arn:{self.partition}:states:::aws-sdk:cloudwatch:putMetricData",
                "Arguments": {
                    "Namespace": PIPELINE_METRICS_NAMESPACE,
                    "MetricData": [
                        {
                            "MetricName": "StageFailed",
                            "Unit": "Count",
                            "Value": 1,
                            "Dimensions": [{"Name": "Stage", "Value": "{% $states.input.stage %}"}],
                        }
                    ],
                },
                "Output": PASS_INPUT,
                # Announce the failure even if CloudWatch stays unavailable (input kept).
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "Next": "NotifyFailure", "Output": PASS_INPUT}
                ],
            },
        )
        notify = tasks.SnsPublish.jsonata(
            self,
            "NotifyFailure",
            topic=self.storage.operations_topic,
            subject=f"PuntoRed {self.config.stage}: the daily batch failed",
            message=sfn.TaskInput.from_object(
                {
                    "day": DAY,
                    "stage": "{% $states.input.stage %}",
                    "error": "{% $states.input.error %}",
                    "execution": "{% $states.context.Execution.Id %}",
                }
            ),
            outputs=PASS_INPUT,
        )
        for task in (record, notify):
            task.add_retry(
                errors=["States.ALL"],
                max_attempts=3,
                interval=cdk.Duration.seconds(5),
                backoff_rate=2.0,
            )
        fail = sfn.Fail.jsonata(
            self, "DayFailed", error="StageFailed", cause="{% $states.input.stage %}"
        )
        return record.next(notify).next(fail)


def _add_retries(task: sfn.TaskStateBase) -> None:
    """Every stage is re-runnable, so a retry never doubles anything.

    Service errors and timeouts: 3 retries, 30 s then x2 with jitter. A failed run (a dbt test,
    a Glue error): one retry after 2 minutes, then the failure chain.
    """
    task.add_retry(
        errors=TRANSIENT_ERRORS,
        max_attempts=3,
        interval=cdk.Duration.seconds(30),
        backoff_rate=2.0,
        max_delay=cdk.Duration.minutes(5),
        jitter_strategy=sfn.JitterType.FULL,
    )
    task.add_retry(
        errors=["States.TaskFailed"],
        max_attempts=1,
        interval=cdk.Duration.minutes(2),
        backoff_rate=2.0,
    )
