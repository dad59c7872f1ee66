"""The providers' reconciliation files, as the API serves them.

``serving.reports`` writes ``<reports>/provider_id=<id>/dt=<day>/transactions.csv.gz`` and
``summary.json`` beside it (``Settings.reports_location``: ``<lake>/reports`` by default). Here
they are listed, read and streamed through the storage layer, the same code on a local folder
and on ``s3://``; in aws mode a download is a short-lived presigned S3 URL instead of bytes
through the API (docs/decisions/0901-report-downloads.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config

from puntored.api.schemas import ReportDay
from puntored.contract.lake import partition_day, partition_name
from puntored.settings import Settings
from puntored.storage import AwsConfig, Storage, join, split_s3

CSV_NAME = "transactions.csv.gz"
SUMMARY_NAME = "summary.json"
CHUNK_BYTES = 64 * 1024
PROVIDER_FOLDER = "provider_id={}"  # as serving.reports writes it
SIGV4 = Config(signature_version="s3v4")


@dataclass(frozen=True)
class ReportFile:
    provider_id: str
    dt: date
    summary: dict[str, Any]
    size_bytes: int
    location: str  # of the gzipped CSV


@dataclass(frozen=True)
class PresignedUrl:
    url: str
    expires_at: datetime


def _provider_folder(settings: Settings, provider_id: str) -> str:
    return join(settings.reports_location, PROVIDER_FOLDER.format(provider_id))


def report_days(settings: Settings, provider_id: str) -> list[date]:
    """Days with a complete report (CSV and summary) for the provider, newest first."""
    names: dict[date, set[str]] = {}
    for entry in Storage.from_settings(settings).list_files(
        _provider_folder(settings, provider_id)
    ):
        folder, _, name = entry.relative.rpartition("/")
        day = partition_day(folder)
        if day is not None:
            names.setdefault(day, set()).add(name)
    complete = [day for day, files in names.items() if {CSV_NAME, SUMMARY_NAME} <= files]
    return sorted(complete, reverse=True)


def find_report(settings: Settings, provider_id: str, dt: date) -> ReportFile | None:
    """The day's report of the provider, or None when it was not written."""
    storage = Storage.from_settings(settings)
    folder = join(_provider_folder(settings, provider_id), partition_name(dt))
    csv = storage.info(join(folder, CSV_NAME))
    summary_location = join(folder, SUMMARY_NAME)
    if csv is None or storage.info(summary_location) is None:
        return None
    summary = storage.read_json(summary_location)
    return ReportFile(provider_id, dt, summary, csv.size, csv.location)


def read_chunks(settings: Settings, report: ReportFile) -> Iterator[bytes]:
    """The gzipped CSV's bytes as stored, in chunks (never the whole file in memory)."""
    with Storage.from_settings(settings).open_read(report.location) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk


def download_name(report: ReportFile) -> str:
    return f"{report.provider_id}-{report.dt.isoformat()}-transactions.csv.gz"


def presigned_url(settings: Settings, report: ReportFile) -> PresignedUrl:
    """A GET URL of the report's S3 object, valid ``report_url_ttl_seconds``, answered as an
    attachment."""
    bucket, key = split_s3(report.location)
    ttl = settings.report_url_ttl_seconds
    aws = AwsConfig.from_settings(settings)
    # Signature V4 explicitly: boto3 still presigns S3 URLs with V2 unless told otherwise.
    s3 = boto3.client("s3", region_name=aws.region, endpoint_url=aws.endpoint_url, config=SIGV4)
    disposition = f'attachment; filename="{download_name(report)}"'
    url = s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": key, "ResponseContentDisposition": disposition},
        ExpiresIn=ttl,
    )
    return PresignedUrl(url, datetime.now(UTC) + timedelta(seconds=ttl))


def report_day(report: ReportFile) -> ReportDay:
    """A report as the API describes it: its totals, size and download path."""
    path = f"/v1/providers/{report.provider_id}/reports/{report.dt.isoformat()}"
    fields = {**report.summary, "dt": report.dt, "size_bytes": report.size_bytes}
    return ReportDay.model_validate({**fields, "download": path})


def report_listing(settings: Settings, provider_id: str) -> list[ReportDay]:
    """Every day with a complete report of the provider, newest first."""
    found = (find_report(settings, provider_id, dt) for dt in report_days(settings, provider_id))
    return [report_day(report) for report in found if report is not None]
