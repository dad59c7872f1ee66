"""The provider API on ECS Fargate behind an HTTPS-only ALB with AWS WAF (decision 0800).

TLS terminates at the ALB (ACM certificate, TLS 1.2+ policy; no plain-HTTP listener). WAF in
front: a per-IP rate-based rule plus AWS's common and known-bad-inputs rule sets; the per-key
token bucket of the API (decision 0504) stays the precise limit. Health: the ALB target group
and the container both probe ``/health``.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra import artifacts
from infra.environments import StageConfig
from infra.stacks.database import DatabaseStack
from infra.stacks.runtime import aws_settings
from infra.stacks.storage import StorageStack

API_PORT = 8000
HEALTH_PATH = "/health"


class ServingStack(cdk.Stack):
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
        cluster = ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        task = self._task_definition(database)
        self.service_security_group = ec2.SecurityGroup(
            self, "ApiSecurityGroup", vpc=vpc, description="provider API tasks"
        )
        database.allow_from(self.service_security_group, "provider API")
        self.service = ecs.FargateService(
            self,
            "ApiService",
            cluster=cluster,
            task_definition=task,
            desired_count=config.api_desired_count,
            min_healthy_percent=100,
            max_healthy_percent=200,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[self.service_security_group],
            assign_public_ip=False,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            health_check_grace_period=cdk.Duration.seconds(60),
        )
        self.load_balancer, self.target_group = self._load_balancer(vpc)
        self.web_acl = self._web_acl()
        cdk.CfnOutput(self, "ApiUrl", value=f"https://{config.api_domain_name}")
        cdk.CfnOutput(self, "LoadBalancerDns", value=self.load_balancer.load_balancer_dns_name)

    def _task_definition(self, database: DatabaseStack) -> ecs.FargateTaskDefinition:
        task = ecs.FargateTaskDefinition(
            self,
            "ApiTask",
            cpu=self.config.api_cpu,
            memory_limit_mib=self.config.api_memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        secret = database.secret_for(self, task.obtain_execution_role())
        self.storage.realtime_table.grant_read_data(task.task_role)
        log_group = logs.LogGroup(
            self,
            "ApiLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            encryption_key=self.storage.key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        task.add_volume(name="tmp")
        container = task.add_container(
            "api",
            image=ecs.ContainerImage.from_asset(
                str(artifacts.DOCKER_CONTEXT), file=artifacts.API_DOCKERFILE
            ),
            environment={
                **aws_settings(self.storage),
                "PUNTORED_DATA_DIR": "/tmp/puntored",
            },
            secrets={"PUNTORED_DATABASE_SECRET": ecs.Secret.from_secrets_manager(secret)},
            port_mappings=[ecs.PortMapping(container_port=API_PORT)],
            logging=ecs.LogDrivers.aws_logs(stream_prefix="api", log_group=log_group),
            readonly_root_filesystem=True,
            health_check=ecs.HealthCheck(
                command=[
                    "CMD",
                    "python",
                    "-c",
                    f"import urllib.request; urllib.request.urlopen("
                    f"'http://127.0.0.1:{API_PORT}{HEALTH_PATH}', timeout=3)",
                ],
                interval=cdk.Duration.seconds(30),
                timeout=cdk.Duration.seconds(5),
                retries=3,
                start_period=cdk.Duration.seconds(30),
            ),
        )
        container.add_mount_points(
            ecs.MountPoint(container_path="/tmp", source_volume="tmp", read_only=False)
        )
        return task

    def _load_balancer(
        self, vpc: ec2.IVpc
    ) -> tuple[elbv2.ApplicationLoadBalancer, elbv2.ApplicationTargetGroup]:
        security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=vpc,
            description="provider API load balancer: HTTPS only",
            allow_all_outbound=False,
        )
        security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS")
        load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=True,
            security_group=security_group,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            deletion_protection=self.config.retain_data,
            drop_invalid_header_fields=True,
        )
        load_balancer.log_access_logs(self.storage.access_logs, "alb")
        certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=self.config.api_domain_name,
            # The DNS record to create is shown by the deployment (docs/deploy.md).
            validation=acm.CertificateValidation.from_dns(),
        )
        listener = load_balancer.add_listener(
            "Https",
            port=443,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[certificate],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            open=False,  # the security group above already admits 443 only
        )
        target_group = listener.add_targets(
            "Api",
            port=API_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[self.service],
            health_check=elbv2.HealthCheck(
                path=HEALTH_PATH,
                healthy_http_codes="200",
                interval=cdk.Duration.seconds(15),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
            deregistration_delay=cdk.Duration.seconds(30),
        )
        self.service_security_group.add_ingress_rule(
            security_group, ec2.Port.tcp(API_PORT), "from the load balancer"
        )
        security_group.add_egress_rule(
            self.service_security_group, ec2.Port.tcp(API_PORT), "to the API tasks"
        )
        return load_balancer, target_group

    def _web_acl(self) -> wafv2.CfnWebACL:
        def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            )

        def managed(priority: int, name: str) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name
                    )
                ),
                visibility_config=visibility(name),
            )

        rate_limit = wafv2.CfnWebACL.RuleProperty(
            name="rate-per-ip",
            priority=0,
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=self.config.api_waf_requests_per_5_minutes, aggregate_key_type="IP"
                )
            ),
            visibility_config=visibility("rate-per-ip"),
        )
        web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility(f"{self.config.prefix}-api"),
            rules=[
                rate_limit,
                managed(1, "AWSManagedRulesCommonRuleSet"),
                managed(2, "AWSManagedRulesKnownBadInputsRuleSet"),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.load_balancer.load_balancer_arn,
            web_acl_arn=web_acl.attr_arn,
        )
        waf_logs = logs.LogGroup(
            self,
            "WafLogs",
            log_group_name=f"aws-waf-logs-{self.config.prefix}-api",  # the name WAF requires
            retention=logs.RetentionDays.THREE_MONTHS,
            encryption_key=self.storage.key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        wafv2.CfnLoggingConfiguration(
            self,
            "WafLogging",
            resource_arn=web_acl.attr_arn,
            log_destination_configs=[
                f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:"
                f"{waf_logs.log_group_name}"
            ],
        )
        return web_acl
