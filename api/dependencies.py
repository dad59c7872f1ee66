"""Request dependencies, as ``Annotated`` aliases: the DB session, the caller's key, the
provider it may read, the date range and the strict query-parameter check."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator, Sized
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from pydantic import BeforeValidator
from sqlalchemy import Connection
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from puntored.api.auth.keys import AuthenticatedKey
from puntored.api.caching import RenderedBody
from puntored.api.errors import ApiProblem
from puntored.api.formats import FormatQuery, ResponseFormat, response_format
from puntored.api.queries.freshness import last_landed_day
from puntored.api.queries.providers import provider_exists
from puntored.api.ratelimit import retry_after_header
from puntored.api.state import ApiState

T = TypeVar("T")

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
BOGOTA_OFFSET = timedelta(hours=-5)  # America/Bogota: UTC-5, no daylight saving
PROVIDER_ID_PATTERN = r"^[a-z0-9_]{1,64}$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def api_state(request: Request) -> ApiState:
    """The app's state. The hot chain (key, provider, range) and the metrics routes call
    this instead of declaring ``StateDep``: every declared dependency is one more solve per
    request in FastAPI (decision 0511)."""
    state: ApiState = request.app.state.api
    return state


async def get_state(request: Request) -> ApiState:
    return api_state(request)


StateDep = Annotated[ApiState, Depends(get_state)]


async def get_session(state: StateDep) -> AsyncIterator[Session]:
    """A session for the request. Every step that uses it ends its own transaction (see
    ``reading``), so no request holds a pooled connection while it waits for a worker thread:
    with sync routes, holding one across thread hops deadlocks under load. A session without
    an open transaction is created and closed with no I/O, hence ``async`` (no thread hop)."""
    with state.sessions() as session:
        yield session


@contextmanager
def reading(session: Session) -> Iterator[Session]:
    """A read transaction that returns its connection to the pool when the block ends."""
    with session.begin():
        yield session


async def read(state: ApiState, query: Callable[[Connection], T]) -> T:
    """``query`` run on a pooled autocommit connection (no BEGIN/COMMIT): on PostgreSQL through
    the async engine, so the event loop waits on the socket (a greenlet switch, no
    worker-thread hop); on SQLite in the thread pool. The hot routes read this way and take
    no ``SessionDep``: a generator dependency costs FastAPI an exit stack and a cancel scope
    per request, an ORM session its transaction bookkeeping, and the thread hop a queue and
    a condition variable; together about a third of a cache miss's CPU (decision 0511)."""
    if state.async_engine is None:
        return await run_in_threadpool(_read_in_thread, state, query)
    async with state.async_engine.connect() as connection:
        return await connection.run_sync(query)


def _read_in_thread(state: ApiState, query: Callable[[Connection], T]) -> T:
    with state.engine.connect() as connection:
        return query(connection)


INLINE_RENDER_ROWS = 200


async def rendered(rows: Sized, render: Callable[[], RenderedBody]) -> RenderedBody:
    """``render()`` on the event loop for a small result; in a worker thread for a large one
    (a year of product rows would hold the loop, and every other request, for milliseconds)."""
    if len(rows) <= INLINE_RENDER_ROWS:
        return render()
    return await run_in_threadpool(render)


SessionDep = Annotated[Session, Depends(get_session)]

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="Your API key (`puntored keys create`). A provider key reads its own provider.",
)


async def current_key(
    request: Request,
    presented: Annotated[str | None, Security(api_key_header)],
) -> AuthenticatedKey:
    """The caller's key: from the key cache without a thread hop or a database round trip,
    else looked up in the thread pool."""
    state = api_state(request)
    address = client_address(request)
    cached = state.keys.get(presented) if presented else None
    if cached is not None:
        return admit(state, cached, address)
    return await run_in_threadpool(_authorize_in_own_session, state, presented, address)


def _authorize_in_own_session(
    state: ApiState, presented: str | None, address: str
) -> AuthenticatedKey:
    with state.sessions() as session:
        return authorize(session, state, presented, address)


def client_address(request: Request) -> str:
    """The peer's address (behind a proxy: what uvicorn's ``--forwarded-allow-ips`` trusts)."""
    return request.client.host if request.client else ""


def authorize(
    session: Session, state: ApiState, presented: str | None, address: str = ""
) -> AuthenticatedKey:
    """The active key ``presented`` (header or portal cookie), within its rate limit."""
    if not presented:
        raise ApiProblem(401, "missing X-API-Key header", problem="unauthorized", headers=CHALLENGE)
    key = state.keys.get(presented) or state.keys.lookup(session, presented)
    return admit(state, key, address)


CHALLENGE = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'}


def admit(state: ApiState, key: AuthenticatedKey | None, address: str) -> AuthenticatedKey:
    """``key`` within its rate limit; a failed authentication spends a token of the client
    address's failure bucket (429 once it is empty, so guessing keys is throttled while the
    same address's valid keys still pass)."""
    if key is None:
        wait = state.auth_failures.acquire(address)
        if wait > 0:
            raise ApiProblem(
                429,
                "too many failed authentications from this address; retry later",
                problem="rate-limited",
                headers={"Retry-After": retry_after_header(wait), **CHALLENGE},
            )
        raise ApiProblem(
            401, "unknown or revoked API key", problem="unauthorized", headers=CHALLENGE
        )
    wait = state.limiter.acquire(key.key_id)
    if wait > 0:
        raise ApiProblem(
            429,
            f"rate limit of {state.limiter.rate:g} requests/s (burst {state.limiter.burst}) "
            "exceeded for this key; retry later",
            problem="rate-limited",
            headers={"Retry-After": retry_after_header(wait)},
        )
    return key


CurrentKeyDep = Annotated[AuthenticatedKey, Depends(current_key)]


async def readable_provider(
    provider_id: Annotated[
        str,
        Path(
            description="Provider identifier, e.g. `claro`.",
            pattern=PROVIDER_ID_PATTERN,
            examples=["claro"],
        ),
    ],
    key: CurrentKeyDep,
    request: Request,
) -> str:
    """The path's provider, if this key may read it: 403 for another provider's key."""
    state = api_state(request)
    if not key.can_read(provider_id):
        raise ApiProblem(
            403,
            "this API key can read only its own provider's data",
            problem="forbidden",
        )
    if key.is_admin:
        known = state.known_providers.get(provider_id)
        if known is None:
            known = await run_in_threadpool(_provider_exists, state, provider_id)
            state.known_providers.put(provider_id, known)
        if not known:
            raise ApiProblem(404, f"unknown provider '{provider_id}'", problem="unknown-provider")
    return provider_id


def _provider_exists(state: ApiState, provider_id: str) -> bool:
    with state.sessions.begin() as session:
        return provider_exists(session, provider_id)


ProviderDep = Annotated[str, Depends(readable_provider)]


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("must be an ISO date (YYYY-MM-DD)")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date
    default_note: str | None = None  # how the range was chosen when from/to were omitted


FromQuery = Annotated[
    IsoDate | None,
    Query(
        alias="from",
        description="First day (Bogota), ISO date. Default: 29 days before `to`.",
        examples=["2026-03-01"],
    ),
]
ToQuery = Annotated[
    IsoDate | None,
    Query(
        description="Last day (Bogota), inclusive, ISO date. Default: the last landed day.",
        examples=["2026-03-31"],
    ),
]


async def date_range(request: Request, from_: FromQuery = None, to: ToQuery = None) -> DateRange:
    note = None
    if to is None:
        state = api_state(request)
        to = state.last_day.get(LAST_DAY)
        if to is None:
            to = state.last_day.put(LAST_DAY, await run_in_threadpool(_last_day, state))
        note = f"'to' defaulted to the last landed day, {to}"
    if from_ is None:
        # clamped at 0001-01-01: a 'to' in the calendar's first days has fewer days before it
        from_ = date.fromordinal(max(1, to.toordinal() - (DEFAULT_RANGE_DAYS - 1)))
        note = f"{note}; " if note else ""
        note += f"'from' defaulted to {DEFAULT_RANGE_DAYS} days ending at 'to', {from_}"
    if from_ > to:
        where = " (the last landed day)" if note else ""
        raise _range_problem("from", f"'from' ({from_}) is after 'to' ({to}){where}")
    days = (to - from_).days + 1
    if days > MAX_RANGE_DAYS:
        raise _range_problem("to", f"the range spans {days} days; the maximum is {MAX_RANGE_DAYS}")
    return DateRange(from_, to, note)


LAST_DAY = "last landed day"


def _last_day(state: ApiState) -> date:
    with state.sessions.begin() as session:
        return last_day_or_today(session)


def last_day_or_today(session: Session) -> date:
    """Where default ranges end: the last landed day (today in Bogota before any landing)."""
    return last_landed_day(session) or (datetime.now(UTC) + BOGOTA_OFFSET).date()


def _range_problem(name: str, detail: str) -> ApiProblem:
    return ApiProblem(
        422,
        detail,
        problem="validation-error",
        errors=[{"in": "query", "name": name, "message": detail}],
    )


DateRangeDep = Annotated[DateRange, Depends(date_range)]


@dataclass(frozen=True)
class DailyQuery:
    days: DateRange
    fmt: ResponseFormat


async def daily_query(
    request: Request,
    from_: FromQuery = None,
    to: ToQuery = None,
    format: FormatQuery = None,
) -> DailyQuery:
    """The daily routes' query string in one dependency: the strict check (unknown or repeated
    parameters), the date range and the format. FastAPI solves each declared dependency on
    every request; one instead of three takes a fifth off a cache hit (decision 0511)."""
    await reject_unknown_query_params(request)
    return DailyQuery(await date_range(request, from_, to), await response_format(request, format))


DailyQueryDep = Annotated[DailyQuery, Depends(daily_query)]


async def reject_unknown_query_params(request: Request) -> None:
    """Unknown or repeated query parameters are refused with 400, never silently ignored."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _declared_query_params(route)
    names = [name for name, _ in request.query_params.multi_items()]
    unknown = sorted({name for name in names if name not in allowed})
    if unknown:
        detail = (
            f"unknown query parameter(s): {', '.join(unknown)}; "
            f"this endpoint accepts: {', '.join(sorted(allowed)) or 'none'}"
        )
        raise _query_problem(detail, unknown)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise _query_problem(
            f"query parameter(s) given more than once: {', '.join(repeated)}", repeated
        )


def _query_problem(detail: str, names: list[str]) -> ApiProblem:
    errors = [{"in": "query", "name": name, "message": detail} for name in names]
    return ApiProblem(400, detail, problem="bad-query-parameter", errors=errors)


_DECLARED: dict[int, frozenset[str]] = {}


def _declared_query_params(route: APIRoute) -> frozenset[str]:
    declared = _DECLARED.get(id(route))
    if declared is None:
        declared = frozenset(_query_param_names(route.dependant))
        _DECLARED[id(route)] = declared
    return declared


def _query_param_names(dependant: Dependant) -> Iterator[str]:
    for param in dependant.query_params:
        yield param.alias
    for sub in dependant.dependencies:
        yield from _query_param_names(sub)
