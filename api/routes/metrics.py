"""Daily metrics: per provider, per product, per point of sale (cacheable, CSV-exportable)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from puntored.api.caching import DAILY_CACHE_CONTROL, RenderedBody, respond
from puntored.api.dependencies import (
    DailyQueryDep,
    DateRange,
    ProviderDep,
    api_state,
    read,
    rendered,
)
from puntored.api.formats import item_columns, render_csv, render_json
from puntored.api.pagination import ClientQuery, decode_cursor, encode_cursor
from puntored.api.queries.clients import ClientPage, client_page
from puntored.api.queries.daily import provider_daily, provider_product_daily
from puntored.api.routes.openapi import AUTHENTICATED_PROBLEMS, CSV_ALTERNATIVE
from puntored.api.schemas import (
    ClientMetrics,
    ClientSort,
    ClientTotals,
    DailyMetrics,
    DailyRow,
    ProductDailyMetrics,
    ProductDailyRow,
)

router = APIRouter(
    prefix="/v1/providers/{provider_id}/metrics",
    tags=["daily metrics"],
    responses={**AUTHENTICATED_PROBLEMS, **CSV_ALTERNATIVE},
)

ID_QUERY = {"pattern": r"^[A-Za-z0-9_\-]{1,64}$", "max_length": 64}
PLACE_QUERY = {"min_length": 1, "max_length": 100}


def range_envelope(provider_id: str, days: DateRange) -> dict[str, object]:
    return {
        "provider_id": provider_id,
        "from_": days.start,
        "to": days.end,
        "default_range": days.default_note,
    }


@router.get("/daily", response_model=DailyMetrics, summary="Daily metrics, one row per day")
async def daily_metrics(
    request: Request,
    provider_id: ProviderDep,
    query_string: DailyQueryDep,
) -> Response:
    """Transactions by status, amounts (COP), commission, approval rate, average ticket,
    distinct points of sale and latency percentiles for each day in `from`..`to`."""
    state = api_state(request)
    days, fmt = query_string.days, query_string.fmt

    async def build() -> RenderedBody:
        rows = await read(state, lambda c: provider_daily(c, provider_id, days.start, days.end))

        def render() -> RenderedBody:
            # One validation of the envelope: the rows are validated in pydantic-core.
            envelope = {**range_envelope(provider_id, days), "items": rows}
            metrics = DailyMetrics.model_validate(envelope)
            if fmt == "csv":
                name = f"{provider_id}-daily-{days.start}-{days.end}.csv"
                return render_csv(metrics.items, item_columns(DailyRow, ["dt"]), name, {})
            return render_json(metrics)

        return await rendered(rows, render)

    key = ("daily", provider_id, days, fmt)
    return await respond(request, build, DAILY_CACHE_CONTROL, cache=state.responses, key=key)


@router.get(
    "/products",
    response_model=ProductDailyMetrics,
    summary="Daily metrics per product, one row per product per day",
)
async def product_metrics(
    request: Request,
    provider_id: ProviderDep,
    query_string: DailyQueryDep,
    product_id: Annotated[
        str | None, Query(description="Only this product.", examples=["claro_topup"], **ID_QUERY)
    ] = None,
) -> Response:
    """The daily measures broken down by product, ordered by day then product."""
    state = api_state(request)
    days, fmt = query_string.days, query_string.fmt

    async def build() -> RenderedBody:
        rows = await read(
            state,
            lambda c: provider_product_daily(c, provider_id, days.start, days.end, product_id),
        )

        def render() -> RenderedBody:
            envelope = {**range_envelope(provider_id, days), "product_id": product_id}
            metrics = ProductDailyMetrics.model_validate({**envelope, "items": rows})
            if fmt == "csv":
                name = f"{provider_id}-products-{days.start}-{days.end}.csv"
                columns = item_columns(ProductDailyRow, ["dt", "product_id"])
                return render_csv(metrics.items, columns, name, {})
            return render_json(metrics)

        return await rendered(rows, render)

    key = ("products", provider_id, days, product_id, fmt)
    return await respond(request, build, DAILY_CACHE_CONTROL, cache=state.responses, key=key)


@router.get(
    "/clients",
    response_model=ClientMetrics,
    summary="Totals per point of sale over the range, paginated and sortable",
)
async def client_metrics(
    request: Request,
    provider_id: ProviderDep,
    query_string: DailyQueryDep,
    client_id: Annotated[
        str | None,
        Query(description="Only this point of sale.", examples=["PDV000001"], **ID_QUERY),
    ] = None,
    department: Annotated[
        str | None, Query(description="Only points of sale in this department.", **PLACE_QUERY)
    ] = None,
    city: Annotated[
        str | None, Query(description="Only points of sale in this city.", **PLACE_QUERY)
    ] = None,
    sort: Annotated[
        ClientSort,
        Query(description="Sort key; a leading `-` sorts descending. Ties break on client_id."),
    ] = "-gross_amount",
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size.")] = 100,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="`next_cursor` of the previous page."),
    ] = None,
) -> Response:
    """One row per point of sale with its totals over `from`..`to` (measures summed; approval
    rate and average ticket recomputed from the sums), with its city and department. Pages
    through `next_cursor`; `total` counts every matching point of sale."""
    state = api_state(request)
    days, fmt = query_string.days, query_string.fmt
    query = ClientQuery(provider_id, days.start, days.end, client_id, department, city, sort)
    offset = decode_cursor(cursor, query) if cursor else 0

    async def build() -> RenderedBody:
        page = await read(state, lambda c: client_page(c, query, limit, offset))
        return await rendered(page.rows, lambda: render(page))

    def render(page: ClientPage) -> RenderedBody:
        items = [ClientTotals.model_validate(row) for row in page.rows]
        more = offset + len(items) < page.total
        next_cursor = encode_cursor(query, offset + len(items)) if more and items else None
        if fmt == "csv":
            headers = {"X-Total-Count": str(page.total)}
            if next_cursor:
                headers["X-Next-Cursor"] = next_cursor
            name = f"{provider_id}-clients-{days.start}-{days.end}.csv"
            return render_csv(items, item_columns(ClientTotals, ["client_id"]), name, headers)
        return render_json(
            ClientMetrics(
                provider_id=provider_id,
                from_=days.start,
                to=days.end,
                default_range=days.default_note,
                sort=sort,
                limit=limit,
                total=page.total,
                next_cursor=next_cursor,
                items=items,
            )
        )

    key = ("clients", query, days.default_note, limit, offset, fmt)
    return await respond(request, build, DAILY_CACHE_CONTROL, cache=state.responses, key=key)
