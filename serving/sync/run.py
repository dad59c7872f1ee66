"""``run_sync``: bring the serving database in line with the dbt marts, partition by partition.

1. Check every mart's columns and types against the serving models (nothing written on error).
2. Plan (``plan.py``): the partitions dbt rebuilt since the last sync (``_built_at``), or for
   the dimensions those whose content fingerprint changed; removed when they left the mart.
3. Write each batch of partitions in one transaction (``writer.py``): replace, verify the
   serving copy's fingerprints against the warehouse's, record them in ``sync_state``.
4. Record the run in ``pipeline_status`` ('sync'). A run that finds nothing to do writes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Protocol, cast

import structlog
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Table, event, func, select
from sqlalchemy.exc import DBAPIError

from puntored.database.engine import make_engine
from puntored.database.migrate import alembic_config
from puntored.database.models import SyncState
from puntored.database.pipeline_status import record_stage
from puntored.errors import PuntoredError
from puntored.serving.sync.checksum import install_sqlite_functions
from puntored.serving.sync.marts import FACTS, MARTS, Mart, Partitions, check_mart_columns
from puntored.serving.sync.plan import MartPlan, plan_mart
from puntored.serving.sync.retry import Retry, database_retrying, error_reason, is_transient
from puntored.serving.sync.warehouse import WarehouseReader, open_warehouse
from puntored.serving.sync.writer import (
    delete_partitions,
    forget_sync_state,
    record_sync_state,
    replace_partitions,
    verify,
)
from puntored.settings import Settings

log = structlog.get_logger("puntored.sync")


@dataclass
class MartSyncResult:
    mart: str
    partitions_in_warehouse: int = 0
    partitions_written: list[date] = field(default_factory=list)
    partitions_removed: list[date] = field(default_factory=list)
    rows_written: int = 0

    @property
    def partitions_unchanged(self) -> int:
        return self.partitions_in_warehouse - len(self.partitions_written)


@dataclass
class SyncResult:
    marts: list[MartSyncResult]
    last_dt: date | None
    duration_s: float

    @property
    def changed(self) -> bool:
        return any(m.partitions_written or m.partitions_removed for m in self.marts)

    @property
    def rows_written(self) -> int:
        return sum(m.rows_written for m in self.marts)

    @property
    def partitions_written(self) -> int:
        return sum(len(m.partitions_written) for m in self.marts)


class SyncProgress(Protocol):
    def planned(self, batches: int) -> None: ...

    def batch_done(self, mart: str, dts: list[date], rows: int) -> None: ...


def run_sync(
    settings: Settings,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    full: bool = False,
    batch_days: int = 31,
    progress: SyncProgress | None = None,
    warehouse: WarehouseReader | None = None,
) -> SyncResult:
    """Sync the marts' partitions in [date_from, date_to] (all when None) into the serving DB.

    ``full`` rewrites every partition in range even when its fingerprint is unchanged.
    """
    if date_from and date_to and date_from > date_to:
        raise PuntoredError(f"--from {date_from} is after --to {date_to}")
    started = time.perf_counter()
    warehouse = warehouse or open_warehouse(settings)
    engine = _serving_engine(settings.serving_database_url)
    retrying = database_retrying(settings)
    try:
        retrying(lambda: _check_schema_is_current(engine))
        found = warehouse.columns(MARTS)
        versioned = {m.name: check_mart_columns(m, found[m.name]) for m in MARTS}
        in_range = Partitions(date_from, date_to)
        plans = [
            retrying(
                partial(
                    plan_mart,
                    engine,
                    warehouse,
                    mart,
                    versioned=versioned[mart.name],
                    in_range=in_range if mart.partitioned else Partitions(),
                    full=full,
                )
            )
            for mart in MARTS
        ]
        results = _execute(engine, warehouse, plans, batch_days, progress, retrying)
        if any(r.partitions_written or r.partitions_removed for r in results):
            retrying(lambda: _record_pipeline_status(engine, results))
        last_dt = retrying(lambda: _last_synced_dt(engine))
    finally:
        engine.dispose()
        warehouse.close()
    result = SyncResult(results, last_dt, time.perf_counter() - started)
    log.info(
        "sync_done",
        changed=result.changed,
        partitions_written=result.partitions_written,
        rows_written=result.rows_written,
        duration_s=round(result.duration_s, 3),
    )
    return result


def _serving_engine(url: str) -> Engine:
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", install_sqlite_functions)
    return engine


def _check_schema_is_current(engine: Engine) -> None:
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        raise PuntoredError(
            f"serving database schema is at {current or 'nothing'}, not {head}: "
            "run `puntored db upgrade` first"
        )


def _execute(
    engine: Engine,
    warehouse: WarehouseReader,
    plans: list[MartPlan],
    batch_days: int,
    progress: SyncProgress | None,
    retrying: Retry,
) -> list[MartSyncResult]:
    batches = [(plan, dts) for plan in plans for dts in _batches(plan, batch_days)]
    if progress:
        progress.planned(len(batches))
    results = {p.mart.name: MartSyncResult(p.mart.name, len(p.in_warehouse)) for p in plans}
    for plan in plans:
        if plan.to_remove:
            retrying(partial(_remove_partitions, engine, plan.mart, plan.to_remove))
            results[plan.mart.name].partitions_removed = plan.to_remove
    for plan, dts in batches:
        rows = retrying(partial(_write_batch, engine, warehouse, plan, dts))
        result = results[plan.mart.name]
        result.partitions_written.extend(dts)
        result.rows_written += rows
        log.info("sync_batch", mart=plan.mart.name, first=dts[0], last=dts[-1], rows=rows)
        if progress:
            progress.batch_done(plan.mart.name, dts, rows)
    return list(results.values())


def _batches(plan: MartPlan, batch_days: int) -> list[list[date]]:
    if plan.whole_table:
        return [plan.to_write]
    return [plan.to_write[i : i + batch_days] for i in range(0, len(plan.to_write), batch_days)]


def _write_batch(
    engine: Engine, warehouse: WarehouseReader, plan: MartPlan, dts: list[date]
) -> int:
    """Replace, verify and record one batch of partitions: all of it or none of it."""
    mart, kind = plan.mart, plan.verification
    if plan.versioned:  # only now, and only for these days: the cheap totals
        everything = Partitions() if plan.whole_table else Partitions(dts=tuple(dts))
        expected = warehouse.fingerprints(mart, kind, everything)
    else:
        expected = {dt: plan.content[dt] for dt in dts}
    try:
        with engine.begin() as connection:
            rows = replace_partitions(
                connection, mart, dts, warehouse.read(mart, dts), whole_table=plan.whole_table
            )
            verify(connection, mart, kind, expected)
            forget_sync_state(connection, mart, None if plan.whole_table else dts)
            record_sync_state(connection, mart, expected, plan.built_at)
    except DBAPIError as error:
        if is_transient(error):
            raise  # retried by the caller
        raise PuntoredError(
            f"writing {mart.table.name} for {dts[0]}..{dts[-1]} failed, nothing of this "
            f"batch was written: {error_reason(error)}"
        ) from error
    return rows


def _remove_partitions(engine: Engine, mart: Mart, dts: list[date]) -> int:
    with engine.begin() as connection:
        delete_partitions(connection, mart, dts)
        forget_sync_state(connection, mart, dts)
    return 0


def _last_synced_dt(engine: Engine) -> date | None:
    """The newest day of fct_provider_daily the serving database holds."""
    state = cast(Table, SyncState.__table__)
    with engine.connect() as connection:
        return connection.execute(
            select(func.max(state.c.dt)).where(state.c.mart == FACTS[0].name)
        ).scalar()


def _record_pipeline_status(engine: Engine, results: list[MartSyncResult]) -> None:
    record_stage(
        engine,
        "sync",
        _last_synced_dt(engine),
        {
            "partitions_written": sum(len(r.partitions_written) for r in results),
            "partitions_removed": sum(len(r.partitions_removed) for r in results),
            "rows_written": sum(r.rows_written for r in results),
        },
    )
