"""Least privilege: every allowed action is scoped to ARNs, except the few AWS APIs that
have no resource-level permissions (and those that can be are scoped by a condition)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.cfn import as_list, policy_statements

pytestmark = pytest.mark.infra

# Actions that accept only "*" as resource (AWS service authorization reference).
RESOURCELESS = {
    "cloudwatch:PutMetricData",  # scoped by the cloudwatch:namespace condition (checked below)
    "ecr:GetAuthorizationToken",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "ec2:CreateNetworkInterface",  # Lambda in a VPC (AWS managed execution policy)
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeDhcpOptions",
    "kinesis:ListShards",
    "kinesis:ListStreams",
    "kms:CreateGrant",  # never unconditioned: see the KMS test
}


def _allows(templates: dict[str, Any]):  # type: ignore[no-untyped-def]
    for stack, template in templates.items():
        for where, statement in policy_statements(template):
            if statement["Effect"] == "Allow":
                yield stack, where, statement


def test_no_wildcard_actions(templates: dict[str, Any]) -> None:
    for stack, where, statement in _allows(templates):
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), (stack, where, action)


def test_wildcard_resources_only_for_actions_without_resource_arns(templates) -> None:
    offenders = [
        (stack, where, action)
        for stack, where, statement in _allows(templates)
        if "*" in as_list(statement.get("Resource", []))
        for action in as_list(statement["Action"])
        if action not in RESOURCELESS
    ]
    assert offenders == []


def test_metrics_are_written_only_to_their_namespace(templates) -> None:
    seen = set()
    for stack, where, statement in _allows(templates):
        if "cloudwatch:PutMetricData" in as_list(statement["Action"]):
            namespace = statement["Condition"]["StringEquals"]["cloudwatch:namespace"]
            assert namespace in {"PuntoRed/Pipeline", "PuntoRed/Realtime", "Glue"}, where
            seen.add(namespace)
    assert seen == {"PuntoRed/Pipeline", "PuntoRed/Realtime", "Glue"}


def test_no_aws_managed_admin_policies(templates) -> None:
    for template in templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::IAM::Role":
                managed = str(resource["Properties"].get("ManagedPolicyArns", []))
                assert "AdministratorAccess" not in managed and "PowerUser" not in managed
                assert "AmazonS3FullAccess" not in managed


def test_the_glue_job_writes_only_its_lake_prefixes(templates) -> None:
    template = templates["puntored-prod-batch"]
    writes = [
        statement
        for where, statement in policy_statements(template)
        if where.startswith("GlueJobRole") and "s3:PutObject" in as_list(statement["Action"])
    ]
    resources = [str(r) for s in writes for r in as_list(s["Resource"])]
    assert all(any(p in r for p in ("/raw/*", "/_staging/*", "/_state/*", "/glue/*")) for r in resources)
