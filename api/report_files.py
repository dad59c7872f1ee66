"""The providers' reconciliation files, as the API serves them.

``serving.reports`` writes ``<lake>/reports/provider_id=<id>/dt=<day>/transactions.csv.gz`` and
``summary.json`` beside it. Here they are listed, read and streamed through ``pyarrow.fs``, the
same code on a local lake and on ``s3://``; in aws mode a download is a short-lived presigned S3
URL instead of bytes through the API (docs/decisions/0901-report-downloads.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
from pyarrow import fs

from puntored.api.schemas import ReportDay
from puntored.contract.lake import REPORTS_FOLDER, partition_day, partition_name
from puntored.settings import Settings

CSV_NAME = "transactions.csv.gz"
SUMMARY_NAME = "summary.json"
CHUNK_BYTES = 64 * 1024
PROVIDER_FOLDER = "provider_id={}"  # as serving.reports writes it


@dataclass(frozen=True)
class ReportFile:
    provider_id: str
    dt: date
    summary: dict[str, Any]
    size_bytes: int


@dataclass(frozen=True)
class PresignedUrl:
    url: str
    expires_at: datetime


def _reports_location(settings: Settings) -> str:
    return f"{settings.lake_location.rstrip('/')}/{REPORTS_FOLDER}"


def _lake(settings: Settings) -> tuple[fs.FileSystem, str]:
    filesystem, root = fs.FileSystem.from_uri(_reports_location(settings))
    return filesystem, root.rstrip("/")


def _folder(root: str, provider_id: str, dt: date | None = None) -> str:
    folder = f"{root}/{PROVIDER_FOLDER.format(provider_id)}"
    return folder if dt is None else f"{folder}/{partition_name(dt)}"


def report_days(settings: Settings, provider_id: str) -> list[date]:
    """Days with a complete report (CSV and summary) for the provider, newest first."""
    filesystem, root = _lake(settings)
    selector = fs.FileSelector(_folder(root, provider_id), allow_not_found=True, recursive=True)
    names: dict[date, set[str]] = {}
    for info in filesystem.get_file_info(selector):
        parts = info.path.rsplit("/", 2)
        day = partition_day(parts[-2]) if len(parts) == 3 else None
        if day is not None and info.type == fs.FileType.File:
            names.setdefault(day, set()).add(parts[-1])
    complete = [day for day, files in names.items() if {CSV_NAME, SUMMARY_NAME} <= files]
    return sorted(complete, reverse=True)


def find_report(settings: Settings, provider_id: str, dt: date) -> ReportFile | None:
    """The day's report of the provider, or None when it was not written."""
    filesystem, root = _lake(settings)
    folder = _folder(root, provider_id, dt)
    csv_info, summary_info = filesystem.get_file_info(
        [f"{folder}/{CSV_NAME}", f"{folder}/{SUMMARY_NAME}"]
    )
    if csv_info.type != fs.FileType.File or summary_info.type != fs.FileType.File:
        return None
    with filesystem.open_input_stream(summary_info.path) as stream:
        summary = json.loads(stream.read())
    return ReportFile(provider_id, dt, summary, csv_info.size or 0)


def read_chunks(settings: Settings, report: ReportFile) -> Iterator[bytes]:
    """The gzipped CSV's bytes, in chunks (never the whole file in memory)."""
    filesystem, root = _lake(settings)
    location = f"{_folder(root, report.provider_id, report.dt)}/{CSV_NAME}"
    # compression=None: the gzip bytes as stored (pyarrow would decompress ".gz" by default).
    with filesystem.open_input_stream(location, compression=None) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk


def download_name(report: ReportFile) -> str:
    return f"{report.provider_id}-{report.dt.isoformat()}-transactions.csv.gz"


def presigned_url(settings: Settings, report: ReportFile) -> PresignedUrl:
    """A GET URL for the report's object on S3, valid ``report_url_ttl_seconds``."""
    bucket, _, root = _reports_location(settings).removeprefix("s3://").partition("/")
    key = f"{_folder(root, report.provider_id, report.dt)}/{CSV_NAME}".lstrip("/")
    client = boto3.client(
        "s3", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    ttl = settings.report_url_ttl_seconds
    url = client.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{download_name(report)}"',
        },
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
