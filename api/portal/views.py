"""What each portal page shows, built from the API's own queries and response models.

Values pass through the API's schemas (``DailyRow``, ``ClientTotals``, ``RealtimeMeasures``…)
so what a chart carries in ``data-value`` is exactly what the JSON endpoint answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from puntored.api.portal import formatting as fmt
from puntored.api.portal.charts import Chart, Point, bar_chart, line_chart
from puntored.api.queries.alerts import provider_alerts
from puntored.api.queries.daily import provider_daily, provider_product_daily
from puntored.api.queries.realtime import with_rates
from puntored.api.schemas import (
    AlertOut,
    DailyMeasures,
    DailyRow,
    DayKey,
    ProductDailyRow,
    RealtimeMeasures,
)
from puntored.contract.money import average_ticket, to_cents
from puntored.database.realtime_store import RealtimeStore

SUMMED = ("transactions", "approved", "rejected", "failed", "reversed")
SUMMED_MONEY = ("gross_amount", "reversed_amount", "net_amount", "commission")
REALTIME_MINUTES = 60

ALERT_TYPES = {
    "approval_rate_drop": "Caída de la tasa de aprobación",
    "volume_drop": "Caída del volumen",
    "failure_spike": "Pico de fallas",
}
SEVERITIES = {"critical": "Crítica", "warning": "Advertencia"}
STATUSES = {"open": "Abierta", "resolved": "Resuelta"}


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]


@dataclass(frozen=True)
class Totals:
    """Measures summed over rows; rates recomputed from the sums (as the clients endpoint)."""

    transactions: int = 0
    approved: int = 0
    rejected: int = 0
    failed: int = 0
    reversed: int = 0
    gross_amount: Decimal = Decimal(0)
    reversed_amount: Decimal = Decimal(0)
    net_amount: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)

    @classmethod
    def of(cls, rows: Iterable[BaseModel]) -> Totals:
        sums: dict[str, Any] = {name: 0 for name in SUMMED} | {n: Decimal(0) for n in SUMMED_MONEY}
        for row in rows:
            for name in sums:
                sums[name] += getattr(row, name)
        return cls(**sums)

    @property
    def approval_rate(self) -> float | None:
        return self.approved / self.transactions if self.transactions else None

    @property
    def average_ticket(self) -> Decimal | None:
        return average_ticket(self.gross_amount, self.approved)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: str
    raw: str
    previous: str
    change: str


KPI_SPECS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("transactions", "Transacciones", fmt.number),
    ("approval_rate", "Tasa de aprobación", fmt.percent),
    ("gross_amount", "Monto bruto", fmt.cop),
    ("net_amount", "Monto neto", fmt.cop),
    ("commission", "Comisión", fmt.cop),
    ("average_ticket", "Ticket promedio", fmt.cop),
)


def kpis(current: Totals, previous: Totals) -> list[Kpi]:
    out = []
    for key, label, show in KPI_SPECS:
        now, before = getattr(current, key), getattr(previous, key)
        out.append(Kpi(key, label, show(now), _raw(now), show(before), fmt.change(now, before)))
    return out


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(to_cents(value))
    return repr(value) if isinstance(value, float) else str(value)


@dataclass
class DailySeries:
    """Daily rows (one model per day with data) and the charts drawn from them."""

    rows: Sequence[BaseModel]
    charts: list[Any] = field(default_factory=list)


def _points(
    rows: Mapping[date, BaseModel], days: list[date], measure: str, show: Callable[[Any], str]
) -> list[Point]:
    points = []
    for day in days:
        row = rows.get(day)
        value = getattr(row, measure) if row is not None else None
        points.append(
            Point(
                key=day.isoformat(),
                label=fmt.day_short(day),
                value=None if value is None else float(value),
                raw=_raw(value),
                text=show(value) if value is not None else "sin datos",
            )
        )
    return points


@dataclass(frozen=True)
class Series:
    measure: str
    title: str
    show: Callable[[Any], str]  # a value as people read it
    draw: Callable[[Chart], Any]  # bar_chart or line_chart
    tick: Callable[[float], str]  # an axis label
    ceiling: float | None = None  # fixed top of the scale


DAILY_SERIES = (
    Series("transactions", "Transacciones por día", fmt.number, bar_chart, fmt.number),
    Series("net_amount", "Monto neto por día (COP)", fmt.cop, bar_chart, fmt.cop_short),
    Series(
        "approval_rate", "Tasa de aprobación por día", fmt.percent, line_chart, fmt.percent, 1.0
    ),
)
REALTIME_SERIES = (
    Series("transactions", "Transacciones por minuto", fmt.number, bar_chart, fmt.number),
    Series(
        "approval_rate", "Tasa de aprobación por minuto", fmt.percent, line_chart, fmt.percent, 1.0
    ),
)


def daily_charts(prefix: str, rows: Sequence[Any], period: Period) -> list[dict[str, Any]]:
    """The three daily charts: transactions (bars), net amount (bars), approval rate (line)."""
    by_day = {row.dt: row for row in rows}
    days = period.each_day()
    span = f"del {fmt.day(period.start)} al {fmt.day(period.end)}"
    charts = []
    for series in DAILY_SERIES:
        points = _points(by_day, days, series.measure, series.show)
        description = f"{series.title}, {span}."
        chart_id = f"{prefix}-{series.measure}"
        chart = Chart(chart_id, series.title, description, points, series.tick, series.ceiling)
        charts.append(_drawn(series, chart))
    return charts


def _drawn(series: Series, chart: Chart) -> dict[str, Any]:
    return {
        "title": series.title,
        "svg": series.draw(chart),
        "points": chart.points,
        "measure": series.measure,
    }


def provider_days(session: Session, provider_id: str, period: Period) -> list[DailyRow]:
    rows = provider_daily(session, provider_id, period.start, period.end)
    return [DailyRow.model_validate(row) for row in rows]


class ClientDay(DailyMeasures, DayKey):
    """One point of sale's day (the clients endpoint's measures, per day)."""


@dataclass(frozen=True)
class ProductLine:
    product_id: str
    totals: Totals


def product_lines(session: Session, provider_id: str, period: Period) -> list[ProductLine]:
    rows = provider_product_daily(session, provider_id, period.start, period.end, None)
    models = [ProductDailyRow.model_validate(row) for row in rows]
    grouped: dict[str, list[ProductDailyRow]] = {}
    for model in models:
        grouped.setdefault(model.product_id, []).append(model)
    lines = [ProductLine(pid, Totals.of(items)) for pid, items in grouped.items()]
    return sorted(lines, key=lambda line: line.totals.net_amount, reverse=True)


def products_chart(lines: Sequence[ProductLine]) -> Any:
    points = [
        Point(
            key=line.product_id,
            label=line.product_id,
            value=float(line.totals.net_amount),
            raw=_raw(line.totals.net_amount),
            text=fmt.cop(line.totals.net_amount),
        )
        for line in lines
    ]
    chart = Chart(
        "products-net_amount",
        "Monto neto por producto (COP)",
        "Monto neto de cada producto en el periodo.",
        points,
        fmt.cop_short,
    )
    return bar_chart(chart)


# --- realtime --------------------------------------------------------------------------------


@dataclass
class RealtimePanel:
    since: datetime
    until: datetime
    windows: list[RealtimeMeasures]
    open_alerts: list[AlertOut]
    charts: list[dict[str, Any]]


def _under_alert(start: datetime, alerts: Sequence[AlertOut]) -> bool:
    return any(a.first_window_start <= start <= a.last_window_start for a in alerts)


def realtime_panel(
    session: Session, store: RealtimeStore, provider_id: str, now: datetime | None = None
) -> RealtimePanel:
    """The last 60 minutes, one slot per minute (empty minutes drawn as zero), with the
    windows under an open alert highlighted. Windows come from the realtime store the
    settings choose; alerts from the serving database."""
    until = now or datetime.now(UTC)
    since = until.replace(second=0, microsecond=0) - timedelta(minutes=REALTIME_MINUTES)
    rows = with_rates(store.provider_windows(provider_id, since))
    windows = [RealtimeMeasures.model_validate(r) for r in rows]
    alerts = [AlertOut.model_validate(a) for a in provider_alerts(session, provider_id, "open", 50)]
    by_start = {w.window_start: w for w in windows}
    slots = [since + timedelta(minutes=n) for n in range(REALTIME_MINUTES + 1)]
    charts = []
    for series in REALTIME_SERIES:
        points = [_minute_point(series, start, by_start.get(start), alerts) for start in slots]
        description = f"{series.title}, últimos {REALTIME_MINUTES} minutos (hora de Bogotá)."
        chart_id = f"realtime-{series.measure}"
        chart = Chart(chart_id, series.title, description, points, series.tick, series.ceiling)
        charts.append(_drawn(series, chart))
    return RealtimePanel(since, until, windows, alerts, charts)


def _minute_point(
    series: Series, start: datetime, window: RealtimeMeasures | None, alerts: Sequence[AlertOut]
) -> Point:
    if window is not None:
        value = getattr(window, series.measure)
    else:  # no events in that minute: zero transactions, no rate
        value = 0 if series.measure == "transactions" else None
    return Point(
        key=start.isoformat().replace("+00:00", "Z"),
        label=fmt.bogota_time(start),
        value=None if value is None else float(value),
        raw=_raw(value),
        text=series.show(value) if value is not None else "sin datos",
        highlight=window is not None and _under_alert(start, alerts),
    )


def alert_rows(session: Session, provider_id: str, status: str | None) -> list[AlertOut]:
    return [AlertOut.model_validate(a) for a in provider_alerts(session, provider_id, status, 500)]
