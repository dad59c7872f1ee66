"""Realtime benchmark: Flink job steady-state throughput and event -> realtime-table latency.

1. Throughput: the real Flink job (its own venv, mini-cluster, filesystem source and sink,
   bounded read) over N events (default 1,000,000, one hour of event time, 12 providers),
   ``--repeats`` times (default 3). The rate is measured from the sink's own timestamps: every
   window row carries ``emitted_at`` (the job's clock when it left), and a minute's window is
   emitted once the source has read past it, so events/s = events of the minutes between the
   10th and 90th percentile of the hour / time between their emissions. Start-up, planning
   and the end-of-input flush are outside that span. Prints min / median against the
   100k events/s aim. ``--variants`` also runs parallelism 2, a 60 s checkpoint interval,
   the RocksDB state backend and the non-streaming JSON decoder, as ratios to the baseline.
2. Latency: ``run_stream`` (feeder + Flink + processor into SQLite) while a writer replays
   events at a fixed rate (default 2,000 events/s) with event time = now. Reports p50/p99 of
   window end -> visible in the realtime table (aim <= 15 s) and of event -> visible (aim <=
   the 1-minute window + 15 s).

    PYTHONPATH=. .venv/bin/python benchmarks/stream.py [--events N] [--repeats R] [--variants]
        [--rate R] [--minutes M] [--skip-throughput] [--skip-latency]
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
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
THROUGHPUT_AIM = 100_000  # events/s
WINDOW_SECONDS = 60
LATENCY_BUDGET = 15.0  # s after the window closes

# name -> (JobConfig overrides, SourceConfig overrides)
VARIANTS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "baseline (parallelism 1, checkpoint 2 s, hashmap state, streaming JSON parser)": ({}, {}),
    "parallelism 2": ({"parallelism": "2"}, {}),
    "checkpoint interval 60 s": ({"checkpoint.interval.seconds": "60"}, {}),
    "RocksDB state backend": ({"flink.state.backend.type": "rocksdb"}, {}),
    "JSON decoded via JsonNode (json-parser off)": (
        {},
        {"json.decode.json-parser.enabled": "false"},
    ),
}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} (1/5 min, {os.cpu_count()} cores)"


def events(count: int, start: datetime, per_second: float, seed: int = 7) -> Iterator[str]:
    """Contract-shaped sales, in time order with up to 2 s of jitter (inside the 5 s bound)."""
    rng = random.Random(seed)
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
        yield event_line(event)


@dataclass(frozen=True)
class Run:
    wall_seconds: float
    rows: int
    events_windowed: int
    steady_rate: float  # events/s between the 10th and 90th percentile minute


def sink_rows(sink: Path) -> list[dict[str, Any]]:
    rows = []
    for part in sink.rglob("part-*"):
        if part.is_file():
            rows += [json.loads(line) for line in part.read_text().splitlines() if line]
    return rows


def steady_rate(rows: list[dict[str, Any]]) -> tuple[float, int]:
    """Events/s from the emission times of the provider windows, minutes p10..p90."""
    per_minute: dict[str, int] = defaultdict(int)
    emitted: dict[str, datetime] = {}
    for row in rows:
        if row["record_type"] != "provider_minute":
            continue
        minute, moment = row["window_start"], datetime.fromisoformat(row["emitted_at"])
        per_minute[minute] += int(row["transactions"])
        emitted[minute] = max(moment, emitted.get(minute, moment))
    minutes = sorted(per_minute)
    first, last = minutes[len(minutes) // 10], minutes[len(minutes) * 9 // 10]
    counted = sum(per_minute[m] for m in minutes if first < m <= last)
    seconds = (emitted[last] - emitted[first]).total_seconds()
    return counted / seconds, sum(per_minute.values())


def bounded_run(
    root: Path, input_file: Path, python: Path, job: dict[str, str], source: dict[str, str]
) -> Run:
    folder, sink, checkpoints = root / "in", root / "out", root / "ck"
    for path in (folder, sink, checkpoints):
        path.mkdir(parents=True)
    os.link(input_file, folder / input_file.name)
    groups = local_property_groups(folder, sink, checkpoints)
    groups[0]["PropertyMap"].update(job)
    groups[1]["PropertyMap"].update({"monitor.interval.seconds": "0", **source})  # bounded
    properties = root / "properties.json"
    properties.write_text(json.dumps(groups))
    command = [str(python), "-m", "puntored.streaming.flink_job.main", "--properties"]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    started = time.perf_counter()
    subprocess.run(
        [*command, str(properties)], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True
    )
    wall = time.perf_counter() - started
    rows = sink_rows(sink)
    rate, windowed = steady_rate(rows)
    return Run(wall, len(rows), windowed, rate)


def throughput(count: int, repeats: int, variants: bool, python: Path) -> None:
    start = datetime(2026, 11, 3, 13, 0, tzinfo=UTC)
    chosen = VARIANTS if variants else dict(list(VARIANTS.items())[:1])
    medians: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        input_file = Path(tmp) / "events-000000.jsonl"
        print(f"writing {count:,} events ...", flush=True)
        with input_file.open("w") as out:
            for line in events(count, start, per_second=count / 3600):  # one hour
                out.write(line + "\n")
        for number, (name, (job, source)) in enumerate(chosen.items()):
            rates = []
            for repeat in range(repeats):
                root = Path(tmp) / f"v{number}-{repeat}"
                run = bounded_run(root, input_file, python, job, source)
                if run.events_windowed != count:
                    raise SystemExit(f"{name}: windowed {run.events_windowed:,} of {count:,}")
                rates.append(run.steady_rate)
                print(f"  {name}, run {repeat + 1}: {run.steady_rate:,.0f} events/s steady, "
                      f"{run.wall_seconds:.1f} s wall incl. start-up, {run.rows:,} rows; "
                      f"{load()}", flush=True)  # fmt: skip
            medians[name] = statistics.median(rates)
            baseline = next(iter(medians.values()))
            print(f"{name}: min {min(rates):,.0f}, median {medians[name]:,.0f} events/s over "
                  f"{repeats} runs; median {medians[name] / THROUGHPUT_AIM:.2f}x the 100k aim "
                  f"({'met' if min(rates) >= THROUGHPUT_AIM else 'not met'}); "
                  f"{medians[name] / baseline:.2f}x the baseline median", flush=True)  # fmt: skip


def quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def latency(rate: int, minutes: float, python: Path) -> None:
    print(f"latency: replay at {rate:,} events/s for {minutes} min; {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        settings = Settings(data_dir=Path(tmp), flink_python=python, database_url=None)
        upgrade(settings.serving_database_url)
        events_dir = settings.stream_dir / "events"
        events_dir.mkdir(parents=True)
        stop = threading.Event()
        written: list[tuple[str, datetime, float]] = []  # provider, event_at, written at
        seen: dict[tuple[str, datetime], float] = {}

        def writer() -> None:
            sequence = 0
            while not stop.is_set():
                second_start = time.time()
                lines = list(events(rate, datetime.now(UTC), per_second=rate, seed=sequence))
                target = events_dir / f"events-{sequence:06d}.jsonl"
                temporary = events_dir / f".{target.name}.tmp"
                temporary.write_text("\n".join(lines) + "\n")
                temporary.rename(target)
                now = time.time()
                for line in lines:
                    event = json.loads(line)
                    moment = datetime.fromisoformat(event["event_at"].replace("Z", "+00:00"))
                    written.append((event["provider_id"], moment, now))
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
                        seen.setdefault((provider, start.replace(tzinfo=UTC)), time.time())
                time.sleep(0.2)
            engine.dispose()

        def done() -> bool:  # `minutes` of steady replay after the first window came out
            ready = min(list(seen.values()), default=None)
            return stop.is_set() or (ready is not None and time.time() > ready + minutes * 60)

        threads = [threading.Thread(target=writer), threading.Thread(target=watcher)]
        for thread in threads:
            thread.start()
        try:
            run_stream(settings, should_stop=done)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    if not seen:
        print("latency: no window became visible")
        return
    # Only windows that started once the job was producing: the start-up backlog is not
    # steady-state latency.
    ready = min(seen.values())
    steady = {key: t for key, t in seen.items() if key[1].timestamp() >= ready}
    window_delays = [t - (start.timestamp() + WINDOW_SECONDS) for (_, start), t in steady.items()]
    event_delays = []
    for provider, moment, _ in written:
        key = (provider, moment.replace(second=0, microsecond=0))
        if key in steady:
            event_delays.append(steady[key] - moment.timestamp())
    if not window_delays:
        print("latency: no steady-state window (run longer: --minutes)")
        return
    aim = WINDOW_SECONDS + LATENCY_BUDGET
    p50, p99 = statistics.median(window_delays), quantile(window_delays, 99)
    print(f"window end -> realtime table ({len(steady)} provider windows): p50 {p50:.1f} s, "
          f"p99 {p99:.1f} s; aim <= {LATENCY_BUDGET:.0f} s: "
          f"{'met' if p99 <= LATENCY_BUDGET else 'not met'}")  # fmt: skip
    e50, e99 = statistics.median(event_delays), quantile(event_delays, 99)
    print(f"event -> realtime table ({len(event_delays):,} events in visible windows): "
          f"p50 {e50:.1f} s, p99 {e99:.1f} s; aim <= window + 15 s = {aim:.0f} s: "
          f"{'met' if e99 <= aim else 'not met'}; {load()}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants", action="store_true")
    parser.add_argument("--rate", type=int, default=2_000)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    python = flink_python(Settings())
    if not args.skip_throughput:
        throughput(args.events, args.repeats, args.variants, python)
    if not args.skip_latency:
        latency(args.rate, args.minutes, python)


if __name__ == "__main__":
    sys.exit(main())
