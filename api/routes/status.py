"""Alerts and freshness of one provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from puntored.api.caching import LIVE_CACHE_CONTROL, conditional_response
from puntored.api.dependencies import ProviderDep, SessionDep, reading, reject_unknown_query_params
from puntored.api.formats import render_json
from puntored.api.queries.alerts import provider_alerts
from puntored.api.queries.freshness import (
    last_sync,
    latest_daily_dt,
    latest_window_start,
    stage_runs,
)
from puntored.api.routes.openapi import AUTHENTICATED_PROBLEMS, CONDITIONAL
from puntored.api.schemas import AlertOut, Alerts, Freshness, as_utc

router = APIRouter(
    prefix="/v1/providers/{provider_id}",
    dependencies=[Depends(reject_unknown_query_params)],
    responses={**AUTHENTICATED_PROBLEMS, **CONDITIONAL},
)


@router.get("/alerts", response_model=Alerts, tags=["alerts"], summary="Alerts, newest first")
def alerts(
    request: Request,
    provider_id: ProviderDep,
    session: SessionDep,
    status: Annotated[
        Literal["open", "resolved"] | None,
        Query(description="Only open or only resolved alerts; default both."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 100,
) -> Response:
    """Alerts the realtime processor opened for this provider: approval-rate drops, volume far
    below the usual level for the minute of the week, failure spikes."""
    with reading(session):
        rows = provider_alerts(session, provider_id, status, limit)
        items = [AlertOut.model_validate(row) for row in rows]
    body = render_json(Alerts(provider_id=provider_id, status=status, items=items))
    return conditional_response(request, body, LIVE_CACHE_CONTROL)


@router.get(
    "/freshness",
    response_model=Freshness,
    tags=["freshness"],
    summary="How current the numbers are",
)
def freshness(request: Request, provider_id: ProviderDep, session: SessionDep) -> Response:
    """Last day landed and transformed by the batch pipeline, last day synced into the serving
    database, latest day with daily metrics for this provider, and the latest realtime window
    with its lag behind now."""
    now = datetime.now(UTC)
    with reading(session):
        stages = stage_runs(session)
        synced = last_sync(session)
        window_start = latest_window_start(session, provider_id)
        latest_daily = latest_daily_dt(session, provider_id)
    sync_stage = stages.get("sync")
    lag = None
    if window_start is not None:
        window_end = as_utc(window_start) + timedelta(minutes=1)
        lag = max(0.0, (now - window_end).total_seconds())
    land, transform = stages.get("land"), stages.get("transform")
    body = render_json(
        Freshness(
            provider_id=provider_id,
            last_landed_dt=land.last_dt if land else None,
            last_landed_at=land.last_run_at if land else None,
            last_transformed_dt=transform.last_dt if transform else None,
            last_synced_dt=synced.last_dt or (sync_stage.last_dt if sync_stage else None),
            last_synced_at=synced.last_run_at or (sync_stage.last_run_at if sync_stage else None),
            latest_daily_dt=latest_daily,
            latest_realtime_window_start=window_start,
            realtime_lag_seconds=lag,
            checked_at=now,
        )
    )
    return conditional_response(request, body, LIVE_CACHE_CONTROL)
