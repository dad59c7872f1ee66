"""Run the API on uvicorn: in the foreground (``puntored serve``, the benchmark) or in a thread
(``background_server``: the demo, screenshots, browser tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from puntored.api.main import create_app
from puntored.errors import PuntoredError

STARTUP_SECONDS = 20


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


@contextmanager
def background_server(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` on uvicorn in a thread until the block ends; yields its base URL. Port 0
    takes a free one (the browser tests, ``puntored screenshots``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise PuntoredError(f"the API did not start on {host}:{bound}")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
