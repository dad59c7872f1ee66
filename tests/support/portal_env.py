"""A seeded API (tests/api_seed.py) with reconciliation reports and an alert over the last
minutes, served by uvicorn for the browser: what the portal and Swagger tests look at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from puntored.api.main import create_app
from puntored.api.server import background_server
from puntored.database.engine import make_engine, transaction
from puntored.database.models import Alert
from tests.support.api_seed import ApiEnv, build_env, write_reports


@dataclass
class PortalEnv:
    api: ApiEnv
    base_url: str


def add_recent_alert(env: ApiEnv) -> None:
    """An open alert over the seeded windows 3 to 1 minutes ago: the realtime chart must
    draw those bars in the alert colour."""
    minute = env.now.replace(second=0, microsecond=0)
    engine = make_engine(env.url)
    try:
        with transaction(engine) as session:
            session.add(
                Alert(
                    provider_id="claro",
                    product_id=None,
                    alert_type="volume_drop",
                    severity="warning",
                    status="open",
                    opened_at=env.now - timedelta(minutes=1),
                    first_window_start=minute - timedelta(minutes=3),
                    last_window_start=minute - timedelta(minutes=1),
                    message="claro volume 40% below its usual level",
                    details={"ratio": 0.4},
                )
            )
    finally:
        engine.dispose()


def portal_env(root: Path) -> Iterator[PortalEnv]:
    for env in build_env(f"sqlite:///{root / 'serving.sqlite'}", root / "data"):
        write_reports(env.settings)
        add_recent_alert(env)
        # The realtime page refreshes every second here (15 s by default).
        app = create_app(env.settings.model_copy(update={"portal_refresh_seconds": 1}))
        with background_server(app) as base_url:
            yield PortalEnv(env, base_url)
