"""Pydantic response models: the API's public shapes, with examples for the OpenAPI docs.

Money is COP with exactly two decimal places, serialised as a JSON **string** ("125000.00") so
no client parses it into a binary float (docs/decisions/0501-api-money-as-strings.md).
Timestamps are UTC, ISO 8601; days (``dt``) are Bogota calendar days.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from puntored.contract.money import to_cents
from puntored.database.engine import as_utc


def _two_places(value: Decimal) -> str:
    return str(to_cents(value))


MONEY_JSON_SCHEMA = WithJsonSchema(
    {
        "type": "string",
        "pattern": r"^-?[0-9]+\.[0-9]{2}$",
        "description": "Amount in COP with two decimal places, as a string.",
        "examples": ["1250000.00"],
    },
    mode="serialization",
)
Money = Annotated[Decimal, PlainSerializer(_two_places, return_type=str), MONEY_JSON_SCHEMA]
# An amount read from a serving column (NUMERIC(18, 2), or a sum of one): the database (or
# SQLAlchemy's Numeric on SQLite) hands it back with exactly two places, so pydantic-core
# writes it as that string with no Python call per value — a third of the cost of dumping a
# products page (decision 0511). The API tests check the two places on both engines.
StoredMoney = Annotated[Decimal, MONEY_JSON_SCHEMA]
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class ApiModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, from_attributes=True)


# --- errors --------------------------------------------------------------------------------


class ProblemError(ApiModel):
    in_: str = Field(
        serialization_alias="in", description="query, path, header or body", examples=["query"]
    )
    name: str = Field(examples=["from"])
    message: str = Field(examples=["must be an ISO date (YYYY-MM-DD)"])


class Problem(ApiModel):
    """RFC 9457 problem details, the body of every error response."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "https://puntored.example/problems/validation-error",
                    "title": "Unprocessable Content",
                    "status": 422,
                    "detail": "query parameter 'from' must be an ISO date (YYYY-MM-DD)",
                    "instance": "/v1/providers/claro/metrics/daily",
                    "errors": [{"in": "query", "name": "from", "message": "must be an ISO date"}],
                }
            ]
        }
    )
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemError] | None = None


# --- daily metrics -------------------------------------------------------------------------


class DailyMeasures(ApiModel):
    transactions: int = Field(description="Sale events, any status.", examples=[18250])
    approved: int = Field(examples=[17400])
    rejected: int = Field(examples=[600])
    failed: int = Field(examples=[250])
    reversed: int = Field(description="Approved reversals on the day.", examples=[12])
    approval_rate: float | None = Field(
        description="approved / transactions; null when there were no transactions.",
        examples=[0.9534],
    )
    gross_amount: StoredMoney
    reversed_amount: StoredMoney
    net_amount: StoredMoney
    commission: StoredMoney
    # Stored too in the daily marts; the clients endpoint computes it with ``to_cents``.
    average_ticket: StoredMoney | None


class DailyLatency(ApiModel):
    latency_p50_ms: int | None = Field(examples=[180])
    latency_p95_ms: int | None = Field(examples=[920])


class DayKey(ApiModel):
    dt: date = Field(description="Bogota calendar day.", examples=["2026-03-02"])


class ProductDayKey(DayKey):
    product_id: str = Field(examples=["claro_topup"])


class DistinctClients(ApiModel):
    distinct_clients: int = Field(description="Points of sale with a sale.", examples=[2140])


# Field order follows the bases, last base first: key, measures, distinct clients, latency.
class DailyRow(DailyLatency, DistinctClients, DailyMeasures, DayKey):
    pass


class ProductDailyRow(DailyLatency, DistinctClients, DailyMeasures, ProductDayKey):
    pass


class ClientKey(ApiModel):
    client_id: str = Field(examples=["PDV000001"])
    client_name: str | None = Field(examples=["Tienda La Esquina"])
    city: str | None = Field(examples=["Bogota D.C."])
    department: str | None = Field(examples=["Bogota D.C."])
    active_days: int = Field(description="Days in the range with a sale.", examples=[28])


class ClientTotals(DailyMeasures, ClientKey):
    pass


class RangeEnvelope(ApiModel):
    provider_id: str = Field(examples=["claro"])
    from_: date = Field(serialization_alias="from", examples=["2026-03-01"])
    to: date = Field(examples=["2026-03-31"])
    default_range: str | None = Field(
        default=None,
        description="Set when `from` or `to` was omitted: how the range was chosen (default: "
        "the last 30 days ending at the last landed day).",
        examples=[
            "'to' defaulted to the last landed day, 2026-03-31; 'from' defaulted to 30 "
            "days ending at 'to', 2026-03-02"
        ],
    )


class DailyMetrics(RangeEnvelope):
    """One row per day (days without data are absent)."""

    items: list[DailyRow]


class ProductDailyMetrics(RangeEnvelope):
    """One row per product per day, ordered by day then product."""

    product_id: str | None = Field(description="The product filter, if any.", examples=[None])
    items: list[ProductDailyRow]


ClientSort = Literal[
    "-gross_amount",
    "gross_amount",
    "-net_amount",
    "net_amount",
    "-transactions",
    "transactions",
    "-approved",
    "approved",
    "client_id",
    "-client_id",
]


class ClientMetrics(RangeEnvelope):
    """One row per point of sale: its totals over the range. Paginated."""

    sort: ClientSort
    limit: int = Field(examples=[100])
    total: int = Field(description="Points of sale matching the filters.", examples=[2140])
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
    items: list[ClientTotals]


# --- realtime ------------------------------------------------------------------------------


class RealtimeMeasures(ApiModel):
    window_start: UtcDatetime = Field(examples=["2026-03-02T15:04:00Z"])
    window_end: UtcDatetime = Field(examples=["2026-03-02T15:05:00Z"])
    transactions: int = Field(examples=[42])
    approved: int = Field(examples=[40])
    rejected: int = Field(examples=[1])
    failed: int = Field(examples=[1])
    reversed: int = Field(examples=[0])
    approval_rate: float | None = Field(examples=[0.9524])
    gross_amount: Money
    reversed_amount: Money
    net_amount: Money
    commission: Money
    latency_p95_ms: int | None = Field(examples=[850])


class RealtimeProductWindow(RealtimeMeasures):
    product_id: str = Field(examples=["claro_topup"])


class RealtimeEnvelope(ApiModel):
    provider_id: str = Field(examples=["claro"])
    minutes: int = Field(examples=[60])
    since: UtcDatetime = Field(description="Windows starting at or after this instant.")
    until: UtcDatetime = Field(description="When the query ran.")


class RealtimeWindows(RealtimeEnvelope):
    """One row per 1-minute event-time window, oldest first (minutes without events absent)."""

    late_events: int = Field(
        description="Events in this period that arrived after their window closed.",
        examples=[3],
    )
    late_amount: Money
    items: list[RealtimeMeasures]


class RealtimeProductWindows(RealtimeEnvelope):
    """One row per product per 1-minute window, oldest first."""

    product_id: str | None = Field(examples=[None])
    items: list[RealtimeProductWindow]


# --- alerts and freshness -------------------------------------------------------------------


class AlertOut(ApiModel):
    alert_id: int = Field(examples=[17])
    product_id: str | None = Field(examples=["claro_topup"])
    alert_type: str = Field(
        description="approval_rate_drop | volume_drop | failure_spike",
        examples=["approval_rate_drop"],
    )
    severity: str = Field(description="warning | critical", examples=["critical"])
    status: str = Field(description="open | resolved", examples=["open"])
    opened_at: UtcDatetime
    resolved_at: UtcDatetime | None
    first_window_start: UtcDatetime
    last_window_start: UtcDatetime
    message: str = Field(examples=["approval rate 61% below 80% for 3 consecutive minutes"])
    details: dict[str, Any] | None = Field(examples=[{"approval_rate": 0.61}])


class Alerts(ApiModel):
    """Alerts, newest first."""

    provider_id: str = Field(examples=["claro"])
    status: Literal["open", "resolved"] | None = Field(examples=["open"])
    items: list[AlertOut]


class Freshness(ApiModel):
    """How current this provider's numbers are. Null where a stage has not run yet."""

    provider_id: str = Field(examples=["claro"])
    last_landed_dt: date | None = Field(description="Last day the landing job processed.")
    last_landed_at: UtcDatetime | None
    last_transformed_dt: date | None
    last_synced_dt: date | None = Field(description="Last day synced into the serving DB.")
    last_synced_at: UtcDatetime | None
    latest_daily_dt: date | None = Field(description="Latest day with daily metrics.")
    latest_realtime_window_start: UtcDatetime | None
    realtime_lag_seconds: float | None = Field(
        description="Seconds between the end of the latest realtime window and now."
    )
    checked_at: UtcDatetime


class Health(ApiModel):
    status: Literal["ok"] = "ok"


class Ready(ApiModel):
    status: Literal["ready"] = "ready"
    database: Literal["reachable"] = "reachable"
    migration: str = Field(description="Alembic revision of the serving schema.", examples=["0001"])


# --- reconciliation reports -----------------------------------------------------------------


class ReportDay(ApiModel):
    """One day's reconciliation file of a provider and its totals (the daily mart's rules)."""

    dt: date = Field(description="Bogota calendar day.", examples=["2026-03-02"])
    rows: int = Field(description="Lines in the CSV (sales and reversals).", examples=[18262])
    transactions: int = Field(description="Sale events, any status.", examples=[18250])
    approved: int = Field(examples=[17400])
    rejected: int = Field(examples=[600])
    failed: int = Field(examples=[250])
    reversed: int = Field(description="Approved reversals on the day.", examples=[12])
    gross_amount: Money
    reversed_amount: Money
    net_amount: Money
    commission: Money
    size_bytes: int = Field(description="Size of the gzipped CSV.", examples=[412345])
    download: str = Field(
        description="Path of the file (same API key).",
        examples=["/v1/providers/claro/reports/2026-03-02"],
    )


class Reports(ApiModel):
    """Days with a reconciliation file, newest first."""

    provider_id: str = Field(examples=["claro"])
    items: list[ReportDay]


class ReportLink(ApiModel):
    """aws mode: a short-lived presigned S3 URL of the gzipped CSV (no API key needed on it)."""

    provider_id: str = Field(examples=["claro"])
    dt: date = Field(examples=["2026-03-02"])
    url: str = Field(description="GET it before `expires_at`.")
    expires_at: UtcDatetime
