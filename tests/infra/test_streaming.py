"""Realtime path: encrypted streams, Managed Flink on the job's own profile, the processor's
event source mapping (batching, bisect, partial batch response, DLQ)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra import artifacts
from infra.environments import DEV, PROD
from puntored.streaming.flink_job.config import parse_config, prod_property_groups
from tests.infra.cfn import only, properties, resources

pytestmark = pytest.mark.infra

CONFIGS = {"dev": DEV, "prod": PROD}


@pytest.fixture(params=["dev", "prod"])
def stage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _streaming(templates: dict[str, Any], stage: str) -> dict[str, Any]:
    return templates[f"puntored-{stage}-streaming"]


def test_streams_are_kms_encrypted_and_on_demand(templates, stage) -> None:
    streams = properties(_streaming(templates, stage), "AWS::Kinesis::Stream")
    assert sorted(s["Name"] for s in streams) == [
        f"puntored-{stage}-transactions",
        f"puntored-{stage}-window-results",
    ]
    for stream in streams:
        assert stream["StreamEncryption"]["EncryptionType"] == "KMS"
        assert stream["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}


def test_flink_runs_the_tested_runtime_with_the_jobs_prod_profile(templates, stage) -> None:
    application = only(_streaming(templates, stage), "AWS::KinesisAnalyticsV2::Application")
    assert application["RuntimeEnvironment"] == "FLINK-2_3"
    configuration = application["ApplicationConfiguration"]
    groups = [
        {"PropertyGroupId": g["PropertyGroupId"], "PropertyMap": g["PropertyMap"]}
        for g in configuration["EnvironmentProperties"]["PropertyGroups"]
    ]
    # The same code renders it as the committed application_properties.json.
    ref = {"Fn::GetAtt": ["Transactions5DC4B2A3", "Arn"]}
    expected = prod_property_groups(
        ref,  # type: ignore[arg-type]
        {"Fn::GetAtt": ["WindowResults3A1EF6A7", "Arn"]},  # type: ignore[arg-type]
        "us-east-1",
        python_main=artifacts.FLINK_MAIN,
        jarfile=artifacts.FLINK_CONNECTOR_JAR,
        py_files=artifacts.FLINK_PY_FILES,
    )
    assert [g["PropertyGroupId"] for g in groups] == [g["PropertyGroupId"] for g in expected]
    run_options = groups[0]["PropertyMap"]
    assert run_options == {
        "python": artifacts.FLINK_MAIN,
        "jarfile": artifacts.FLINK_CONNECTOR_JAR,
        "pyFiles": artifacts.FLINK_PY_FILES,
    }
    # The job's own validation accepts what is deployed (ARNs are references here).
    parsed = parse_config(
        {g["PropertyGroupId"]: {k: str(v) for k, v in g["PropertyMap"].items()} for g in groups}
    )
    assert parsed.profile == "prod"
    assert parsed.source["aws.region"] == "us-east-1"
    flink = configuration["FlinkApplicationConfiguration"]
    assert flink["CheckpointConfiguration"]["CheckpointingEnabled"] is True
    assert flink["ParallelismConfiguration"]["Parallelism"] == CONFIGS[stage].flink_parallelism
    assert configuration["ApplicationSnapshotConfiguration"]["SnapshotsEnabled"] is True
    assert configuration["ApplicationCodeConfiguration"]["CodeContentType"] == "ZIPFILE"


def test_the_processor_mapping_batches_bisects_and_reports_partial_failures(
    templates, template, stage
) -> None:
    config = CONFIGS[stage]
    assertions = template(f"{stage}-streaming")
    assertions.resource_count_is("AWS::Lambda::EventSourceMapping", 1)
    assertions.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "BatchSize": config.processor_batch_size,
            "MaximumBatchingWindowInSeconds": config.processor_batching_window_seconds,
            "BisectBatchOnFunctionError": True,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "MaximumRetryAttempts": config.processor_retry_attempts,
            "ParallelizationFactor": 1,
            "StartingPosition": "TRIM_HORIZON",
            "DestinationConfig": {"OnFailure": {"Destination": Match.any_value()}},
        },
    )
    mapping = only(_streaming(templates, stage), "AWS::Lambda::EventSourceMapping")
    destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination["Fn::GetAtt"][0].startswith("ProcessorDeadLetters")
    assert mapping["EventSourceArn"]["Fn::GetAtt"][0].startswith("WindowResults")


def test_the_processor_function(templates, stage) -> None:
    template = _streaming(templates, stage)
    (function,) = [
        f for f in properties(template, "AWS::Lambda::Function")
        if f.get("Handler") == artifacts.PROCESSOR_HANDLER
    ]  # fmt: skip
    assert function["Runtime"] == "python3.11"
    assert function["Architectures"] == ["x86_64"]
    assert "KmsKeyArn" in function and function["TracingConfig"] == {"Mode": "Active"}
    assert function["VpcConfig"]["SubnetIds"]
    environment = function["Environment"]["Variables"]
    assert environment["PUNTORED_MODE"] == "aws"
    assert "PUNTORED_DATABASE_SECRET_ARN" in environment
    assert not any("PASSWORD" in key for key in environment)
    # windows outlive the volume rules' 4-week reference (streaming/processor/baseline.py)
    assert int(environment["PUNTORED_REALTIME_TTL_DAYS"]) > 28


def test_the_dead_letter_queue_is_encrypted_and_keeps_two_weeks(templates, stage) -> None:
    queue = only(_streaming(templates, stage), "AWS::SQS::Queue")
    assert "KmsMasterKeyId" in queue
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_the_processor_reads_only_the_database_secret_it_is_given(templates, stage) -> None:
    template = _streaming(templates, stage)
    functions = resources(template, "AWS::Lambda::Function")
    (logical_id,) = [
        k for k, f in functions.items()
        if f["Properties"].get("Handler") == artifacts.PROCESSOR_HANDLER
    ]  # fmt: skip
    given = functions[logical_id]["Properties"]["Environment"]["Variables"]
    arn = given["PUNTORED_DATABASE_SECRET_ARN"]
    assert "Fn::ImportValue" in arn  # the database stack's secret, by reference
    role = functions[logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    reads = [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "secretsmanager:GetSecretValue" in _actions(statement)
    ]
    assert [s["Resource"] for s in reads] == [arn]  # that secret, nothing else, never "*"


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)
