"""Which partitions of a mart the sync writes, removes or leaves alone.

A fact mart with ``_built_at`` (dbt stamps every row it writes with its run's start): a partition
is written when it is new or its newest ``_built_at`` differs from the one recorded in
``sync_state`` — i.e. exactly the days dbt rebuilt since the last sync. The warehouse is asked
only for the rows stamped after the newest rebuild already synced (DuckDB skips every older row
group on its statistics), and the mart's row count must then equal those rows plus the synced
rows of the other days; if it does not (a day deleted behind dbt's back, a full refresh that
dropped a day), every partition's ``_built_at`` is read instead. So a daily plan costs what the
rebuilt days cost, not what the history costs (decision 0413).

A dimension (small, rebuilt whole by every dbt run) or a fact mart without ``_built_at``: the
warehouse computes each partition's content fingerprint and a partition is written when it
differs from ``sync_state``.

Partitions in ``sync_state`` that left the mart are removed. When every partition of a fact
mart is written and no date range was given (first sync, ``--full``, a dbt full refresh), the
mart is loaded as a whole into a fresh table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine

from puntored.serving.sync.checksum import Fingerprint, FingerprintKind
from puntored.serving.sync.marts import Mart, Partitions
from puntored.serving.sync.warehouse import Rebuild, WarehouseReader
from puntored.serving.sync.writer import SyncedPartition, synced_partitions


@dataclass
class MartPlan:
    mart: Mart
    versioned: bool  # the mart has _built_at: written partitions are verified by totals
    in_warehouse: list[date]
    to_write: list[date]
    to_remove: list[date]
    whole_table: bool
    built_at: dict[date, datetime] = field(default_factory=dict)  # versioned marts
    content: dict[date, Fingerprint] = field(default_factory=dict)  # the others

    @property
    def verification(self) -> FingerprintKind:
        return FingerprintKind.TOTALS if self.versioned else FingerprintKind.CONTENT


def plan_mart(
    engine: Engine,
    warehouse: WarehouseReader,
    mart: Mart,
    *,
    versioned: bool,
    in_range: Partitions,
    full: bool,
) -> MartPlan:
    with engine.connect() as connection:
        synced = synced_partitions(connection, mart, in_range.date_from, in_range.date_to)
    built_at: dict[date, datetime] = {}
    content: dict[date, Fingerprint] = {}
    if versioned:
        built_at = _partitions_built_at(warehouse, mart, in_range, synced, full=full)
        source = sorted(built_at)
        changed = [dt for dt in source if _rebuilt(synced.get(dt), built_at[dt])]
    else:
        content = warehouse.fingerprints(mart, FingerprintKind.CONTENT, in_range)
        source = sorted(content)
        changed = [dt for dt in source if _differs(synced.get(dt), content[dt])]
    to_write = source if full else changed
    whole_table = mart.partitioned and in_range.everything and bool(source) and to_write == source
    return MartPlan(
        mart,
        versioned,
        in_warehouse=source,
        to_write=to_write,
        to_remove=sorted(dt for dt in synced if dt not in set(source)),
        whole_table=whole_table,
        built_at=built_at,
        content=content,
    )


def _partitions_built_at(
    warehouse: WarehouseReader,
    mart: Mart,
    in_range: Partitions,
    synced: dict[date, SyncedPartition],
    *,
    full: bool,
) -> dict[date, datetime]:
    """dt → ``_built_at`` of every partition of the mart in range."""
    stamps = [p.built_at for p in synced.values()]
    if full or not stamps or None in stamps:
        return _stamps(warehouse.built_at(mart, in_range))
    watermark = max(s for s in stamps if s is not None)
    rebuilt = warehouse.built_at(mart, in_range, after=watermark)
    kept = {dt: p for dt, p in synced.items() if dt not in rebuilt}
    expected = sum(r.row_count for r in rebuilt.values()) + sum(
        p.fingerprint.row_count for p in kept.values()
    )
    if warehouse.row_count(mart, in_range) != expected:
        return _stamps(warehouse.built_at(mart, in_range))
    return {dt: p.built_at for dt, p in kept.items() if p.built_at} | _stamps(rebuilt)


def _stamps(rebuilds: dict[date, Rebuild]) -> dict[date, datetime]:
    return {dt: rebuild.built_at for dt, rebuild in rebuilds.items()}


def _rebuilt(synced: SyncedPartition | None, built_at: datetime) -> bool:
    return synced is None or synced.built_at != built_at


def _differs(synced: SyncedPartition | None, fingerprint: Fingerprint) -> bool:
    return synced is None or synced.fingerprint != fingerprint
