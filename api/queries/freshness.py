"""How current a provider's numbers are: pipeline stages, sync state, latest windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from puntored.api.queries.realtime import latest_window_start
from puntored.api.schemas import Freshness, as_utc
from puntored.database.models import PipelineStatus, ProviderDailyMetrics, SyncState


@dataclass(frozen=True)
class StageRun:
    last_dt: date | None
    last_run_at: datetime | None


def stage_runs(session: Session) -> dict[str, StageRun]:
    rows = session.execute(
        select(PipelineStatus.stage, PipelineStatus.last_dt, PipelineStatus.last_run_at)
    )
    return {row.stage: StageRun(row.last_dt, row.last_run_at) for row in rows}


def last_sync(session: Session) -> StageRun:
    row = session.execute(select(func.max(SyncState.dt), func.max(SyncState.synced_at))).one()
    return StageRun(row[0], row[1])


def last_landed_day(session: Session) -> date | None:
    """The newest day the landing job processed; before any landing, the newest synced day."""
    landed = session.scalar(select(PipelineStatus.last_dt).where(PipelineStatus.stage == "land"))
    return landed or session.scalar(select(func.max(SyncState.dt)))


def latest_daily_dt(session: Session, provider_id: str) -> date | None:
    return session.scalar(
        select(func.max(ProviderDailyMetrics.dt)).where(
            ProviderDailyMetrics.provider_id == provider_id
        )
    )


def provider_freshness(session: Session, provider_id: str, now: datetime) -> Freshness:
    """Every stage's last day and run, and the realtime lag behind ``now`` (what /freshness
    answers and the portal shows on every page)."""
    stages = stage_runs(session)
    synced = last_sync(session)
    window_start = latest_window_start(session, provider_id)
    sync_stage = stages.get("sync")
    lag = None
    if window_start is not None:
        window_end = as_utc(window_start) + timedelta(minutes=1)
        lag = max(0.0, (now - window_end).total_seconds())
    land, transform = stages.get("land"), stages.get("transform")
    return Freshness(
        provider_id=provider_id,
        last_landed_dt=land.last_dt if land else None,
        last_landed_at=land.last_run_at if land else None,
        last_transformed_dt=transform.last_dt if transform else None,
        last_synced_dt=synced.last_dt or (sync_stage.last_dt if sync_stage else None),
        last_synced_at=synced.last_run_at or (sync_stage.last_run_at if sync_stage else None),
        latest_daily_dt=latest_daily_dt(session, provider_id),
        latest_realtime_window_start=window_start,
        realtime_lag_seconds=lag,
        checked_at=now,
    )


__all__ = [
    "StageRun",
    "last_landed_day",
    "last_sync",
    "latest_daily_dt",
    "latest_window_start",
    "provider_freshness",
    "stage_runs",
]
