"""Provider API benchmark: a realistic year in PostgreSQL, the app on uvicorn, a fixed-rate
load from a second process.

    python benchmarks/api.py [--rate 200] [--seconds 30] [--database-url URL]

1. Creates a fresh PostgreSQL database and loads one year for every provider (16) with SQL
   ``generate_series``: daily and product rows for every day, point-of-sale rows for a
   subset of the 5,000 points of sale per provider per day, a day of realtime windows and
   alerts. The database is dropped at the end.
2. Starts ``uvicorn puntored.api.server:app_from_settings`` (one worker) in a subprocess.
3. For each endpoint, a second process sends requests at a fixed rate (open loop: a request
   is sent at its scheduled time whether or not earlier ones have returned; latency is measured
   from the scheduled time, so queueing counts) for ``--seconds``, with random providers and
   date ranges so most daily requests miss the in-process cache. It prints achieved rps, p50,
   p99, errors, and the same for ``/health`` on the same server, the ceiling, as ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR_START = date(2025, 1, 1)
DAYS = 365
CLIENTS_PER_PROVIDER_DAY = 400  # of 5,000 points of sale; ~2.3 M point-of-sale rows a year
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

MEASURES = """
  t, t - t / 10, t / 20, t / 10 - t / 20, t / 200,
  (t - t / 10)::float8 / t,
  (t - t / 10) * 25000.00, (t / 200) * 25000.00,
  (t - t / 10) * 25000.00 - (t / 200) * 25000.00,
  round((t - t / 10) * 25000.00 * 0.045, 2), 25000.00"""


def load_sql() -> list[tuple[str, str]]:
    """(label, SQL) steps that fill the serving tables for one year."""
    start = f"date '{YEAR_START}'"
    return [
        (
            "providers, products, clients (seeds)",
            "-- loaded from seeds/ by load_dimensions()",
        ),
        (
            "provider_daily_metrics",
            f"""insert into provider_daily_metrics
            select provider_id, {MEASURES}, 4000 + (abs(hashtext(provider_id)) % 1000),
                   150, 900, {start} + d
            from providers, generate_series(0, {DAYS - 1}) d,
                 lateral (select 20000 + (abs(hashtext(provider_id || d)) % 20000) as t) v""",
        ),
        (
            "provider_product_daily_metrics",
            f"""insert into provider_product_daily_metrics
            select provider_id, product_id, {MEASURES}, 2000, 150, 900, {start} + d
            from products, generate_series(0, {DAYS - 1}) d,
                 lateral (select 5000 + (abs(hashtext(product_id || d)) % 9000) as t) v""",
        ),
        (
            "provider_client_daily_metrics",
            f"""insert into provider_client_daily_metrics
            select provider_id, 'PDV' || lpad(c::text, 6, '0'), {MEASURES}, 150, 900,
                   {start} + d
            from providers, generate_series(0, {DAYS - 1}) d,
                 generate_series(1, {CLIENTS_PER_PROVIDER_DAY}) n,
                 lateral (select 1 + ((n * 12 + d * 7 + abs(hashtext(provider_id)) % 97)
                                      % 5000) as c,
                                 1 + (abs(hashtext(provider_id || n || d)) % 60) as t) v""",
        ),
        (
            "realtime (one day of minutes per provider and product)",
            """insert into realtime_provider_minute
            select provider_id, date_trunc('minute', now()) - make_interval(mins => m),
                   date_trunc('minute', now()) - make_interval(mins => m - 1),
                   40, 38, 1, 1, 0, 950000.00, 0, 950000.00, 42750.00, 900, now()
            from providers, generate_series(1, 1440) m;
            insert into realtime_provider_product_minute
            select provider_id, product_id,
                   date_trunc('minute', now()) - make_interval(mins => m),
                   date_trunc('minute', now()) - make_interval(mins => m - 1),
                   15, 14, 1, 0, 0, 350000.00, 0, 350000.00, 15750.00, 900, now()
            from products, generate_series(1, 1440) m""",
        ),
        (
            "alerts, pipeline status",
            f"""insert into alerts (provider_id, product_id, alert_type, severity, status,
                                opened_at, first_window_start, last_window_start, message)
            select provider_id, null, 'volume_drop', 'warning',
                   case when a % 9 = 0 then 'open' else 'resolved' end,
                   now() - make_interval(hours => a), now(), now(), 'volume below usual'
            from providers, generate_series(1, 500) a;
            insert into pipeline_status (stage, last_dt, last_run_at)
            values ('land', {start} + {DAYS - 1}, now()), ('transform', {start} + {DAYS - 1},
                    now()), ('sync', {start} + {DAYS - 1}, now())""",
        ),
    ]


def create_database(admin_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"puntored_bench_api_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def load_dimensions(connection) -> None:  # type: ignore[no-untyped-def]
    raw = connection.connection.driver_connection  # psycopg 3: COPY the seed CSVs
    with raw.cursor() as cursor:
        for table in ("providers", "products", "clients"):
            with (ROOT / "seeds" / f"{table}.csv").open("rb") as handle:
                header = handle.readline().decode().strip()
                with cursor.copy(f"copy {table} ({header}) from stdin with (format csv)") as copy:
                    copy.write(handle.read())


def load_year(url: str) -> dict[str, float]:
    from rich.progress import Progress
    from sqlalchemy import text

    from puntored.database.engine import make_engine
    from puntored.database.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    timings: dict[str, float] = {}
    steps = load_sql()
    with Progress(transient=True) as progress, engine.begin() as connection:
        task = progress.add_task("loading a year", total=len(steps))
        for label, sql in steps:
            started = time.perf_counter()
            if sql.startswith("--"):
                load_dimensions(connection)
            else:
                for statement in sql.split(";"):
                    connection.execute(text(statement))
            timings[label] = time.perf_counter() - started
            progress.advance(task)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("vacuum analyze"))
        counts = {
            table: connection.execute(text(f"select count(*) from {table}")).scalar_one()
            for table in (
                "provider_daily_metrics",
                "provider_product_daily_metrics",
                "provider_client_daily_metrics",
                "realtime_provider_minute",
            )
        }
    engine.dispose()
    print("rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
    return timings


def create_keys(url: str) -> dict[str, str]:
    from sqlalchemy import select

    from puntored.api.auth.keys import create_key
    from puntored.database.engine import make_engine, transaction
    from puntored.database.models import Provider

    engine = make_engine(url)
    with transaction(engine) as session:
        providers = list(session.scalars(select(Provider.provider_id)))
        keys = {p: create_key(session, provider_id=p, name="bench").key for p in providers}
    engine.dispose()
    return keys


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PUNTORED_DATABASE_URL": url,
        "PUNTORED_API_RATE_LIMIT_PER_SECOND": "100000",
        "PUNTORED_API_RATE_LIMIT_BURST": "100000",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable, "-m", "uvicorn", "puntored.api.server:app_from_settings", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    import httpx

    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill()
    raise SystemExit("the API server did not become ready")


# --- the load generator (runs in its own process) ------------------------------------------


def request_paths(endpoint: str, keys: dict[str, str], rng: random.Random) -> tuple[str, str]:
    provider = rng.choice(sorted(keys))
    start = YEAR_START + timedelta(days=rng.randrange(DAYS - 31))
    month = f"from={start}&to={start + timedelta(days=30)}"
    week = f"from={start}&to={start + timedelta(days=6)}"
    base = f"/v1/providers/{provider}"
    paths = {
        "/health": "/health",
        "daily (31 days)": f"{base}/metrics/daily?{month}",
        "products (31 days)": f"{base}/metrics/products?{month}",
        "clients (7 days, top 50)": f"{base}/metrics/clients?{week}&limit=50",
        "realtime (60 min)": f"{base}/realtime?minutes=60",
        "realtime/products (60 min)": f"{base}/realtime/products?minutes=60",
        "alerts (open)": f"{base}/alerts?status=open",
        "freshness": f"{base}/freshness",
    }
    return paths[endpoint], keys[provider]


async def drive(
    port: int, endpoint: str, keys: dict[str, str], rate: float, seconds: float
) -> dict:  # type: ignore[type-arg]
    import httpx

    rng = random.Random(endpoint)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=10
    ) as client:

        async def one(scheduled: float) -> None:
            nonlocal errors
            path, key = request_paths(endpoint, keys, rng)
            try:
                response = await client.get(path, headers={"X-API-Key": key})
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - scheduled)
            else:
                errors += 1

        tasks = []
        started = time.perf_counter()
        total = int(rate * seconds)
        for index in range(total):
            scheduled = started + index / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "endpoint": endpoint,
        "requests": total,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "errors": errors,
    }


def run_driver(port: int, endpoint: str, keys_file: str, rate: float, seconds: float) -> dict:  # type: ignore[type-arg]
    command = [
        sys.executable, __file__, "--drive", endpoint, "--port", str(port),
        "--keys-file", keys_file, "--rate", str(rate), "--seconds", str(seconds),
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


ENDPOINTS = [
    "/health",
    "daily (31 days)",
    "products (31 days)",
    "clients (7 days, top 50)",
    "realtime (60 min)",
    "realtime/products (60 min)",
    "alerts (open)",
    "freshness",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="per endpoint")
    parser.add_argument(
        "--database-url", default=os.environ.get("PUNTORED_BENCH_ADMIN_URL", ADMIN_URL)
    )
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--keys-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    if args.drive:
        keys = json.loads(Path(args.keys_file).read_text())
        result = asyncio.run(drive(args.port, args.drive, keys, args.rate, args.seconds))
        print(json.dumps(result))
        return

    url = create_database(args.database_url)
    server = None
    try:
        started = time.perf_counter()
        timings = load_year(url)
        print(
            f"loaded a year in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in timings.items())
        )
        keys = create_keys(url)
        keys_file = Path(f"/tmp/puntored-bench-keys-{os.getpid()}.json")
        keys_file.write_text(json.dumps(keys))
        port = free_port()
        server = start_server(url, port)
        print(
            f"uvicorn (1 worker) on port {port}; "
            f"{args.rate:g} rps for {args.seconds:g} s per endpoint"
        )
        print_header()
        results: list[dict] = []  # type: ignore[type-arg]
        for endpoint in ENDPOINTS:  # rows print as they finish: a cut-short run still reports
            results.append(run_driver(port, endpoint, str(keys_file), args.rate, args.seconds))
            print_row(results[-1], results[0])
        keys_file.unlink()
        print_verdict(results, args.rate)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        drop_database(args.database_url, url)


def print_header() -> None:
    print(
        f"\n{'endpoint':<28} {'rps':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'p50/health':>11} {'p99/health':>11}"
    )


def print_row(r: dict, ceiling: dict) -> None:  # type: ignore[type-arg]
    print(
        f"{r['endpoint']:<28} {r['rps']:>7.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
        f"{r['errors']:>7} {r['p50_ms'] / ceiling['p50_ms']:>11.2f} "
        f"{r['p99_ms'] / ceiling['p99_ms']:>11.2f}"
    )


def print_verdict(results: list[dict], rate: float) -> None:  # type: ignore[type-arg]
    target = [r for r in results if r["endpoint"].startswith(("daily", "products"))]
    met = all(r["p99_ms"] <= 20 and r["errors"] == 0 for r in target)
    print(
        f"\naim p99 <= 20 ms, 0 errors at {rate:g} rps on daily and products: "
        f"{'met' if met else 'NOT met'}"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
