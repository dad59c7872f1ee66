"""checkov skips, each on the one resource it concerns, with its reason (``make lint``).

The whole list is ``SKIPS``; ``skip`` writes the entry into the resource's CloudFormation
``Metadata`` (what checkov reads), so a skip never hides the same finding elsewhere.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

SKIPS: dict[str, str] = {
    "CKV_AWS_18": "the access-log bucket itself: S3 cannot log a log bucket into itself",
    "CKV_AWS_21": "Athena query results: disposable, expire after days; versions would only cost",
    "CKV_AWS_111": (
        "state machine role, CDK-generated: Step Functions log delivery (logs:*LogDelivery, "
        "logs:PutResourcePolicy) and X-Ray accept no resource ARN; PutMetricData is "
        "conditioned on its namespace"
    ),
    "CKV_AWS_116": (
        "stream-invoked Lambda: a function DLQ applies to async invokes only; failed Kinesis "
        "batches go to the event source mapping's on-failure SQS queue"
    ),
    "CKV_AWS_157": "dev database: single-AZ by stage config (prod is Multi-AZ)",
}


def skip(construct: IConstruct, *check_ids: str) -> None:
    """Skip ``check_ids`` (reasons from ``SKIPS``) on the construct's CloudFormation resource."""
    resource = construct.node.default_child if isinstance(construct, cdk.Resource) else construct
    assert isinstance(resource, cdk.CfnResource), f"{construct.node.path}: not a resource"
    existing: dict[str, Any] = resource.get_metadata("checkov") or {"skip": []}
    existing["skip"] += [{"id": check, "comment": SKIPS[check]} for check in check_ids]
    resource.add_metadata("checkov", existing)
