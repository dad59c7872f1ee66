"""Reconciliation reports: the list of days, one day's totals, the gzipped CSV itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import StreamingResponse

from puntored.api.caching import DAILY_CACHE_CONTROL, conditional_response
from puntored.api.dependencies import IsoDate, ProviderDep, StateDep, reject_unknown_query_params
from puntored.api.errors import ApiProblem
from puntored.api.formats import render_json
from puntored.api.report_files import (
    ReportFile,
    download_name,
    find_report,
    presigned_url,
    read_chunks,
    report_day,
    report_listing,
)
from puntored.api.routes.openapi import AUTHENTICATED_PROBLEMS, CONDITIONAL
from puntored.api.schemas import ReportDay, ReportLink, Reports
from puntored.settings import Settings

GZIP_MEDIA_TYPE = "application/gzip"

router = APIRouter(
    prefix="/v1/providers/{provider_id}/reports",
    tags=["reports"],
    dependencies=[Depends(reject_unknown_query_params)],
    responses=AUTHENTICATED_PROBLEMS,
)

DayPath = Annotated[
    IsoDate, Path(description="Bogota calendar day, ISO date.", examples=["2026-03-02"])
]


def existing_report(settings: Settings, provider_id: str, dt: IsoDate) -> ReportFile:
    report = find_report(settings, provider_id, dt)
    if report is None:
        raise ApiProblem(
            404, f"no reconciliation report for {provider_id} on {dt}", problem="no-report"
        )
    return report


@router.get(
    "",
    response_model=Reports,
    summary="Days with a reconciliation file, newest first",
    responses=CONDITIONAL,
)
def reports(request: Request, provider_id: ProviderDep, state: StateDep) -> Response:
    """Every day with a reconciliation file for this provider, with the file's totals."""
    items = report_listing(state.settings, provider_id)
    body = render_json(Reports(provider_id=provider_id, items=items))
    return conditional_response(request, body, DAILY_CACHE_CONTROL)


@router.get(
    "/{dt}/summary",
    response_model=ReportDay,
    summary="One day's reconciliation totals",
    responses=CONDITIONAL,
)
def report_summary(
    request: Request, provider_id: ProviderDep, dt: DayPath, state: StateDep
) -> Response:
    """The totals of the day's file: lines, sales by status, reversals, amounts (COP)."""
    body = render_json(report_day(existing_report(state.settings, provider_id, dt)))
    return conditional_response(request, body, DAILY_CACHE_CONTROL)


@router.get(
    "/{dt}",
    summary="Download one day's reconciliation file (gzipped CSV)",
    response_model=None,
    responses={
        200: {
            "model": ReportLink,  # the application/json alternative
            "description": "Locally: the gzipped CSV, streamed. In aws mode: a JSON "
            "`ReportLink` with a short-lived presigned S3 URL of the same file.",
            "content": {GZIP_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
    },
)
def report_file(provider_id: ProviderDep, dt: DayPath, state: StateDep) -> Response:
    """The day's transactions of this provider (sales and reversals, one line each, UTC
    timestamps, amounts in COP) as `transactions.csv.gz`; totals at `…/{dt}/summary`."""
    settings = state.settings
    report = existing_report(settings, provider_id, dt)
    if settings.mode == "aws":
        link = presigned_url(settings, report)
        model = ReportLink(provider_id=provider_id, dt=dt, url=link.url, expires_at=link.expires_at)
        body = render_json(model)
        return Response(
            body.content, media_type=body.media_type, headers={"Cache-Control": "private, no-store"}
        )
    headers = {
        "Content-Disposition": f'attachment; filename="{download_name(report)}"',
        "Content-Length": str(report.size_bytes),
        "Cache-Control": DAILY_CACHE_CONTROL,
        "X-Report-Rows": str(report.summary.get("rows", "")),
    }
    return StreamingResponse(
        read_chunks(settings, report), media_type=GZIP_MEDIA_TYPE, headers=headers
    )
