"""The job's configuration: Managed Flink's application_properties.json, validated at start.

In production Managed Service for Apache Flink puts the properties at
``/etc/flink/application_properties.json``; locally the runner writes the same layout to a file
and passes ``--properties PATH``. Property groups:

- ``JobConfig``: ``profile`` (local | prod), ``watermark.delay.seconds``, ``dedup.ttl.minutes``,
  ``idle.timeout.seconds``, ``parallelism``, ``checkpoint.interval.seconds``, local
  ``checkpoint.dir``; any ``flink.*`` key is passed to Flink's configuration without the
  prefix.
- ``SourceConfig``: local ``path``, ``monitor.interval.seconds``; prod ``stream.arn``,
  ``aws.region``, ``source.init.position``.
- ``SinkConfig``: local ``path``; prod ``stream.arn``, ``aws.region``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANAGED_FLINK_PROPERTIES = Path("/etc/flink/application_properties.json")
PROFILES = ("local", "prod")
INIT_POSITIONS = ("LATEST", "TRIM_HORIZON", "AT_TIMESTAMP")
# The local feeder ends every chunk with a line of this event_type (decision 0601): the job
# passes it straight to the sink as a ``feed_marker`` record, never into a window.
FEED_MARKER_EVENT_TYPE = "feed_marker"


class ConfigError(ValueError):
    """The job's properties are missing or invalid; the message says which."""


@dataclass(frozen=True)
class JobConfig:
    profile: str
    source: dict[str, str]
    sink: dict[str, str]
    watermark_delay_seconds: int = 5
    dedup_ttl_minutes: int = 60
    idle_timeout_seconds: int = 10
    parallelism: int = 1
    checkpoint_interval_seconds: int = 2
    checkpoint_dir: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def load_property_groups(path: Path) -> dict[str, dict[str, str]]:
    """Read Managed Flink's list of {PropertyGroupId, PropertyMap} into a dict of groups."""
    try:
        raw: Any = json.loads(path.read_text())
    except FileNotFoundError as error:
        raise ConfigError(f"application properties not found: {path}") from error
    except json.JSONDecodeError as error:
        raise ConfigError(f"application properties {path} are not valid JSON: {error}") from error
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: expected a list of property groups")
    groups: dict[str, dict[str, str]] = {}
    for group in raw:
        if not isinstance(group, dict) or "PropertyGroupId" not in group:
            raise ConfigError(f"{path}: every entry needs PropertyGroupId and PropertyMap")
        groups[str(group["PropertyGroupId"])] = {
            str(k): str(v) for k, v in dict(group.get("PropertyMap", {})).items()
        }
    return groups


def _positive_int(job: dict[str, str], key: str, default: int) -> int:
    value = job.get(key, str(default))
    try:
        number = int(value)
    except ValueError as error:
        raise ConfigError(f"JobConfig.{key} must be an integer, got {value!r}") from error
    if number < 0 or (number == 0 and key != "watermark.delay.seconds"):
        raise ConfigError(f"JobConfig.{key} must be positive, got {number}")
    return number


def _require(group: dict[str, str], name: str, keys: tuple[str, ...]) -> None:
    missing = [key for key in keys if not group.get(key)]
    if missing:
        raise ConfigError(f"{name} is missing {', '.join(missing)}")


def parse_config(groups: dict[str, dict[str, str]]) -> JobConfig:
    """Validate the property groups; fail fast with a message naming what is wrong."""
    job = groups.get("JobConfig", {})
    profile = job.get("profile", "")
    if profile not in PROFILES:
        raise ConfigError(f"JobConfig.profile must be one of {PROFILES}, got {profile!r}")
    source = groups.get("SourceConfig", {})
    sink = groups.get("SinkConfig", {})
    if profile == "local":
        _require(source, "SourceConfig", ("path",))
        _require(sink, "SinkConfig", ("path",))
    else:
        _require(source, "SourceConfig", ("stream.arn", "aws.region"))
        _require(sink, "SinkConfig", ("stream.arn", "aws.region"))
        position = source.get("source.init.position", "LATEST")
        if position not in INIT_POSITIONS:
            raise ConfigError(f"SourceConfig.source.init.position must be one of {INIT_POSITIONS}")
    return JobConfig(
        profile=profile,
        source=source,
        sink=sink,
        watermark_delay_seconds=_positive_int(job, "watermark.delay.seconds", 5),
        dedup_ttl_minutes=_positive_int(job, "dedup.ttl.minutes", 60),
        idle_timeout_seconds=_positive_int(job, "idle.timeout.seconds", 10),
        parallelism=_positive_int(job, "parallelism", 1),
        checkpoint_interval_seconds=_positive_int(job, "checkpoint.interval.seconds", 2),
        checkpoint_dir=job.get("checkpoint.dir") or None,
        extra={k: v for k, v in job.items() if k.startswith("flink.")},
    )


def local_property_groups(
    source_path: Path,
    sink_path: Path,
    checkpoint_dir: Path,
    *,
    watermark_delay_seconds: int = 5,
    monitor_interval_seconds: int = 1,
    checkpoint_interval_seconds: int = 2,
    parallelism: int = 1,
) -> list[dict[str, Any]]:
    """The local profile in Managed Flink's layout (what the runner writes to a file)."""
    return [
        {
            "PropertyGroupId": "JobConfig",
            "PropertyMap": {
                "profile": "local",
                "watermark.delay.seconds": str(watermark_delay_seconds),
                "checkpoint.interval.seconds": str(checkpoint_interval_seconds),
                "parallelism": str(parallelism),
                "checkpoint.dir": checkpoint_dir.resolve().as_uri(),
            },
        },
        {
            "PropertyGroupId": "SourceConfig",
            "PropertyMap": {
                "path": str(source_path),
                "monitor.interval.seconds": str(monitor_interval_seconds),
            },
        },
        {"PropertyGroupId": "SinkConfig", "PropertyMap": {"path": str(sink_path)}},
    ]


def prod_property_groups(
    source_stream_arn: str,
    sink_stream_arn: str,
    region: str,
    *,
    python_main: str = "streaming/flink_job/main.py",
    jarfile: str = "lib/puntored-flink-connectors.jar",
    py_files: str | None = None,
    watermark_delay_seconds: int = 5,
    dedup_ttl_minutes: int = 60,
    init_position: str = "LATEST",
) -> list[dict[str, Any]]:
    """The prod profile in Managed Flink's layout: Kinesis in, Kinesis out.

    ``application_properties.json`` is this rendered with sample ARNs; the CDK app (``infra/``)
    renders it with the deployed streams' ARNs into the application's runtime properties.
    """
    run_options = {"python": python_main, "jarfile": jarfile}
    if py_files:  # added to PYTHONPATH by Flink: how the job imports its package
        run_options["pyFiles"] = py_files
    return [
        {"PropertyGroupId": "kinesis.analytics.flink.run.options", "PropertyMap": run_options},
        {
            "PropertyGroupId": "JobConfig",
            "PropertyMap": {
                "profile": "prod",
                "watermark.delay.seconds": str(watermark_delay_seconds),
                "dedup.ttl.minutes": str(dedup_ttl_minutes),
            },
        },
        {
            "PropertyGroupId": "SourceConfig",
            "PropertyMap": {
                "stream.arn": source_stream_arn,
                "aws.region": region,
                "source.init.position": init_position,
            },
        },
        {
            "PropertyGroupId": "SinkConfig",
            "PropertyMap": {"stream.arn": sink_stream_arn, "aws.region": region},
        },
    ]
