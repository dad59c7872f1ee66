"""Realtime 1-minute windows per provider and per product (not cached: they change by the
minute; ETags still let a poller skip unchanged bodies)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from puntored.api.caching import LIVE_CACHE_CONTROL, RenderedBody, respond
from puntored.api.dependencies import (
    ProviderDep,
    SessionDep,
    StateDep,
    reading,
    reject_unknown_query_params,
)
from puntored.api.formats import FormatDep, item_columns, render_csv, render_json
from puntored.api.queries.realtime import with_rates
from puntored.api.routes.openapi import AUTHENTICATED_PROBLEMS, CSV_ALTERNATIVE
from puntored.api.schemas import (
    RealtimeMeasures,
    RealtimeProductWindow,
    RealtimeProductWindows,
    RealtimeWindows,
)
from puntored.database.store_selection import open_realtime_store

router = APIRouter(
    prefix="/v1/providers/{provider_id}/realtime",
    tags=["realtime"],
    dependencies=[Depends(reject_unknown_query_params)],
    responses={**AUTHENTICATED_PROBLEMS, **CSV_ALTERNATIVE},
)

MinutesQuery = Annotated[
    int,
    Query(ge=1, le=1440, description="How far back to look, in minutes (1..1440)."),
]


def _period(minutes: int) -> tuple[datetime, datetime]:
    until = datetime.now(UTC)
    since = until.replace(second=0, microsecond=0) - timedelta(minutes=minutes)
    return since, until


@router.get("", response_model=RealtimeWindows, summary="Per-minute windows of the provider")
async def realtime(
    request: Request,
    provider_id: ProviderDep,
    fmt: FormatDep,
    session: SessionDep,
    state: StateDep,
    minutes: MinutesQuery = 60,
) -> Response:
    """Event-time 1-minute windows that started in the last `minutes`, oldest first, plus the
    count of late events (arrived after their window closed) in the same period."""

    def build() -> RenderedBody:
        since, until = _period(minutes)
        with reading(session):
            store = open_realtime_store(state.settings, session)
            rows = with_rates(store.provider_windows(provider_id, since))
            late_events, late_amount = store.late_totals(provider_id, since)
        items = [RealtimeMeasures.model_validate(row) for row in rows]
        if fmt == "csv":
            columns = item_columns(RealtimeMeasures, ["window_start", "window_end"])
            return render_csv(items, columns, f"{provider_id}-realtime.csv", {})
        return render_json(
            RealtimeWindows(
                provider_id=provider_id,
                minutes=minutes,
                since=since,
                until=until,
                late_events=late_events,
                late_amount=late_amount,
                items=items,
            )
        )

    return await respond(request, build, LIVE_CACHE_CONTROL)


@router.get(
    "/products",
    response_model=RealtimeProductWindows,
    summary="Per-minute windows per product",
)
async def realtime_products(
    request: Request,
    provider_id: ProviderDep,
    fmt: FormatDep,
    session: SessionDep,
    state: StateDep,
    minutes: MinutesQuery = 60,
    product_id: Annotated[
        str | None,
        Query(
            description="Only this product.",
            pattern=r"^[A-Za-z0-9_\-]{1,64}$",
            examples=["claro_topup"],
        ),
    ] = None,
) -> Response:
    """Event-time 1-minute windows per product, oldest first."""

    def build() -> RenderedBody:
        since, until = _period(minutes)
        with reading(session):
            store = open_realtime_store(state.settings, session)
            rows = with_rates(store.product_windows(provider_id, since, product_id))
        items = [RealtimeProductWindow.model_validate(row) for row in rows]
        if fmt == "csv":
            columns = item_columns(
                RealtimeProductWindow, ["window_start", "window_end", "product_id"]
            )
            return render_csv(items, columns, f"{provider_id}-realtime-products.csv", {})
        return render_json(
            RealtimeProductWindows(
                provider_id=provider_id,
                minutes=minutes,
                since=since,
                until=until,
                product_id=product_id,
                items=items,
            )
        )

    return await respond(request, build, LIVE_CACHE_CONTROL)
