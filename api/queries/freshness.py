"""How current a provider's numbers are: pipeline stages, sync state, latest windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.queries.realtime import latest_window_start
from serving.models import PipelineStatus, ProviderDailyMetrics, SyncState


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


__all__ = [
    "StageRun",
    "last_landed_day",
    "last_sync",
    "latest_daily_dt",
    "latest_window_start",
    "stage_runs",
]
