"""``puntored generate`` in aws mode writes the landing zone to the S3 landing URI (moto)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3

from puntored.generator import GenerateOptions, generate_landing
from puntored.generator.options import parse_day
from puntored.settings import Settings
from puntored.storage import split_s3

ARGS = ["--days", "1", "--start", "2026-01-05", "--events-per-day", "400", "--seed", "11"]


def _bucket_objects(settings: Settings) -> dict[str, bytes]:
    bucket, prefix = split_s3(settings.landing_location)
    s3 = boto3.client("s3", endpoint_url=settings.aws_endpoint_url, region_name="us-east-1")
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            objects[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return objects


def test_generate_cli_in_aws_mode_writes_the_same_files_to_the_landing_bucket(
    aws_settings: Settings, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "puntored", "generate", *ARGS],
        env=os.environ.copy(), cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"landing: {aws_settings.landing_location}" in done.stdout

    local_root = tmp_path / "local"
    options = GenerateOptions(parse_day("2026-01-05"), 1, 400, 11)
    local = Settings(data_dir=local_root, mode="local", landing_uri=None)  # init beats env
    expected = generate_landing(local, options)
    local_files = {
        path.relative_to(local_root / "landing").as_posix(): path.read_bytes()
        for path in (local_root / "landing").rglob("*")
        if path.is_file()
    }
    in_bucket = _bucket_objects(aws_settings)
    assert in_bucket == local_files  # same keys, byte for byte: files and the manifest
    assert sum(key.startswith("transactions/arrival_date=") for key in in_bucket) > 20
    manifest_key = f"_manifests/generate-{expected.run_id}.json"
    assert json.loads(in_bucket[manifest_key])["expected"] == expected.manifest["expected"]
    assert not any((tmp_path / "data").iterdir())  # nothing in the (local) data root
