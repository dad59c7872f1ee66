"""The API's hosting (HTTPS only, WAF, health checks) and the serving database."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from infra.environments import DEV, PROD
from infra.stacks.serving import HEALTH_PATH
from tests.infra.cfn import joined, only, properties

pytestmark = pytest.mark.infra

CONFIGS = {"dev": DEV, "prod": PROD}


@pytest.fixture(params=["dev", "prod"])
def stage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_api_listens_on_https_only(templates, stage) -> None:
    serving = templates[f"puntored-{stage}-serving"]
    (listener,) = properties(serving, "AWS::ElasticLoadBalancingV2::Listener")
    assert (listener["Port"], listener["Protocol"]) == (443, "HTTPS")
    assert listener["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert only(serving, "AWS::CertificateManager::Certificate")["DomainName"] == (
        CONFIGS[stage].api_domain_name
    )
    groups = properties(serving, "AWS::EC2::SecurityGroup")
    (balancer,) = [g for g in groups if "load balancer" in g["GroupDescription"]]
    ingress = [(r["CidrIp"], r["FromPort"], r["ToPort"]) for r in balancer["SecurityGroupIngress"]]
    assert ingress == [("0.0.0.0/0", 443, 443)]  # no plain-HTTP port at all
    attributes = {
        a["Key"]: a["Value"]
        for a in only(serving, "AWS::ElasticLoadBalancingV2::LoadBalancer")[
            "LoadBalancerAttributes"
        ]
    }
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["access_logs.s3.enabled"] == "true"


def test_waf_rate_limits_per_ip_and_is_attached_to_the_load_balancer(
    templates, template, stage
) -> None:
    template(f"{stage}-serving").has_resource_properties(
        "AWS::WAFv2::WebACL",
        {
            "Rules": Match.array_with(
                [Match.object_like({"Name": "rate-per-ip", "Action": {"Block": {}}})]
            )
        },
    )
    serving = templates[f"puntored-{stage}-serving"]
    acl = only(serving, "AWS::WAFv2::WebACL")
    assert acl["Scope"] == "REGIONAL"
    rate = next(r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"])
    assert rate["Statement"]["RateBasedStatement"] == {
        "AggregateKeyType": "IP",
        "Limit": CONFIGS[stage].api_waf_requests_per_5_minutes,
    }
    assert rate["Action"] == {"Block": {}}
    association = only(serving, "AWS::WAFv2::WebACLAssociation")
    assert association["ResourceArn"]["Ref"].startswith("LoadBalancer")
    assert only(serving, "AWS::WAFv2::LoggingConfiguration")


def test_health_checks_on_the_target_group_and_the_container(templates, stage) -> None:
    serving = templates[f"puntored-{stage}-serving"]
    group = only(serving, "AWS::ElasticLoadBalancingV2::TargetGroup")
    assert group["HealthCheckPath"] == HEALTH_PATH and group["Matcher"] == {"HttpCode": "200"}
    (task,) = properties(serving, "AWS::ECS::TaskDefinition")
    (container,) = task["ContainerDefinitions"]
    assert HEALTH_PATH in " ".join(container["HealthCheck"]["Command"])
    assert container["ReadonlyRootFilesystem"] is True
    assert [s["Name"] for s in container["Secrets"]] == ["PUNTORED_DATABASE_SECRET"]
    service = only(serving, "AWS::ECS::Service")
    assert service["DesiredCount"] == CONFIGS[stage].api_desired_count
    assert service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
        "Enable": True,
        "Rollback": True,
    }
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"


def test_the_database_is_private_encrypted_and_its_secret_rotates(templates, stage) -> None:
    database = templates[f"puntored-{stage}-database"]
    instance = only(database, "AWS::RDS::DBInstance")
    assert instance["Engine"] == "postgres" and instance["EngineVersion"].startswith("15.")
    assert instance["PubliclyAccessible"] is False
    assert instance["StorageEncrypted"] is True and "KmsKeyId" in instance
    assert instance["MultiAZ"] is CONFIGS[stage].db_multi_az
    assert instance["DeletionProtection"] is CONFIGS[stage].retain_data
    subnet_group = only(database, "AWS::RDS::DBSubnetGroup")
    assert all(
        "databaseSubnet" in joined(s) or "ImportValue" in str(s) for s in subnet_group["SubnetIds"]
    )
    assert "database" in str(subnet_group["SubnetIds"])
    parameters = only(database, "AWS::RDS::DBParameterGroup")["Parameters"]
    assert parameters["rds.force_ssl"] == "1"
    secret = only(database, "AWS::SecretsManager::Secret")
    assert "KmsKeyId" in secret
    rotation = only(database, "AWS::SecretsManager::RotationSchedule")
    assert rotation["RotationRules"]["ScheduleExpression"] == (
        f"rate({CONFIGS[stage].secret_rotation_days} days)"
    )
    assert "HostedRotationLambda" in rotation


def test_the_vpc_has_gateway_endpoints_for_s3_and_dynamodb(templates, stage) -> None:
    network = templates[f"puntored-{stage}-network"]
    endpoints = properties(network, "AWS::EC2::VPCEndpoint")
    gateways = {
        joined(e["ServiceName"]) for e in endpoints if e.get("VpcEndpointType") == "Gateway"
    }
    assert gateways == {"com.amazonaws.<ref>.s3", "com.amazonaws.<ref>.dynamodb"} or all(
        any(name in g for g in gateways) for name in (".s3", ".dynamodb")
    )
    assert len(endpoints) >= 2
    assert only(network, "AWS::EC2::FlowLog")
