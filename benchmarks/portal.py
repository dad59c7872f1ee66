"""Portal page cost against the API's own JSON, on an existing data root (after ``make demo``).

    python benchmarks/portal.py [--provider claro] [--runs 5] [--requests 40]

Serves the app on a free local port, creates a key of the provider (revoked at the end) and, for
each portal page and for the baseline ``GET /v1/providers/{id}/metrics/daily`` (same default
range), sends ``--requests`` sequential requests, ``--runs`` times, interleaved. Prints the best
run's mean latency per request and its ratio to the baseline, with the load average: a page
costs its queries plus rendering, and the ratio says what the page adds to the API's own call.
The API's daily JSON is cached in-process (30 s), so the baseline is a cache hit after the
first request; the portal renders every time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from puntored.api.auth.manage import create_api_key, revoke_api_key
from puntored.api.main import create_app
from puntored.api.server import background_server
from puntored.settings import get_settings

PAGES = ("", "/products", "/points-of-sale", "/realtime", "/alerts", "/reports")


def _mean_seconds(client: httpx.Client, path: str, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        response = client.get(path)
        response.raise_for_status()
    return (time.perf_counter() - started) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", default="claro")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    settings = get_settings()
    key = create_api_key(settings, args.provider, name="benchmark")
    # A generous rate limit: the benchmark measures rendering, not the limiter.
    app = create_app(
        settings.model_copy(
            update={"api_rate_limit_per_second": 1e6, "api_rate_limit_burst": 1_000_000}
        )
    )
    api = f"/v1/providers/{args.provider}/metrics"
    paths = {"API daily (baseline)": f"{api}/daily", "API clients (page 1)": f"{api}/clients"}
    paths |= {f"portal {page or '/'}": f"/portal/providers/{args.provider}{page}" for page in PAGES}
    best = dict.fromkeys(paths, float("inf"))
    try:
        with background_server(app) as base_url, httpx.Client(base_url=base_url) as client:
            client.headers["X-API-Key"] = key.key
            client.cookies.set("puntored_portal_key", key.key, path="/portal")
            for _ in range(args.runs):
                for name, path in paths.items():
                    best[name] = min(best[name], _mean_seconds(client, path, args.requests))
    finally:
        revoke_api_key(settings, str(key.info.key_id))
    baseline = best["API daily (baseline)"]
    print(f"load average {os.getloadavg()[0]:.2f}; best of {args.runs} runs x {args.requests}")
    for name, seconds in best.items():
        print(f"{name:<28} {seconds * 1000:8.2f} ms/request  {seconds / baseline:6.1f}x baseline")


if __name__ == "__main__":
    main()
