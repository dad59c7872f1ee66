"""A real Kinesis stream on moto, and Lambda events built exactly as the Kinesis event source
mapping delivers them (base64 data, sequence numbers, eventID, eventSourceARN)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

from puntored.aws import AwsConfig
from puntored.settings import Settings


@dataclass
class Stream:
    """One shard of a fresh stream: records in, GetRecords out as Lambda events."""

    settings: Settings
    name: str
    arn: str
    shard_id: str

    @classmethod
    def create(cls, settings: Settings) -> Stream:
        kinesis = AwsConfig.from_settings(settings).client("kinesis")
        name = f"window-results-{uuid.uuid4().hex[:8]}"
        kinesis.create_stream(StreamName=name, ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(
            StreamName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50}
        )
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        (shard,) = kinesis.list_shards(StreamName=name)["Shards"]
        return cls(settings, name, summary["StreamARN"], shard["ShardId"])

    @property
    def _client(self) -> Any:
        return AwsConfig.from_settings(self.settings).client("kinesis")

    def put(self, payloads: list[bytes | dict[str, Any]]) -> list[str]:
        """PutRecords (what the Flink sink does); returns the sequence numbers, in order."""
        entries = [
            {
                "Data": p if isinstance(p, bytes) else json.dumps(p).encode(),
                "PartitionKey": (p.get("provider_id") if isinstance(p, dict) else None) or "none",
            }
            for p in payloads
        ]
        answer = self._client.put_records(StreamName=self.name, Records=entries)
        assert answer["FailedRecordCount"] == 0, answer
        return [record["SequenceNumber"] for record in answer["Records"]]

    def batch(self, *, at: str | None = None, after: str | None = None) -> dict[str, Any]:
        """GetShardIterator + GetRecords from the horizon (or at/after a sequence number), as
        the Lambda event the event source mapping would invoke the function with."""
        if at is not None:
            position = {"ShardIteratorType": "AT_SEQUENCE_NUMBER", "StartingSequenceNumber": at}
        elif after is not None:
            position = {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "StartingSequenceNumber": after,
            }
        else:
            position = {"ShardIteratorType": "TRIM_HORIZON"}
        iterator = self._client.get_shard_iterator(
            StreamName=self.name, ShardId=self.shard_id, **position
        )["ShardIterator"]
        records = self._client.get_records(ShardIterator=iterator, Limit=100)["Records"]
        return {"Records": [self._lambda_record(r) for r in records]}

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": record["SequenceNumber"],
                "data": base64.b64encode(record["Data"]).decode(),
                "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{self.shard_id}:{record['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/stream-processor",
            "awsRegion": self.settings.aws_region,
            "eventSourceARN": self.arn,
        }
