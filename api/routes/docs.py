"""Swagger UI and ReDoc, served offline from assets installed as Python packages.

Swagger UI comes from ``swagger-ui-bundle``, ReDoc's ``redoc.standalone.js`` from
``fastapi-standalone-docs`` (docs/decisions/0506-api-offline-docs.md). No page links a CDN.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_standalone_docs
import swagger_ui_bundle
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_ASSETS = Path(swagger_ui_bundle.swagger_ui_path)
REDOC_ASSETS = Path(fastapi_standalone_docs.__file__).parent / "static" / "redoc"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="PuntoRed provider API — Swagger UI",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css",
        swagger_favicon_url="/static/swagger/favicon-32x32.png",
    )


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="PuntoRed provider API — ReDoc",
        redoc_js_url="/static/redoc/redoc.standalone.js",
        redoc_favicon_url="/static/swagger/favicon-32x32.png",
        with_google_fonts=False,
    )


def mount_docs(app: FastAPI) -> None:
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_ASSETS), name="swagger-assets")
    app.mount("/static/redoc", StaticFiles(directory=REDOC_ASSETS), name="redoc-assets")
    app.include_router(router)
