"""Swagger UI and ReDoc, served offline from assets installed as a Python package.

Both come from ``fastapi-standalone-docs``, which ships Swagger UI 5 (it reads OpenAPI 3.1,
what FastAPI generates) and a ReDoc build that loads its logo from ``<page>/logo-mini.svg``
rather than a CDN (docs/decisions/0900-swagger-ui-5-offline.md). No page links a CDN: the assets
are mounted beside their page, ``/docs/…`` and ``/redoc/…``.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_standalone_docs
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_standalone_docs.__file__).parent / "static"
FAVICON_URL = "/docs/fastapi/favicon.png"
# Swagger UI's defaults would call validator.swagger.io; persistAuthorization stays off so
# the key typed into "Authorize" is never written to localStorage.
SWAGGER_PARAMETERS = {"validatorUrl": None, "persistAuthorization": False}

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="PuntoRed provider API — Swagger UI",
        swagger_js_url="/docs/swagger-ui-bundle.js",
        swagger_css_url="/docs/swagger-ui.css",
        swagger_favicon_url=FAVICON_URL,
        swagger_ui_parameters=SWAGGER_PARAMETERS,
    )


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="PuntoRed provider API — ReDoc",
        redoc_js_url="/redoc/redoc.standalone.js",
        redoc_favicon_url=FAVICON_URL,
        with_google_fonts=False,
    )


def mount_docs(app: FastAPI) -> None:
    app.include_router(router)
    # Mounted after the pages: "/docs" is the page, "/docs/<file>" an asset.
    app.mount("/docs/fastapi", StaticFiles(directory=ASSETS / "fastapi"), name="docs-favicon")
    app.mount("/docs", StaticFiles(directory=ASSETS / "swagger"), name="swagger-assets")
    app.mount("/redoc", StaticFiles(directory=ASSETS / "redoc"), name="redoc-assets")
