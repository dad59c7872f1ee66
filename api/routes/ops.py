"""Operations endpoints: liveness, readiness, Prometheus metrics. No API key needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from puntored.api.dependencies import StateDep
from puntored.api.errors import ApiProblem
from puntored.api.routes.openapi import problem_doc
from puntored.api.schemas import Health, Ready

router = APIRouter(tags=["operations"])

READY_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: problem_doc("Database unreachable or schema not at the expected migration."),
}


@router.get("/health", response_model=Health, summary="Liveness")
def health() -> Health:
    """The process is up and serving (touches nothing else)."""
    return Health()


@router.get("/ready", response_model=Ready, responses=READY_RESPONSES, summary="Readiness")
def ready(state: StateDep) -> Ready:
    """The serving database answers and its schema is at the migration this code expects."""
    try:
        with state.engine.connect() as connection:
            revision = connection.execute(text("select version_num from alembic_version")).scalar()
    except SQLAlchemyError as error:
        raise ApiProblem(
            503,
            f"serving database unreachable or not migrated: {type(error).__name__}",
            problem="not-ready",
        ) from None
    if revision != state.migration_head:
        raise ApiProblem(
            503,
            f"serving schema at revision {revision}, expected {state.migration_head}: "
            "run `puntored db upgrade`",
            problem="not-ready",
        )
    return Ready(migration=revision)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(state: StateDep) -> Response:
    """Request counts and latency histograms by route template, in Prometheus text format."""
    content, media_type = state.metrics.exposition()
    return Response(content, media_type=media_type)
