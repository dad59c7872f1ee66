"""Realtime benchmark: Flink job throughput and event -> realtime-table latency.

1. Throughput: the real Flink job (its own venv, mini-cluster, filesystem source and sink,
   bounded read) over N events (default 1,000,000) of 12 providers; the same job over 10
   events in the same run is the start-up baseline, so events/s = N / (T_N - T_tiny).
2. Latency: ``run_stream`` (feeder + Flink + processor into SQLite) while a writer replays
   events at a fixed rate (default 2,000 events/s) with event time = now. Reports, per window
   row, window_end -> visible-in-table, and over events, event written -> visible.

    PYTHONPATH=. .venv/bin/python benchmarks/stream.py [--events N] [--rate R] [--minutes M]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from puntored.database.engine import make_engine, transaction
from puntored.database.migrate import upgrade
from puntored.database.models import RealtimeProviderMinute
from puntored.settings import PROJECT_ROOT, Settings
from puntored.streaming.events import event_line, sale
from puntored.streaming.flink_job.config import local_property_groups
from puntored.streaming.runner import flink_python, run_stream

PROVIDERS = [f"prov{i:02d}" for i in range(12)]
STATUSES = ["approved"] * 90 + ["rejected"] * 7 + ["failed"] * 3


def event_lines(count: int, start: datetime, per_second: float, seed: int = 7) -> list[str]:
    """Contract-shaped sales, in time order with up to 2 s of jitter (inside the 5 s bound)."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        provider = rng.choice(PROVIDERS)
        moment = start + timedelta(seconds=i / per_second + rng.uniform(-2, 0))
        event = sale(
            f"b{seed}-{i}",
            moment,
            provider_id=provider,
            product_id=f"{provider}_p{rng.randrange(4)}",
            status=rng.choice(STATUSES),
            amount=f"{rng.randrange(1, 100) * 1000}.00",
            commission=f"{rng.randrange(10, 3000)}.00",
            latency_ms=rng.randrange(50, 3000),
        )
        lines.append(event_line(event))
    return lines


def timed_flink_run(root: Path, lines: list[str], python: Path) -> tuple[float, int]:
    """Wall time of one bounded job run, and the number of result rows it wrote."""
    source, sink, checkpoints = root / "in", root / "out", root / "ck"
    for folder in (source, sink, checkpoints):
        folder.mkdir(parents=True)
    (source / "events-000000.jsonl").write_text("\n".join(lines) + "\n")
    properties = root / "properties.json"
    groups = local_property_groups(source, sink, checkpoints)
    groups[1]["PropertyMap"]["monitor.interval.seconds"] = "0"  # bounded read
    properties.write_text(json.dumps(groups))
    command = [
        str(python),
        "-m",
        "puntored.streaming.flink_job.main",
        "--properties",
        str(properties),
    ]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    rows = sum(len(p.read_text().splitlines()) for p in sink.rglob("part-*") if p.is_file())
    return seconds, rows


def throughput(events: int, python: Path) -> None:
    start = datetime(2026, 11, 3, 13, 0, tzinfo=UTC)
    print(f"writing {events:,} events ...", flush=True)
    big = event_lines(events, start, per_second=events / 3600)  # one hour of event time
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        tiny_seconds, _ = timed_flink_run(Path(tmp) / "tiny", big[:10], python)
        big_seconds, rows = timed_flink_run(Path(tmp) / "big", big, python)
    processing = big_seconds - tiny_seconds
    rate = events / processing
    print(f"flink start-up baseline (10 events): {tiny_seconds:.1f} s")
    print(f"flink job over {events:,} events: {big_seconds:.1f} s wall, {rows:,} result rows")
    print(f"throughput: {rate:,.0f} events/s (excluding start-up); "
          f"{rate / 100_000:.2f}x the 100k events/s target")  # fmt: skip


def latency(rate: int, minutes: float, python: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        settings = Settings(data_dir=Path(tmp), flink_python=python, database_url=None)
        upgrade(settings.serving_database_url)
        events_dir = settings.stream_dir / "events"
        events_dir.mkdir(parents=True)
        stop = threading.Event()
        written: list[tuple[float, datetime]] = []  # (wall time written, window start)
        seen: dict[tuple[str, datetime], float] = {}

        def writer() -> None:
            number, sequence = 0, 0
            while not stop.is_set():
                second_start = time.time()
                now = datetime.now(UTC)
                lines = event_lines(rate, now, per_second=rate, seed=sequence)
                target = events_dir / f"events-{sequence:06d}.jsonl"
                temporary = events_dir / f".{target.name}.tmp"
                temporary.write_text("\n".join(lines) + "\n")
                temporary.rename(target)
                window = now.replace(second=0, microsecond=0)
                written.append((time.time(), window))
                number += rate
                sequence += 1
                time.sleep(max(0.0, 1.0 - (time.time() - second_start)))

        def watcher() -> None:
            engine = make_engine(settings.serving_database_url)
            while not stop.is_set():
                with transaction(engine) as session:
                    for provider, start in session.execute(
                        select(RealtimeProviderMinute.provider_id,
                               RealtimeProviderMinute.window_start)
                    ):  # fmt: skip
                        key = (provider, start.replace(tzinfo=UTC))
                        seen.setdefault(key, time.time())
                time.sleep(0.2)
            engine.dispose()

        threads = [threading.Thread(target=writer), threading.Thread(target=watcher)]
        for thread in threads:
            thread.start()
        run_stream(settings, duration=minutes * 60 + 20, should_stop=stop.is_set)
        stop.set()
        for thread in threads:
            thread.join()
    window_delays = [
        t - (start + timedelta(minutes=1)).timestamp() for (_, start), t in seen.items()
    ]
    first_seen = {}
    for (_, start), t in seen.items():
        first_seen[start] = min(t, first_seen.get(start, t))
    event_delays = [first_seen[w] - t for t, w in written if w in first_seen]
    if not window_delays:
        print("latency: no window became visible (see <data>/stream/flink.log)")
        return
    q = statistics.quantiles
    print(f"replay at {rate:,} events/s for {minutes} min: {len(seen)} window rows visible")
    print(f"window end -> realtime table: p50 {statistics.median(window_delays):.1f} s, "
          f"p99 {q(window_delays, n=100)[98] if len(window_delays) > 1 else window_delays[0]:.1f} s"
          f" (budget 15 s)")  # fmt: skip
    print(
        f"event written -> realtime table: p50 {statistics.median(event_delays):.1f} s, "
        f"p99 {q(event_delays, n=100)[98]:.1f} s (includes waiting for the 1-minute window)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rate", type=int, default=2_000)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    python = flink_python(Settings())
    if not args.skip_throughput:
        throughput(args.events, python)
    if not args.skip_latency:
        latency(args.rate, args.minutes, python)


if __name__ == "__main__":
    sys.exit(main())
