"""Helpers for the real-Flink timing tests: crafted event files, the Flink job as a thread, and
the per-minute realtime rows recomputed from the event files fed (dedup by transaction_id)."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from puntored.contract.transaction import required_field_names
from puntored.database.engine import transaction
from puntored.database.models import (
    PipelineStatus,
    RealtimeLateEvents,
    RealtimeProviderMinute,
    RealtimeProviderProductMinute,
)
from puntored.settings import PROJECT_ROOT, Settings
from puntored.streaming.events import sale, write_event_file
from puntored.streaming.runner import FlinkJob, StreamResult, run_stream

PRODUCTS = {
    "claro": ("claro_topup", "claro_data_7d"),
    "movistar": ("movistar_topup",),
    "tigo": ("tigo_topup", "tigo_bills"),
}
STATUSES = ["approved"] * 8 + ["rejected", "failed"]
MEASURES = (
    "transactions", "approved", "rejected", "failed", "reversed",
    "gross_amount", "reversed_amount", "net_amount", "commission",
)  # fmt: skip
WAIT_SECONDS = 600.0


def flink_python() -> Path:
    configured = os.environ.get("PUNTORED_FLINK_PYTHON")
    candidate = Path(configured) if configured else PROJECT_ROOT / ".venv-flink" / "bin" / "python"
    if not candidate.exists():
        message = f"Flink environment not found at {candidate} (run `make flink-venv`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return candidate


class EventSource:
    """Time-ordered files of sales (up to 2 s of jitter, inside the 5 s bound), approved
    reversals of earlier sales and re-sent duplicates right after their original."""

    def __init__(self, folder: Path, start: datetime, seed: int) -> None:
        self.folder, self.clock, self.rng = folder, start, random.Random(seed)
        self.number = 0
        self.approved: list[dict[str, Any]] = []

    def next_file(self, events: int, seconds: float) -> Path:
        rows: list[dict[str, Any]] = []
        for i in range(events):
            moment = self.clock + timedelta(seconds=seconds * i / events)
            moment -= timedelta(seconds=self.rng.uniform(0, 2))
            provider = self.rng.choice(sorted(PRODUCTS))
            tid = f"f{self.number}-{i}"
            if self.approved and self.rng.random() < 0.05:
                original = self.approved.pop(self.rng.randrange(len(self.approved)))
                event = sale(
                    f"rev-{tid}", moment, provider_id=original["provider_id"],
                    product_id=original["product_id"], event_type="reversal",
                    reversed_transaction_id=original["transaction_id"],
                    amount=str(original["amount"]), commission=str(original["commission"]),
                )  # fmt: skip
            else:
                event = sale(
                    tid, moment, provider_id=provider,
                    product_id=self.rng.choice(PRODUCTS[provider]),
                    status=self.rng.choice(STATUSES),
                    amount=f"{self.rng.randrange(1, 200) * 500}.00",
                    commission=f"{self.rng.randrange(1, 900)}.25",
                    latency_ms=self.rng.randrange(20, 4000),
                )  # fmt: skip
                if event["status"] == "approved":
                    self.approved.append(event)
            rows.append(event)
            if self.rng.random() < 0.03:
                rows.append(dict(event))  # re-sent
        self.clock += timedelta(seconds=seconds)
        return self.write(rows)

    def write(self, rows: Iterable[dict[str, Any]], raw_lines: Iterable[str] = ()) -> Path:
        path = self.folder / f"events-{self.number:06d}.jsonl"
        self.number += 1
        write_event_file(path, rows)
        if raw_lines:  # e.g. lines that are not JSON
            extra = "".join(f"{line}\n" for line in raw_lines)
            temporary = path.with_name(f".{path.name}.extra")
            temporary.write_text(path.read_text() + extra)
            os.replace(temporary, path)
        return path

    def tick(self, provider: str = "claro") -> datetime:
        """One event 10 s into the next-but-one minute: every earlier window closes."""
        minute = (self.clock + timedelta(minutes=1)).replace(second=0, microsecond=0)
        moment = minute + timedelta(seconds=10)
        self.write([sale(f"tick-{self.number}", moment, provider_id=provider)])
        self.clock = moment
        return minute


def fed_events(folder: Path) -> list[dict[str, Any]]:
    """Every valid event of the folder's files, in feed order, first copy per transaction_id."""
    seen: set[str] = set()
    events = []
    required = required_field_names()
    for path in sorted(folder.glob("events-*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                event = json.loads(line, parse_float=Decimal)
            except ValueError:
                continue
            if any(event.get(name) is None for name in required):
                continue
            if event["transaction_id"] in seen:
                continue
            seen.add(event["transaction_id"])
            events.append(event)
    return events


def _minute(event: dict[str, Any]) -> datetime:
    moment = datetime.fromisoformat(event["event_at"].replace("Z", "+00:00"))
    return moment.replace(second=0, microsecond=0)


def recompute(
    events: Iterable[dict[str, Any]], before: datetime, late_ids: set[str] = frozenset()
) -> dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]:
    """Per provider-minute and provider-product-minute measures of the windows before
    ``before``, as the job defines them; and the late events per provider-minute."""
    levels: dict[str, dict[tuple[Any, ...], list[Any]]] = {
        "provider": defaultdict(lambda: [0, 0, 0, 0, 0, Decimal(0), Decimal(0), Decimal(0)]),
        "product": defaultdict(lambda: [0, 0, 0, 0, 0, Decimal(0), Decimal(0), Decimal(0)]),
    }
    late: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for event in events:
        minute = _minute(event)
        amount, commission = Decimal(event["amount"]), Decimal(event["commission"])
        if event["transaction_id"] in late_ids:
            late[(event["provider_id"], minute)][0] += 1
            late[(event["provider_id"], minute)][1] += amount
            continue
        if minute >= before:
            continue
        keys = {
            "provider": (event["provider_id"], minute),
            "product": (event["provider_id"], event["product_id"], minute),
        }
        for level, key in keys.items():
            row = levels[level][key]
            approved = event["status"] == "approved"
            if event["event_type"] == "sale":
                row[0] += 1
                row[{"approved": 1, "rejected": 2, "failed": 3}[event["status"]]] += 1
                if approved:
                    row[5] += amount
                    row[7] += commission
            elif approved:
                row[4] += 1
                row[6] += amount
                row[7] -= commission
    result: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = {}
    for level, rows in levels.items():
        result[level] = {
            key: (t, a, r, f, rv, gross, rev, gross - rev, comm)
            for key, (t, a, r, f, rv, gross, rev, comm) in rows.items()
        }
    result["late"] = {key: (n, amount) for key, (n, amount) in late.items()}
    return result


def realtime_rows(engine: Engine) -> dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]:
    def measures(row: Any) -> tuple[Any, ...]:
        return tuple(getattr(row, name) for name in MEASURES)

    with transaction(engine) as session:
        return {
            "provider": {
                (r.provider_id, r.window_start.replace(tzinfo=UTC)): measures(r)
                for r in session.scalars(select(RealtimeProviderMinute))
            },
            "product": {
                (r.provider_id, r.product_id, r.window_start.replace(tzinfo=UTC)): measures(r)
                for r in session.scalars(select(RealtimeProviderProductMinute))
            },
            "late": {
                (r.provider_id, r.window_start.replace(tzinfo=UTC)): (r.late_events, r.late_amount)
                for r in session.scalars(select(RealtimeLateEvents))
            },
        }


def status_details(engine: Engine) -> dict[str, Any]:
    with transaction(engine) as session:
        status = session.get(PipelineStatus, "realtime")
        return dict(status.details or {}) if status is not None else {}


class StreamThread:
    """``run_stream`` in a thread (as ``puntored stream`` runs it), with its Flink job."""

    def __init__(self, settings: Settings) -> None:
        self.stop_event = threading.Event()
        self.result: StreamResult | None = None
        self.error: BaseException | None = None
        self.job: FlinkJob | None = None
        self.thread = threading.Thread(target=self._run, args=(settings,), daemon=True)
        self.thread.start()

    def _run(self, settings: Settings) -> None:
        try:
            self.result = run_stream(
                settings, should_stop=self.stop_event.is_set, on_job_started=self._started
            )
        except BaseException as error:
            self.error = error

    def _started(self, job: FlinkJob) -> None:
        self.job = job

    def jvm_pid(self) -> int:
        """The mini-cluster's JVM: the java process in the job's process group."""
        assert self.job is not None
        group = self.job.process.pid
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            if name == "java" and int(fields[2]) == group:
                return int(stat.parent.name)
        raise AssertionError("no JVM found in the Flink job's process group")

    def stall(self, seconds: float) -> None:
        pid = self.jvm_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(seconds)
        finally:
            os.kill(pid, signal.SIGCONT)

    def stop(self) -> StreamResult:
        self.stop_event.set()
        self.thread.join(120)
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def wait_for(condition: Callable[[], bool], stream: StreamThread, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if stream.error is not None:
            raise stream.error
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def differences(engine: Engine, events: Path, before: datetime, late_ids: set[str]) -> list[str]:
    """Where the realtime tables differ from the recomputation (empty when exact)."""
    expected = recompute(fed_events(events), before, late_ids)
    actual = realtime_rows(engine)
    found = []
    for level in ("provider", "product", "late"):
        for key in sorted(expected[level].keys() | actual[level].keys()):
            want, got = expected[level].get(key), actual[level].get(key)
            if want != got:
                found.append(f"{level} {key}: expected {want}, realtime {got}")
    return found
