"""Storage and catalog: what protects the data (encryption, no public access, TLS only,
retention) and the catalog built from the same definitions as glue/ddl."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra.environments import DEV, PROD, StageConfig
from puntored.contract.dbt import raw_transactions_columns
from puntored.glue.catalog import raw_tables
from tests.infra.cfn import as_list, joined, only, properties, resources

pytestmark = pytest.mark.infra

CONFIGS = {"dev": DEV, "prod": PROD}


@pytest.fixture(params=["dev", "prod"])
def stage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _storage(templates: dict[str, Any], stage: str) -> dict[str, Any]:
    return templates[f"puntored-{stage}-storage"]


def _buckets(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in resources(template, "AWS::S3::Bucket").items()}


def _bucket(template: dict[str, Any], prefix: str) -> dict[str, Any]:
    (found,) = [p for k, p in _buckets(template).items() if k.startswith(prefix)]
    return found


def test_every_bucket_is_encrypted_private_and_owner_enforced(templates, template, stage) -> None:
    assertions = template(f"{stage}-storage")
    assertions.resource_count_is("AWS::S3::Bucket", 6)  # 5 data buckets + access logs
    assert len(assertions.find_resources("AWS::S3::Bucket", {
        "Properties": {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "BlockPublicPolicy": True,
                "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
            },
            "OwnershipControls": Match.any_value(),
        }
    })) == 6  # fmt: skip
    buckets = _buckets(_storage(templates, stage))
    for logical_id, bucket in buckets.items():
        block = bucket["PublicAccessBlockConfiguration"]
        assert block == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, logical_id
        (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        algorithm = rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
        # KMS for data; SSE-S3 only where S3 log delivery requires it (the access-log bucket)
        assert algorithm == ("AES256" if logical_id.startswith("AccessLogs") else "aws:kms")
        assert "AccessControl" not in bucket  # no ACLs


def test_data_buckets_log_access_and_use_the_stage_key(templates, stage) -> None:
    for logical_id, bucket in _buckets(_storage(templates, stage)).items():
        if logical_id.startswith("AccessLogs"):
            continue
        (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert "KMSMasterKeyID" in rule["ServerSideEncryptionByDefault"]
        assert rule["BucketKeyEnabled"] is True
        assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {
            "Ref": next(k for k in _buckets(_storage(templates, stage)) if k.startswith("Access"))
        }


def test_every_bucket_refuses_plain_http(templates, stage) -> None:
    template = _storage(templates, stage)
    protected = set()
    for policy in properties(template, "AWS::S3::BucketPolicy"):
        for statement in policy["PolicyDocument"]["Statement"]:
            if (
                statement["Effect"] == "Deny"
                and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
                == "false"
                and statement["Principal"] == {"AWS": "*"}
                and statement["Action"] == "s3:*"
            ):
                protected.add(policy["Bucket"]["Ref"])
    assert protected == set(_buckets(template))


def test_versioning_where_it_protects_data(templates, stage) -> None:
    template = _storage(templates, stage)
    for prefix in ("Landing", "Lake", "Reports", "Artifacts", "AccessLogs"):
        assert _bucket(template, prefix)["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "VersioningConfiguration" not in _bucket(template, "AthenaResults")


def _rules(bucket: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}


def test_lifecycle_rules_follow_the_stage_config(templates, stage) -> None:
    config: StageConfig = CONFIGS[stage]
    template = _storage(templates, stage)
    landing = _rules(_bucket(template, "Landing"))["expire-landed-files"]
    assert landing["ExpirationInDays"] == config.landing_expiration_days
    assert landing["NoncurrentVersionExpiration"]["NoncurrentDays"] == (
        config.noncurrent_version_expiration_days
    )
    results = _rules(_bucket(template, "AthenaResults"))["expire-query-results"]
    assert results["ExpirationInDays"] == config.athena_results_expiration_days
    staging = _rules(_bucket(template, "Lake"))["expire-run-staging"]
    assert staging["Prefix"] == "_staging/"
    assert "ExpirationInDays" not in _rules(_bucket(template, "Lake"))["expire-replaced-versions"]


def test_prod_keeps_its_data_when_a_stack_is_deleted(templates) -> None:
    prod, dev = _storage(templates, "prod"), _storage(templates, "dev")
    for logical_id, resource in resources(prod, "AWS::S3::Bucket").items():
        expected = "Delete" if logical_id.startswith(("AthenaResults", "Artifacts")) else "Retain"
        assert resource["DeletionPolicy"] == expected, logical_id
    assert only(prod, "AWS::DynamoDB::Table")["DeletionProtectionEnabled"] is True
    assert only(dev, "AWS::DynamoDB::Table")["DeletionProtectionEnabled"] is False


def test_the_kms_key_rotates(templates, stage) -> None:
    assert only(_storage(templates, stage), "AWS::KMS::Key")["EnableKeyRotation"] is True


def test_raw_tables_are_the_glue_catalog_definitions(templates, stage) -> None:
    template = _storage(templates, stage)
    tables = {t["TableInput"]["Name"]: t for t in properties(template, "AWS::Glue::Table")}
    assert set(tables) == {definition.name for definition in raw_tables()}
    for definition in raw_tables():
        table = tables[definition.name]["TableInput"]
        columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
        assert columns == list(definition.columns)
        assert [(c["Name"], c["Type"]) for c in table["PartitionKeys"]] == [("dt", "date")]
        parameters = {k: joined(v) for k, v in table["Parameters"].items()}
        expected = definition.properties("s3://<ref>")
        assert {k: parameters[k] for k in expected} == expected  # no projection (decision 0220)
        assert joined(table["StorageDescriptor"]["Location"]) == definition.location("s3://<ref>")
        serde = table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
        assert serde.endswith("ParquetHiveSerDe")


def test_the_transactions_table_has_every_contract_column(templates) -> None:
    template = _storage(templates, "prod")
    (table,) = [
        t["TableInput"]
        for t in properties(template, "AWS::Glue::Table")
        if t["TableInput"]["Name"] == "transactions"
    ]
    names = [c["Name"] for c in table["StorageDescriptor"]["Columns"]] + ["dt"]
    assert names == [name for name, _ in raw_transactions_columns()]


def test_athena_workgroup_enforces_encrypted_results_and_a_scan_cap(templates, stage) -> None:
    workgroup = only(_storage(templates, stage), "AWS::Athena::WorkGroup")
    configuration = workgroup["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["BytesScannedCutoffPerQuery"] == (
        CONFIGS[stage].athena_bytes_scanned_cutoff_per_query
    )
    result = configuration["ResultConfiguration"]
    assert result["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"
    assert joined(result["OutputLocation"]) == "s3://<ref>/results/"
    assert configuration["EngineVersion"]["SelectedEngineVersion"] == "Athena engine version 3"


def test_realtime_table_follows_the_key_contract(templates, stage) -> None:
    table = only(_storage(templates, stage), "AWS::DynamoDB::Table")
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "window_start", "KeyType": "RANGE"},
    ]
    assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == {
        ("pk", "S"),
        ("window_start", "S"),
    }
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["SSESpecification"]["SSEType"] == "KMS"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_topics_are_encrypted_and_tls_only(templates, stage) -> None:
    template = _storage(templates, stage)
    topics = properties(template, "AWS::SNS::Topic")
    assert len(topics) == 2 and all("KmsMasterKeyId" in t for t in topics)
    denies = [
        s
        for p in properties(template, "AWS::SNS::TopicPolicy")
        for s in as_list(p["PolicyDocument"]["Statement"])
        if s["Effect"] == "Deny" and "aws:SecureTransport" in str(s.get("Condition"))
    ]
    assert len(denies) == 2
