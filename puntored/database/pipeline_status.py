"""The ``pipeline_status`` table: each stage's last successful run, read by /freshness."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, insert

from puntored.database.models import PipelineStatus


def record_stage(
    engine: Engine, stage: str, last_dt: date | None, details: dict[str, Any] | None = None
) -> None:
    """Replace ``stage``'s row: its newest day of data and when it last ran."""
    status = cast(Table, PipelineStatus.__table__)
    with engine.begin() as connection:
        connection.execute(delete(status).where(status.c.stage == stage))
        connection.execute(
            insert(status).values(
                stage=stage, last_dt=last_dt, last_run_at=datetime.now(UTC), details=details
            )
        )
