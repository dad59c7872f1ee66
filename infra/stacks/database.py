"""The serving database: RDS PostgreSQL in isolated subnets, its secret and the rotation.

The credentials live only in Secrets Manager (KMS-encrypted, rotated by the hosted rotation
Lambda); ECS tasks get the secret's JSON injected (``PUNTORED_DATABASE_SECRET``), the Lambda
reads it by ARN. Consumers are allowed in by security group, never by CIDR.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.checkov import skip
from infra.environments import StageConfig

# The major the tests run on (15), at its newest minor; auto minor upgrades stay on.
POSTGRES_VERSION = rds.PostgresEngineVersion.VER_15_17
DATABASE_NAME = "puntored"


class DatabaseStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        vpc: ec2.IVpc,
        key: kms.IKey,
        **kwargs,
    ):
        super().__init__(scope, construct_id, **kwargs)
        self.key = key
        removal = cdk.RemovalPolicy.SNAPSHOT if config.retain_data else cdk.RemovalPolicy.DESTROY
        self.secret = rds.DatabaseSecret(
            self,
            "Secret",
            username="puntored_admin",
            secret_name=f"{config.prefix}/serving-db",
            encryption_key=key,
        )
        parameters = rds.ParameterGroup(
            self,
            "Parameters",
            engine=rds.DatabaseInstanceEngine.postgres(version=POSTGRES_VERSION),
            parameters={
                "rds.force_ssl": "1",
                "log_min_duration_statement": "1000",
                "log_connections": "1",
                "log_disconnections": "1",
                "log_statement": "ddl",
            },
        )
        self.instance = rds.DatabaseInstance(
            self,
            "Instance",
            engine=rds.DatabaseInstanceEngine.postgres(version=POSTGRES_VERSION),
            instance_type=ec2.InstanceType(config.db_instance_type),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            credentials=rds.Credentials.from_secret(self.secret),
            database_name=DATABASE_NAME,
            parameter_group=parameters,
            allocated_storage=config.db_allocated_storage_gib,
            max_allocated_storage=config.db_max_allocated_storage_gib,
            storage_type=rds.StorageType.GP3,
            storage_encrypted=True,
            storage_encryption_key=key,
            multi_az=config.db_multi_az,
            publicly_accessible=False,
            iam_authentication=True,
            backup_retention=cdk.Duration.days(config.db_backup_retention_days),
            copy_tags_to_snapshot=True,
            deletion_protection=config.retain_data,
            auto_minor_version_upgrade=True,
            cloudwatch_logs_exports=["postgresql", "upgrade"],
            enable_performance_insights=True,
            performance_insight_encryption_key=key,
            monitoring_interval=cdk.Duration.seconds(60),
            removal_policy=removal,
        )
        if not config.db_multi_az:
            skip(self.instance, "CKV_AWS_157")
        rotation_sg = ec2.SecurityGroup(
            self, "RotationSecurityGroup", vpc=vpc, description="secret rotation Lambda"
        )
        self.instance.connections.allow_default_port_from(rotation_sg, "secret rotation")
        self.secret.add_rotation_schedule(
            "Rotation",
            automatically_after=cdk.Duration.days(config.secret_rotation_days),
            hosted_rotation=secretsmanager.HostedRotation.postgre_sql_single_user(
                vpc=vpc,
                vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                security_groups=[rotation_sg],
            ),
        )

    def secret_for(self, scope: Construct, grantee: iam.IGrantable) -> secretsmanager.ISecret:
        """The secret as seen from a consumer stack, readable by ``grantee``.

        Imported by ARN so that granting never edits the key policy in the storage stack
        (that would make storage depend on its consumers); the key policy trusts the
        account, so the consumer's own policy (secret ARN + key ARN) is what allows it.
        """
        secret = secretsmanager.Secret.from_secret_complete_arn(
            scope, "DatabaseSecret", self.secret.secret_arn
        )
        secret.grant_read(grantee)
        self.key.grant_decrypt(grantee)
        return secret

    def allow_from(self, peer: ec2.IConnectable, description: str) -> None:
        """Let ``peer`` (a task, a function) reach PostgreSQL on its port.

        Called from the peer's side, so the ingress rule lives in the peer's stack (a rule in
        this stack naming the peer's group would make the database depend on its consumers).
        """
        peer.connections.allow_to_default_port(self.instance, description)
