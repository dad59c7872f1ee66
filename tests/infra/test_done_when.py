"""Issue 12's "Done when": every stage's templates hold the listed resource types."""

from __future__ import annotations

from typing import Any

import pytest

from infra.environments import STAGES

pytestmark = pytest.mark.infra

DONE_WHEN = {
    "AWS::S3::Bucket",
    "AWS::Glue::Database",
    "AWS::Glue::Table",
    "AWS::Glue::Job",
    "AWS::Athena::WorkGroup",
    "AWS::Kinesis::Stream",
    "AWS::KinesisAnalyticsV2::Application",
    "AWS::Lambda::Function",
    "AWS::Lambda::EventSourceMapping",
    "AWS::SQS::Queue",
    "AWS::DynamoDB::Table",
    "AWS::RDS::DBInstance",
    "AWS::SecretsManager::Secret",
    "AWS::SecretsManager::RotationSchedule",
    "AWS::EC2::VPC",
    "AWS::EC2::VPCEndpoint",
    "AWS::StepFunctions::StateMachine",
    "AWS::Scheduler::Schedule",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::SNS::Topic",
    # the API's hosting: Fargate service behind an HTTPS ALB with WAF
    "AWS::ECS::Service",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::CertificateManager::Certificate",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
}


@pytest.mark.parametrize("stage", STAGES)
def test_every_resource_type_of_the_done_when_list_is_synthesized(
    templates: dict[str, dict[str, Any]], stage: str
) -> None:
    found = {
        resource["Type"]
        for name, template in templates.items()
        if name.startswith(f"puntored-{stage}-")
        for resource in template["Resources"].values()
    }
    assert DONE_WHEN - found == set()


def test_stacks_are_split_by_lifecycle(templates: dict[str, dict[str, Any]]) -> None:
    parts = ("storage", "network", "database", "batch", "streaming", "serving", "observability")
    assert set(templates) == {f"puntored-{s}-{p}" for s in STAGES for p in parts}
    # stateful resources live only in the stateful stacks
    for name, template in templates.items():
        kinds = {r["Type"] for r in template["Resources"].values()}
        if not name.endswith(("-storage", "-database")):
            assert not kinds & {"AWS::DynamoDB::Table", "AWS::RDS::DBInstance", "AWS::KMS::Key"}


def test_make_infra_writes_every_template(cdk_out: Any, templates: dict[str, Any]) -> None:
    written = {path.name for path in cdk_out.glob("*.template.json")}
    assert written == {f"{name}.template.json" for name in templates}
