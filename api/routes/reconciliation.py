"""Batch vs realtime reconciliation per product and day, with the causes of each difference."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from puntored.api.caching import DAILY_CACHE_CONTROL, conditional_response
from puntored.api.dependencies import (
    DateRangeDep,
    ProviderDep,
    SessionDep,
    reading,
    reject_unknown_query_params,
)
from puntored.api.formats import render_json
from puntored.api.queries.reconciliation import provider_reconciliation
from puntored.api.routes.openapi import AUTHENTICATED_PROBLEMS
from puntored.api.schemas import ApiModel, Money, RangeEnvelope

router = APIRouter(
    prefix="/v1/providers/{provider_id}/reconciliation",
    tags=["daily metrics"],
    dependencies=[Depends(reject_unknown_query_params)],
    responses=AUTHENTICATED_PROBLEMS,
)


class ReconciliationRow(ApiModel):
    dt: date
    product_id: str = Field(examples=["claro_topup"])
    status: str = Field(description="matched | explained | unexplained", examples=["explained"])
    batch_transactions: int
    realtime_transactions: int
    batch_approved: int
    realtime_approved: int
    batch_gross_amount: Money
    realtime_gross_amount: Money
    batch_net_amount: Money
    realtime_net_amount: Money
    explained: dict[str, dict[str, Any]] = Field(
        description="Per cause (late_beyond_lateness, quarantined_in_batch, "
        "excluded_by_reference_check, outside_realtime_coverage): the signed share of "
        "realtime - batch it accounts for (transactions, approved, gross_amount, net_amount)."
    )
    unexplained_transactions: int
    unexplained_approved: int
    unexplained_gross_amount: Money
    unexplained_net_amount: Money
    reconciled_at: datetime


class ReconciliationDays(RangeEnvelope):
    items: list[ReconciliationRow]


@router.get("", response_model=ReconciliationDays, summary="Batch vs realtime, per day")
def reconciliation(
    request: Request, provider_id: ProviderDep, days: DateRangeDep, session: SessionDep
) -> Response:
    """For each reconciled day in `from`..`to` and each product: the daily mart's totals, the
    realtime windows' totals, and the difference explained by cause (`puntored reconcile`)."""
    with reading(session):
        rows = provider_reconciliation(session, provider_id, days.start, days.end)
    body = render_json(
        ReconciliationDays(
            provider_id=provider_id,
            from_=days.start,
            to=days.end,
            default_range=days.default_note,
            items=[ReconciliationRow.model_validate(row) for row in rows],
        )
    )
    return conditional_response(request, body, DAILY_CACHE_CONTROL)
