"""Run the API on uvicorn: in the foreground (``puntored serve``, the benchmark) or in a thread
(``background_server``: the demo, screenshots, browser tests).

Both use uvicorn's h11 protocol with its own bound on the request head
(``h11_max_incomplete_event_size`` = ``Settings.api_max_header_bytes``): a request line plus
headers longer than that is answered 400 and the connection closed as soon as the bound is
crossed, without reading the rest. httptools, uvicorn's faster default, has no such bound
(docs/decisions/0510-api-input-hardening.md)."""

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
from puntored.settings import Settings

STARTUP_SECONDS = 20
HTTP_PROTOCOL = "h11"
DEFAULT_MAX_HEADER_BYTES = Settings.model_fields[
    "api_max_header_bytes"
].default  # the implementation with a bound on the request head


def app_from_settings() -> FastAPI:
    """uvicorn factory: reads settings from the environment (``PUNTORED_*``)."""
    return create_app()


def run_server(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
) -> None:
    uvicorn.run(
        "puntored.api.server:app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
        http=HTTP_PROTOCOL,
        h11_max_incomplete_event_size=max_header_bytes,
    )


@contextmanager
def background_server(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` on uvicorn in a thread until the block ends; yields its base URL. Port 0
    takes a free one (the browser tests, ``puntored screenshots``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        http=HTTP_PROTOCOL,
        h11_max_incomplete_event_size=app.state.api.settings.api_max_header_bytes,
    )
    server = uvicorn.Server(config)
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
