"""The provider portal: ``/portal``, served by the API app (docs/decisions/0902)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from puntored.api.portal.pages import render, router
from puntored.api.portal.session import PortalDenied, PortalSignInRequired

STATIC = Path(__file__).parent / "static"


async def _to_sign_in(_request: Request, _exc: Exception) -> Response:
    return RedirectResponse("/portal/sign-in", status_code=303)


async def _denied(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PortalDenied)
    context = {"title": "Sin acceso", "message": exc.message, "signed_in": True}
    response = render(request, "error.html", context, status=exc.status)
    response.headers.update(exc.headers)
    return response


def mount_portal(app: FastAPI) -> None:
    # The static files first: the portal's last route answers every other /portal path.
    app.mount("/portal/static", StaticFiles(directory=STATIC), name="portal-static")
    app.include_router(router)
    app.add_exception_handler(PortalSignInRequired, _to_sign_in)
    app.add_exception_handler(PortalDenied, _denied)
