"""The batch day end to end (land → transform → sync → reports), and the local demo.

Each stage is a function of the settings; stages run in order and the first failure stops
the run with a message naming the stage. Every stage is re-runnable, so a failed day is
fixed by running ``puntored daily`` again.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter

from sqlalchemy import func, select

from puntored.contract.lake import DT_TIMEZONE, RAW_TRANSACTIONS, partition_day
from puntored.database.engine import make_engine
from puntored.database.migrate import current_revision, upgrade
from puntored.database.models import ProviderDailyMetrics
from puntored.database.pipeline_status import record_stage
from puntored.errors import PuntoredError, describe
from puntored.generator import GenerateOptions, StreamOptions, generate_landing, generate_stream
from puntored.glue.landing.local import run_landing
from puntored.glue.landing.submit import run_glue_landing
from puntored.serving.reconcile import DayReconciliation, run_reconcile
from puntored.serving.reports import run_reports
from puntored.serving.sync import run_sync
from puntored.settings import Settings
from puntored.storage import AwsConfig, Storage
from puntored.streaming.runner import run_stream
from puntored.transform.dbt_runner import run_transform

RECONCILE_LOOKBACK_DAYS = 5  # dbt's late-data lookback: those marts may have just changed
PIPELINE_METRICS_NAMESPACE = "PuntoRed/Pipeline"  # the batch alarms' namespace (infra/)
FRESHNESS_LAG_WITHOUT_DATA = 10_000.0  # hours: no served data at all is as stale as it gets


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[], str]  # returns a one-line summary


@dataclass(frozen=True)
class StageOutcome:
    name: str
    summary: str
    seconds: float


class StageFailed(PuntoredError):
    def __init__(self, stage: str, error: BaseException) -> None:
        super().__init__(f"stage '{stage}' failed: {describe(error)}")
        self.stage = stage


def run_stages(
    stages: list[Stage], on_done: Callable[[StageOutcome], None] | None = None
) -> list[StageOutcome]:
    outcomes = []
    for stage in stages:
        started = perf_counter()
        try:
            summary = stage.run()
        except Exception as error:
            raise StageFailed(stage.name, error) from error
        outcome = StageOutcome(stage.name, summary, perf_counter() - started)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes


def migrate(settings: Settings) -> str:
    upgrade(settings.serving_database_url)
    return f"serving schema at revision {current_revision(settings.serving_database_url)}"


def newest_landed_day(settings: Settings) -> date | None:
    """The newest ``dt=YYYY-MM-DD`` partition of raw.transactions (local folder or S3)."""
    table = RAW_TRANSACTIONS.location(settings.lake_location)
    storage = Storage.from_settings(settings)
    days = (partition_day(entry.relative.split("/", 1)[0]) for entry in storage.list_files(table))
    return max((day for day in days if day is not None), default=None)


def _record(settings: Settings, stage: str, last_dt: date | None, summary: str) -> None:
    """Tell /freshness how current this stage is (pipeline_status in the serving DB)."""
    engine = make_engine(settings.serving_database_url)
    try:
        record_stage(engine, stage, last_dt, {"summary": summary})
    finally:
        engine.dispose()


def land(settings: Settings, first: date | None = None, last: date | None = None) -> str:
    """Local Spark in local mode; in aws mode the Glue job run, waited for."""
    if settings.mode == "aws":
        summary = run_glue_landing(settings, first, last).summary()
    else:
        summary = run_landing(settings, first, last).summary()
    _record(settings, "land", newest_landed_day(settings), summary)
    return summary


def transform(settings: Settings) -> str:
    summary = run_transform(settings).summary()
    _record(settings, "transform", newest_landed_day(settings), summary)
    return summary


def sync(settings: Settings) -> str:
    result = run_sync(settings)
    return (
        f"{result.partitions_written} partitions, {result.rows_written:,} rows written"
        if result.changed
        else "nothing changed"
    )


def reports(settings: Settings, days: list[date]) -> str:
    files = 0
    for day in days:
        files += len(run_reports(settings, day).reports)
    return f"{files} provider reports for {len(days)} day(s)"


@dataclass(frozen=True)
class Freshness:
    """How current the served marts are after the batch day ``day``."""

    day: date
    newest_landed: date | None
    newest_served: date | None  # newest dt of the provider daily mart in the serving database
    lag_hours: float | None  # from the end of the newest served day (Bogota) to now

    @property
    def current(self) -> bool:
        return self.newest_served is not None and self.newest_served >= self.day

    def summary(self) -> str:
        if self.newest_served is None or self.lag_hours is None:
            return f"no served data yet (newest landed day {self.newest_landed or 'none'})"
        return (
            f"newest served day {self.newest_served} ({self.lag_hours:.1f} h behind), "
            f"newest landed day {self.newest_landed or 'none'}"
        )


class MartsNotCurrent(PuntoredError):
    """After the batch day, the served marts do not reach that day."""


def check_freshness(settings: Settings, day: date, now: datetime | None = None) -> Freshness:
    """Measure how current the served marts are; record the lake's newest day for /freshness
    (the Glue job records nothing itself); publish ``FreshnessLagHours`` in aws mode."""
    landed = newest_landed_day(settings)
    engine = make_engine(settings.serving_database_url)
    try:
        with engine.connect() as connection:
            served = connection.scalar(select(func.max(ProviderDailyMetrics.dt)))
        if landed is not None:
            record_stage(engine, "land", landed, {"summary": f"newest landed day {landed}"})
    finally:
        engine.dispose()
    lag = None
    if served is not None:
        end_of_day = datetime.combine(served + timedelta(days=1), time(), DT_TIMEZONE)
        lag = max(0.0, ((now or datetime.now(UTC)) - end_of_day).total_seconds() / 3600)
    freshness = Freshness(day, landed, served, lag)
    if settings.mode == "aws":
        publish_freshness(settings, freshness)
    return freshness


def publish_freshness(settings: Settings, freshness: Freshness) -> None:
    """``PuntoRed/Pipeline FreshnessLagHours``: what the stale-marts alarm watches (infra/)."""
    lag = freshness.lag_hours if freshness.lag_hours is not None else FRESHNESS_LAG_WITHOUT_DATA
    AwsConfig.from_settings(settings).client("cloudwatch").put_metric_data(
        Namespace=PIPELINE_METRICS_NAMESPACE,
        MetricData=[{"MetricName": "FreshnessLagHours", "Value": lag, "Unit": "None"}],
    )


def freshness(settings: Settings, day: date) -> str:
    """The daily run's last stage: fails (naming both days) when the marts miss ``day``."""
    measured = check_freshness(settings, day)
    if not measured.current:
        raise MartsNotCurrent(f"the served marts do not reach {day}: {measured.summary()}")
    return measured.summary()


class UnexplainedDifference(PuntoredError):
    """Realtime and batch differ by more than the known causes account for."""


def check_reconciliation(result: DayReconciliation) -> None:
    bad = result.unexplained_rows
    if bad:
        names = ", ".join(f"{r.provider_id}/{r.product_id}" for r in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise UnexplainedDifference(
            f"{result.day}: unexplained realtime/batch difference for {names}{more}"
        )


def reconcile(settings: Settings, day: date) -> str:
    """Batch vs realtime for ``day`` and the lookback days before it (their marts may have
    changed with late data), stored for the API; fails on an unexplained difference."""
    days = [day - timedelta(days=n) for n in range(RECONCILE_LOOKBACK_DAYS, -1, -1)]
    results = [run_reconcile(settings, each) for each in days]
    for result in results:
        check_reconciliation(result)
    rows = [row for result in results for row in result.rows]
    explained = sum(row.status == "explained" for row in rows)
    return (
        f"{len(days)} days {days[0]}..{day}: {len(rows)} provider/product days, "
        f"{explained} differing (all explained)"
    )


def daily_stages(settings: Settings, day: date) -> list[Stage]:
    """The batch day: land the files that arrived on ``day``, rebuild, sync, report, reconcile
    with realtime (the day the sync just made current), check freshness."""
    return [
        Stage("migrate", lambda: migrate(settings)),
        Stage("land", lambda: land(settings, day, day)),
        Stage("transform", lambda: transform(settings)),
        Stage("sync", lambda: sync(settings)),
        Stage("reports", lambda: reports(settings, [day])),
        Stage("reconcile", lambda: reconcile(settings, day)),
        Stage("freshness", lambda: freshness(settings, day)),
    ]


def generate(settings: Settings, start: date, days: int, seed: int) -> str:
    result = generate_landing(settings, GenerateOptions(start=start, days=days, seed=seed))
    expected = result.manifest["expected"]
    return (
        f"{result.manifest['lines_written']:,} lines: {expected['landed']:,} events, "
        f"{expected['duplicates']:,} duplicates, {expected['quarantined']:,} malformed, "
        f"{expected['unreadable_files']} truncated file(s)"
    )


def realtime_replay(settings: Settings, seconds: float, rate: float) -> str:
    """Replay live events at ``rate``/s while the Flink job and the processor run."""
    replay = threading.Thread(
        target=generate_stream,
        args=(settings, StreamOptions(rate=rate, duration_s=seconds)),
        daemon=True,
    )
    replay.start()
    result = run_stream(settings, duration=seconds + 20)
    replay.join()
    return f"{result.events_fed:,} events fed to Flink; {in_words(result.totals)}"


def in_words(totals: object) -> str:
    """A dataclass's counts as words: ``42 windows, 3 late events, 1 alerts opened`` (fields
    that are not counts, such as the feeder's acknowledged markers, are left out)."""
    assert dataclasses.is_dataclass(totals) and not isinstance(totals, type)
    counts = {f.name: getattr(totals, f.name) for f in dataclasses.fields(totals)}
    return ", ".join(
        f"{value:,} {name.replace('_', ' ')}"
        for name, value in counts.items()
        if isinstance(value, int)
    )


def demo_stages(settings: Settings, start: date, days: int, replay_seconds: float) -> list[Stage]:
    """Every stage on the embedded engines, on a fresh synthetic dataset."""
    generated = [start + timedelta(days=offset) for offset in range(days)]
    stages = [
        Stage("generate", lambda: generate(settings, start, days, seed=7)),
        Stage("migrate", lambda: migrate(settings)),
        Stage("land", lambda: land(settings)),
        Stage("transform", lambda: transform(settings)),
        Stage("sync", lambda: sync(settings)),
        Stage("reports", lambda: reports(settings, generated)),
        Stage("reconcile", lambda: reconcile(settings, generated[-1])),
    ]
    if replay_seconds > 0:
        stages.append(Stage("realtime", lambda: realtime_replay(settings, replay_seconds, 200)))
    return stages
