"""Per point of sale totals over a date range, filtered, sorted and paginated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from puntored.api.pagination import ClientQuery
from puntored.api.queries import Reader
from puntored.contract.money import average_ticket
from puntored.database.models import Client, ProviderClientDailyMetrics

SUMMED = (
    "transactions",
    "approved",
    "rejected",
    "failed",
    "reversed",
    "gross_amount",
    "reversed_amount",
    "net_amount",
    "commission",
)


TOTAL_COUNT = "matching_total"


@dataclass(frozen=True)
class Place:
    department: str
    city: str


@dataclass(frozen=True)
class ClientPage:
    rows: list[dict[str, Any]]
    total: int


def _totals(query: ClientQuery) -> Select[Any]:
    m = ProviderClientDailyMetrics.__table__
    stmt = select(
        m.c.client_id,
        *(func.sum(m.c[name]).label(name) for name in SUMMED),
        func.count().label("active_days"),
    ).where(m.c.provider_id == query.provider_id, m.c.dt.between(query.start, query.end))
    if query.client_id is not None:
        stmt = stmt.where(m.c.client_id == query.client_id)
    if query.department is not None or query.city is not None:
        stmt = stmt.where(m.c.client_id.in_(_clients_in_place(query)))
    return stmt.group_by(m.c.client_id)


def _clients_in_place(query: ClientQuery) -> Select[Any]:
    stmt = select(Client.client_id)
    if query.department is not None:
        stmt = stmt.where(Client.department == query.department)
    if query.city is not None:
        stmt = stmt.where(Client.city == query.city)
    return stmt


def _ordering(sort: str, totals: Any) -> list[ColumnElement[Any]]:
    column = totals.c[sort.removeprefix("-")]
    primary = column.desc() if sort.startswith("-") else column.asc()
    # client_id breaks ties, so pages never overlap or skip rows.
    return [primary] if sort.removeprefix("-") == "client_id" else [primary, totals.c.client_id]


def client_page_statement(query: ClientQuery, limit: int, offset: int) -> Select[Any]:
    """One page of totals, each row carrying the count of every matching point of sale
    (a window over the aggregate: one statement, one pass over the range). The names and
    places are joined to the page only, not to every aggregated point of sale (the place
    filters act inside the totals)."""
    totals = _totals(query).subquery("totals")
    page = (
        select(totals, func.count().over().label(TOTAL_COUNT))
        .order_by(*_ordering(query.sort, totals))
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    return (
        select(page, Client.client_name, Client.city, Client.department)
        .outerjoin(Client, Client.client_id == page.c.client_id)
        .order_by(*_ordering(query.sort, page))
    )


def client_count_statement(query: ClientQuery) -> Select[Any]:
    return select(func.count()).select_from(_totals(query).subquery())


def client_page(session: Reader, query: ClientQuery, limit: int, offset: int) -> ClientPage:
    stmt = client_page_statement(query, limit, offset)
    rows = [_with_rates(dict(row)) for row in session.execute(stmt).mappings()]
    if rows:
        total = rows[0][TOTAL_COUNT]
    else:  # a page past the end carries no count: ask for it (0 when nothing matches)
        total = session.scalar(client_count_statement(query)) if offset else 0
    for row in rows:
        del row[TOTAL_COUNT]
    return ClientPage(rows=rows, total=total or 0)


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    transactions, approved = row["transactions"], row["approved"]
    row["approval_rate"] = approved / transactions if transactions else None
    row["average_ticket"] = average_ticket(row["gross_amount"], approved)
    return row


def client_daily(
    session: Session, provider_id: str, client_id: str, start: date, end: date
) -> list[dict[str, Any]]:
    """One point of sale's daily measures for the provider, oldest first."""
    m = ProviderClientDailyMetrics.__table__
    stmt = (
        select(m.c.dt, *(m.c[name] for name in SUMMED))
        .where(
            m.c.provider_id == provider_id,
            m.c.client_id == client_id,
            m.c.dt.between(start, end),
        )
        .order_by(m.c.dt)
    )
    return [_with_rates(dict(row)) for row in session.execute(stmt).mappings()]


def client_places(session: Session, provider_id: str, start: date, end: date) -> list[Place]:
    """The (department, city) pairs of the provider's points of sale active in the range."""
    m = ProviderClientDailyMetrics.__table__
    active = (
        select(m.c.client_id)
        .where(m.c.provider_id == provider_id, m.c.dt.between(start, end))
        .distinct()
    )
    stmt = (
        select(Client.department, Client.city)
        .where(Client.client_id.in_(active))
        .distinct()
        .order_by(Client.department, Client.city)
    )
    return [Place(row.department, row.city) for row in session.execute(stmt)]


def client_details(session: Session, client_id: str) -> Client | None:
    return session.get(Client, client_id)
