"""Render the job's SQL from the templates in ``sql/`` and one connector profile.

The statements are identical for every profile; only the ``WITH (...)`` options of the source
and the sink differ (local: filesystem folders; prod: Kinesis Data Streams).
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from puntored.contract.flink import flink_column_ddl
from puntored.contract.transaction import required_field_names
from puntored.streaming.flink_job.config import FEED_MARKER_EVENT_TYPE, JobConfig

SQL_DIR = Path(__file__).resolve().parent / "sql"

# Upper bounds (ms) of the cumulative latency buckets; the last bucket (+Inf) is every sale.
LATENCY_BOUNDS_MS: tuple[int, ...] = (
    25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 800, 1000, 1250, 1500, 2000,
    2500, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 30000, 60000,
)  # fmt: skip

_JSON_OPTIONS = {
    "format": "json",
    "json.timestamp-format.standard": "ISO-8601",
}


def source_options(config: JobConfig) -> dict[str, str]:
    if config.profile == "local":
        interval = config.source.get("monitor.interval.seconds", "1")
        # 0 = bounded: read the files present at start, flush every window, finish (benchmark)
        monitor = {"source.monitor-interval": f"{interval}s"} if interval != "0" else {}
        return {
            "connector": "filesystem",
            "path": config.source["path"],
            **monitor,
            **_JSON_OPTIONS,
            # A line that is not JSON at all cannot become a row; rows missing required
            # fields become invalid_event records instead of failing the job.
            "json.ignore-parse-errors": "true",
            # e.g. json.decode.json-parser.enabled (the benchmark compares JSON decoders)
            **{k: v for k, v in config.source.items() if k.startswith("json.")},
        }
    return {
        "connector": "kinesis",
        "stream.arn": config.source["stream.arn"],
        "aws.region": config.source["aws.region"],
        "source.init.position": config.source.get("source.init.position", "LATEST"),
        **_JSON_OPTIONS,
        "json.ignore-parse-errors": "true",
    }


def sink_options(config: JobConfig) -> dict[str, str]:
    json_out = {**_JSON_OPTIONS, "json.encode.decimal-as-plain-number": "true"}
    if config.profile == "local":
        # Row formats roll by time, not on checkpoints: roll at least once per checkpoint
        # interval so every checkpoint commits the windows that closed before it.
        interval = f"{config.checkpoint_interval_seconds}s"
        return {
            "connector": "filesystem",
            "path": config.sink["path"],
            **json_out,
            "sink.rolling-policy.rollover-interval": interval,
            "sink.rolling-policy.inactivity-interval": interval,
            "sink.rolling-policy.check-interval": "1s",
        }
    return {
        "connector": "kinesis",
        "stream.arn": config.sink["stream.arn"],
        "aws.region": config.sink["aws.region"],
        **json_out,
    }


def _with_options(options: dict[str, str]) -> str:
    def quote(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    return ",\n".join(f"  {quote(k)} = {quote(v)}" for k, v in options.items())


def _template(name: str) -> Template:
    return Template((SQL_DIR / name).read_text())


def _required_not_null() -> str:
    return " and ".join(f"`{name}` is not null" for name in required_field_names())


def _latency_columns() -> list[str]:
    return [f"latency_le_{bound}" for bound in LATENCY_BOUNDS_MS] + ["latency_le_inf"]


def _product_windows() -> str:
    def approved(event_type: str) -> str:
        return f"`event_type` = '{event_type}' and `status` = 'approved'"

    def total(column: str, condition: str) -> str:
        return f"coalesce(sum(case when {condition} then `{column}` end), 0)"

    conditions = [f"`latency_ms` <= {bound}" for bound in LATENCY_BOUNDS_MS] + [""]
    le_counts = [
        f"count(*) filter (where `event_type` = 'sale'{' and ' + condition if condition else ''})"
        f" as {column}"
        for condition, column in zip(conditions, _latency_columns(), strict=True)
    ]
    return _template("product_windows.sql").substitute(
        gross_amount=total("amount", approved("sale")),
        reversed_amount=total("amount", approved("reversal")),
        commission=(
            f"{total('commission', approved('sale'))} - {total('commission', approved('reversal'))}"
        ),
        latency_le_counts=",\n  ".join(le_counts),
    )


_MEASURES = ("transactions", "approved", "rejected", "failed", "reversed")
_AMOUNTS = ("gross_amount", "reversed_amount", "commission")


def _window_results(per_product: bool) -> str:
    """Output rows of one level: product rows as they are, provider rows summed over products.

    A provider's window is the sum of its products' windows (every measure is a count or a
    sum), computed by a second, cheap window aggregation over the product rows.
    """
    columns = [*_MEASURES, *_AMOUNTS, *_latency_columns()]
    if per_product:
        value = {column: f"`{column}`" for column in columns}
        source = "product_windows"
    else:
        value = {column: f"sum(`{column}`)" for column in columns}
        # window_start/window_end come from the product windows: Flink plans this as a
        # (cascading) window aggregation that fires with them, append-only.
        source = "product_windows\ngroup by `provider_id`, window_start, window_end"
    return (
        _template("window_results.sql")
        .substitute(
            record_type="provider_product_minute" if per_product else "provider_minute",
            product_column="`product_id`" if per_product else "cast(null as string) as product_id",
            **{column: value[column] for column in (*_MEASURES, *_AMOUNTS)},
            latency_le_counts=", ".join(value[c] for c in _latency_columns()),
            source=source,
        )
        .strip()
    )


def render_statements(config: JobConfig) -> list[str]:
    """The job's SQL in execution order: DDL and views, then the one INSERT."""
    required = _required_not_null()
    return [
        _template("source.sql").substitute(
            columns=flink_column_ddl(),
            watermark_delay_seconds=config.watermark_delay_seconds,
            options=_with_options(source_options(config)),
        ),
        _template("sink.sql").substitute(options=_with_options(sink_options(config))),
        _template("unique_events.sql").substitute(required_not_null=required),
        _template("classified_events.sql").substitute(),
        _template("on_time_events.sql").substitute(),
        _product_windows(),
        _template("insert_window_results.sql").substitute(
            provider_minute=_window_results(per_product=False),
            provider_product_minute=_window_results(per_product=True),
            required_not_null=required,
            feed_marker=FEED_MARKER_EVENT_TYPE,
        ),
    ]


def flink_configuration(config: JobConfig, recovery_path: str | None = None) -> dict[str, str]:
    """Flink configuration the job sets on its TableEnvironment.

    In production Managed Flink owns checkpointing and parallelism (application configuration),
    so only the local profile sets them here.
    """
    settings = {
        "table.local-time-zone": "UTC",
        "table.exec.state.ttl": f"{config.dedup_ttl_minutes} min",
        "pipeline.name": "puntored-realtime-windows",
        "pipeline.object-reuse": "true",
        # No mini-batch: with it the planner turns the proctime first-row deduplication into
        # an updating Rank, which the append-only window aggregation and sink cannot consume.
        "table.exec.mini-batch.enabled": "false",
        # A source subtask (or Kinesis shard) without data is marked idle after this long, so
        # it does not hold the watermark back; the ordered feed keeps new data newer.
        "table.exec.source.idle-timeout": f"{config.idle_timeout_seconds} s",
    }
    if config.profile == "local":
        settings |= {
            "parallelism.default": str(config.parallelism),
            "execution.checkpointing.interval": f"{config.checkpoint_interval_seconds} s",
            "execution.checkpointing.mode": "EXACTLY_ONCE",
            "execution.checkpointing.externalized-checkpoint-retention": ("RETAIN_ON_CANCELLATION"),
            "execution.checkpointing.num-retained": "2",
        }
        if config.checkpoint_dir:
            settings["execution.checkpointing.dir"] = config.checkpoint_dir
        if recovery_path:
            settings["execution.state-recovery.path"] = recovery_path
    settings |= {key.removeprefix("flink."): value for key, value in config.extra.items()}
    return settings
