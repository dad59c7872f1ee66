"""Alerts and freshness of one provider."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from puntored.api.caching import LIVE_CACHE_CONTROL, RenderedBody, respond
from puntored.api.dependencies import ProviderDep, SessionDep, reading, reject_unknown_query_params
from puntored.api.formats import render_json
from puntored.api.queries.alerts import provider_alerts
from puntored.api.queries.freshness import (
    provider_freshness,
)
from puntored.api.routes.openapi import AUTHENTICATED_PROBLEMS, CONDITIONAL
from puntored.api.schemas import AlertOut, Alerts, Freshness

router = APIRouter(
    prefix="/v1/providers/{provider_id}",
    dependencies=[Depends(reject_unknown_query_params)],
    responses={**AUTHENTICATED_PROBLEMS, **CONDITIONAL},
)


@router.get("/alerts", response_model=Alerts, tags=["alerts"], summary="Alerts, newest first")
async def alerts(
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

    def build() -> RenderedBody:
        with reading(session):
            rows = provider_alerts(session, provider_id, status, limit)
            items = [AlertOut.model_validate(row) for row in rows]
        return render_json(Alerts(provider_id=provider_id, status=status, items=items))

    return await respond(request, build, LIVE_CACHE_CONTROL)


@router.get(
    "/freshness",
    response_model=Freshness,
    tags=["freshness"],
    summary="How current the numbers are",
)
async def freshness(request: Request, provider_id: ProviderDep, session: SessionDep) -> Response:
    """Last day landed and transformed by the batch pipeline, last day synced into the serving
    database, latest day with daily metrics for this provider, and the latest realtime window
    with its lag behind now."""

    def build() -> RenderedBody:
        with reading(session):
            return render_json(provider_freshness(session, provider_id, datetime.now(UTC)))

    return await respond(request, build, LIVE_CACHE_CONTROL)
