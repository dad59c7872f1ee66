"""Run the API on uvicorn (what ``puntored serve`` and the benchmark start)."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from puntored.api.main import create_app


def app_from_settings() -> FastAPI:
    """uvicorn factory: reads settings from the environment (``PUNTORED_*``)."""
    return create_app()


def run_server(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    uvicorn.run(
        "puntored.api.server:app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
    )
