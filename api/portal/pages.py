"""The provider portal's pages (``/portal``): server-rendered HTML, charts as inline SVG.

Every page under ``/portal/providers/{provider_id}/`` goes through ``PortalProviderDep`` (the
API's key check and isolation rule); the date range is read leniently (a bad value is shown as
a message and the default range used), so a person never gets a JSON error in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from puntored.api.dependencies import (
    DEFAULT_RANGE_DAYS,
    MAX_RANGE_DAYS,
    SessionDep,
    StateDep,
    last_day_or_today,
    reading,
)
from puntored.api.formats import item_columns, render_csv
from puntored.api.pagination import ClientQuery
from puntored.api.portal import formatting, views
from puntored.api.portal.session import (
    COOKIE_NAME,
    PortalKeyDep,
    PortalProviderDep,
    PortalSignInRequired,
    check_key,
    same_origin,
    sign_in_response,
    sign_out_response,
)
from puntored.api.queries.clients import client_daily, client_details, client_page, client_places
from puntored.api.queries.freshness import provider_freshness
from puntored.api.queries.providers import all_providers, provider_name
from puntored.api.report_files import (
    download_name,
    find_report,
    presigned_url,
    read_chunks,
    report_listing,
)
from puntored.api.schemas import ClientSort, ClientTotals
from puntored.database.store_selection import open_realtime_store

TEMPLATES = Jinja2Templates(directory=FilePath(__file__).parent / "templates")
TEMPLATES.env.filters.update(formatting.FILTERS)
PAGE_SIZE = 25
CSV_PAGE = 1000
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
SECTIONS = (
    ("overview", "Resumen", ""),
    ("products", "Productos", "/products"),
    ("points-of-sale", "Puntos de venta", "/points-of-sale"),
    ("realtime", "Tiempo real", "/realtime"),
    ("alerts", "Alertas", "/alerts"),
    ("reports", "Reportes", "/reports"),
)

router = APIRouter(prefix="/portal", include_in_schema=False)


def render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def _provider_context(
    session: Session, provider_id: str, section: str, range_query: str = ""
) -> dict[str, Any]:
    """What every provider page shows around its content: name, sections, freshness."""
    base = f"/portal/providers/{provider_id}"
    return {
        "signed_in": True,
        "provider_id": provider_id,
        "provider_name": provider_name(session, provider_id) or provider_id,
        "section": section,
        "sections": [
            (key, label, f"{base}{path}{range_query if key in RANGED else ''}")
            for key, label, path in SECTIONS
        ],
        "base": base,
        "freshness": provider_freshness(session, provider_id, datetime.now(UTC)),
    }


RANGED = {"overview", "products", "points-of-sale"}


# --- date range --------------------------------------------------------------------------


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def choose_period(last: date, from_: str | None, to: str | None) -> tuple[views.Period, str | None]:
    """The range asked for, or the API's default (30 days ending at ``last``, the last landed
    day), with a message when what was asked for could not be used."""
    start, end = _parse_day(from_), _parse_day(to)
    error = None
    if (from_ and start is None) or (to and end is None):
        error = "Fecha no válida; se muestra el periodo predeterminado."
        start = end = None
    end = end or last
    start = start or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if start > end:
        error = "La fecha inicial es posterior a la final; se muestra el periodo predeterminado."
        end, start = last, last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        error = f"El periodo máximo es de {MAX_RANGE_DAYS} días; se acortó."
        start = end - timedelta(days=MAX_RANGE_DAYS - 1)
    return views.Period(start, end), error


FromQuery = Annotated[str | None, Query(alias="from", max_length=20)]
ToQuery = Annotated[str | None, Query(max_length=20)]


@dataclass(frozen=True)
class ChosenRange:
    period: views.Period
    error: str | None
    last_day: date


def chosen_range(session: SessionDep, from_: FromQuery = None, to: ToQuery = None) -> ChosenRange:
    with reading(session):
        last = last_day_or_today(session)
    return ChosenRange(*choose_period(last, from_, to), last)


ChosenRangeDep = Annotated[ChosenRange, Depends(chosen_range)]


def _ranged_context(
    session: Session, provider_id: str, section: str, chosen: ChosenRange
) -> dict[str, Any]:
    """The provider context plus the range form's: the period, the previous one, presets."""
    period = chosen.period
    presets = [
        (f"{days} días", chosen.last_day - timedelta(days=days - 1), chosen.last_day)
        for days in (7, 30, 90)
    ]
    context = _provider_context(session, provider_id, section, _query(period))
    return context | {
        "period": period,
        "previous": period.previous(),
        "presets": presets,
        "error": chosen.error,
    }


def _query(period: views.Period) -> str:
    return f"?from={period.start}&to={period.end}"


# --- sign in / out -----------------------------------------------------------------------


@router.get("")
def portal_home(request: Request, session: SessionDep, state: StateDep) -> Response:
    presented = request.cookies.get(COOKIE_NAME)
    if not presented:
        return RedirectResponse("/portal/sign-in", status_code=303)
    try:
        key = check_key(request, session, state, presented)
    except PortalSignInRequired:
        return RedirectResponse("/portal/sign-in", status_code=303)
    return RedirectResponse(_home_of(key.provider_id), status_code=303)


def _home_of(provider_id: str | None) -> str:
    return f"/portal/providers/{provider_id}" if provider_id else "/portal/providers"


@router.get("/sign-in")
def sign_in_form(request: Request, salida: int | None = None) -> HTMLResponse:
    notice = "Cerraste la sesión." if salida else None
    return render(request, "sign_in.html", {"notice": notice, "error": None})


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    state: StateDep,
    api_key: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not same_origin(request):
        return render(request, "sign_in.html", {"error": "Origen no permitido."}, status=403)
    try:
        key = check_key(request, session, state, api_key.strip())
    except PortalSignInRequired:
        error = "La clave no es válida o fue revocada."
        return render(request, "sign_in.html", {"error": error, "notice": None}, status=401)
    response = RedirectResponse(_home_of(key.provider_id), status_code=303)
    return sign_in_response(response, request, api_key.strip())


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    if not same_origin(request):
        return render(request, "sign_in.html", {"error": "Origen no permitido."}, status=403)
    return sign_out_response(RedirectResponse("/portal/sign-in?salida=1", status_code=303), request)


@router.get("/providers")
def provider_list(request: Request, key: PortalKeyDep, session: SessionDep) -> Response:
    """An admin key chooses a provider; a provider key goes to its own."""
    if not key.is_admin:
        return RedirectResponse(_home_of(key.provider_id), status_code=303)
    with reading(session):
        providers = all_providers(session)
    return render(request, "providers.html", {"providers": providers, "signed_in": True})


# --- provider pages ----------------------------------------------------------------------


@router.get("/providers/{provider_id}")
def overview(
    request: Request,
    provider_id: PortalProviderDep,
    session: SessionDep,
    chosen: ChosenRangeDep,
) -> HTMLResponse:
    period = chosen.period
    with reading(session):
        rows = views.provider_days(session, provider_id, period)
        before = views.provider_days(session, provider_id, period.previous())
        context = _ranged_context(session, provider_id, "overview", chosen)
    context |= {
        "kpis": views.kpis(views.Totals.of(rows), views.Totals.of(before)),
        "charts": views.daily_charts("daily", rows, period),
        "title": "Resumen",
    }
    return render(request, "overview.html", context)


@router.get("/providers/{provider_id}/products")
def products(
    request: Request,
    provider_id: PortalProviderDep,
    session: SessionDep,
    chosen: ChosenRangeDep,
) -> HTMLResponse:
    with reading(session):
        lines = views.product_lines(session, provider_id, chosen.period)
        context = _ranged_context(session, provider_id, "products", chosen)
    context |= {
        "lines": lines,
        "chart": views.products_chart(lines),
        "title": "Productos",
    }
    return render(request, "products.html", context)


def _sort(value: str | None) -> ClientSort:
    allowed: tuple[str, ...] = ClientSort.__args__  # type: ignore[attr-defined]
    return value if value in allowed else "-gross_amount"  # type: ignore[return-value]


PlaceQuery = Annotated[str | None, Query(max_length=100)]
SortQuery = Annotated[str | None, Query(max_length=20)]


def client_filter(
    provider_id: PortalProviderDep,
    chosen: ChosenRangeDep,
    department: PlaceQuery = None,
    city: PlaceQuery = None,
    sort: SortQuery = None,
) -> ClientQuery:
    """The points-of-sale query of the page and of its CSV (empty filters mean none)."""
    period = chosen.period
    return ClientQuery(
        provider_id, period.start, period.end, None, department or None, city or None, _sort(sort)
    )


ClientFilterDep = Annotated[ClientQuery, Depends(client_filter)]


@router.get("/providers/{provider_id}/points-of-sale")
def points_of_sale(
    request: Request,
    provider_id: PortalProviderDep,
    session: SessionDep,
    chosen: ChosenRangeDep,
    query: ClientFilterDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = PAGE_SIZE,
) -> HTMLResponse:
    department, city = query.department, query.city
    with reading(session):
        found = client_page(session, query, page_size, (page - 1) * page_size)
        places = client_places(session, provider_id, query.start, query.end)
        context = _ranged_context(session, provider_id, "points-of-sale", chosen)
    filters = {"department": department or "", "city": city or "", "sort": query.sort}
    filters["page_size"] = str(page_size) if page_size != PAGE_SIZE else ""
    pages = max(1, -(-found.total // page_size))
    context |= {
        "rows": [ClientTotals.model_validate(row) for row in found.rows],
        "total": found.total,
        "page": min(page, pages),
        "pages": pages,
        "filters": filters,
        "departments": sorted({p.department for p in places}),
        "cities": sorted({p.city for p in places if not department or p.department == department}),
        "title": "Puntos de venta",
    }
    return render(request, "points_of_sale.html", context)


@router.get("/providers/{provider_id}/points-of-sale.csv")
def points_of_sale_csv(
    provider_id: PortalProviderDep,
    session: SessionDep,
    query: ClientFilterDep,
) -> Response:
    """Every matching point of sale (not just the page shown), the API's CSV columns."""
    with reading(session):
        rows, offset = [], 0
        while True:
            found = client_page(session, query, CSV_PAGE, offset)
            rows += found.rows
            offset += CSV_PAGE
            if offset >= found.total:
                break
    items = [ClientTotals.model_validate(row) for row in rows]
    name = f"{provider_id}-puntos-de-venta-{query.start}-{query.end}.csv"
    body = render_csv(items, item_columns(ClientTotals, ["client_id"]), name, {})
    headers = {**dict(body.headers), "Cache-Control": "no-store"}
    return Response(body.content, media_type=body.media_type, headers=headers)


@router.get("/providers/{provider_id}/points-of-sale/{client_id}")
def point_of_sale(
    request: Request,
    provider_id: PortalProviderDep,
    client_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_\-]{1,64}$")],
    session: SessionDep,
    chosen: ChosenRangeDep,
) -> HTMLResponse:
    period = chosen.period
    with reading(session):
        details = client_details(session, client_id)
        daily = client_daily(session, provider_id, client_id, period.start, period.end)
        context = _ranged_context(session, provider_id, "points-of-sale", chosen)
    rows = [views.ClientDay.model_validate(row) for row in daily]
    status = 200 if details is not None else 404
    context |= {
        "client": details,
        "client_id": client_id,
        "totals": views.Totals.of(rows),
        "charts": views.daily_charts("client", rows, period)[:2],
        "title": f"Punto de venta {client_id}",
    }
    return render(request, "point_of_sale.html", context, status=status)


@router.get("/providers/{provider_id}/realtime")
def realtime(
    request: Request, provider_id: PortalProviderDep, session: SessionDep, state: StateDep
) -> Response:
    with reading(session):
        store = open_realtime_store(state.settings, session)
        panel = views.realtime_panel(session, store, provider_id)
        context = _provider_context(session, provider_id, "realtime")
    refresh = state.settings.portal_refresh_seconds
    context |= {"panel": panel, "title": "Tiempo real", "refresh_seconds": refresh}
    return render(request, "realtime.html", context)


@router.get("/providers/{provider_id}/realtime/panel")
def realtime_panel(
    request: Request, provider_id: PortalProviderDep, session: SessionDep, state: StateDep
) -> Response:
    """The realtime page's live part, fetched again every 15 s by portal.js."""
    with reading(session):
        store = open_realtime_store(state.settings, session)
        panel = views.realtime_panel(session, store, provider_id)
        freshness = provider_freshness(session, provider_id, datetime.now(UTC))
    context = {"panel": panel, "provider_id": provider_id, "freshness": freshness}
    return render(request, "realtime_panel.html", context)


@router.get("/providers/{provider_id}/alerts")
def alerts(
    request: Request,
    provider_id: PortalProviderDep,
    session: SessionDep,
    status: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    chosen = status if status in views.STATUSES else None
    with reading(session):
        rows = views.alert_rows(session, provider_id, chosen)
        context = _provider_context(session, provider_id, "alerts")
    context |= {"alerts": rows, "status": chosen, "title": "Alertas"}
    context |= {"types": views.ALERT_TYPES, "severities": views.SEVERITIES}
    context |= {"statuses": views.STATUSES}
    return render(request, "alerts.html", context)


@router.get("/providers/{provider_id}/reports")
def reports(
    request: Request, provider_id: PortalProviderDep, session: SessionDep, state: StateDep
) -> HTMLResponse:
    days = report_listing(state.settings, provider_id)
    with reading(session):
        context = _provider_context(session, provider_id, "reports")
    context |= {"reports": days, "title": "Reportes de conciliación"}
    return render(request, "reports.html", context)


@router.get("/providers/{provider_id}/reports/{dt}/download")
def report_download(
    request: Request, provider_id: PortalProviderDep, dt: str, session: SessionDep, state: StateDep
) -> Response:
    day = _parse_day(dt)
    report = find_report(state.settings, provider_id, day) if day else None
    if report is None:
        with reading(session):
            context = _provider_context(session, provider_id, "reports")
        context |= {"title": "Reporte no encontrado", "message": f"No hay reporte del {dt}."}
        return render(request, "error.html", context, status=404)
    if state.settings.mode == "aws":  # the browser goes to S3; no key travels with it
        return RedirectResponse(presigned_url(state.settings, report).url, status_code=303)
    headers = {
        "Content-Disposition": f'attachment; filename="{download_name(report)}"',
        "Content-Length": str(report.size_bytes),
        "Cache-Control": "no-store",
    }
    return StreamingResponse(
        read_chunks(state.settings, report), media_type="application/gzip", headers=headers
    )


@router.get("/{unknown:path}")
def not_found(request: Request, unknown: str) -> HTMLResponse:
    """Any other /portal address: a page, not a JSON problem (registered last)."""
    context = {"title": "Página no encontrada", "message": f"No existe /portal/{unknown}."}
    return render(request, "error.html", context, status=404)
