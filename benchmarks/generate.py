"""Events per second of `puntored generate` file output, against baselines in the same run.

Baselines (same machine, same moment): gzip of the very same bytes at the same level, and
``json.dumps`` of the same rows (what a naive row-by-row generator would spend serialising).
Run: ``python benchmarks/generate.py [--events 1000000]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from puntored.generator import FaultRates, GenerateOptions, generate_landing
from puntored.settings import Settings

START = date(2026, 11, 2)
DAYS = 5


def _landing_lines(landing: Path) -> list[bytes]:
    lines: list[bytes] = []
    for path in sorted(landing.glob("transactions/*/*/part-00000.jsonl.gz")):
        lines += gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    return lines


def _parsed_rows(data: bytes) -> list[dict[str, object]]:
    rows = []
    for line in data.splitlines():
        try:
            rows.append(json.loads(line, parse_float=Decimal))
        except json.JSONDecodeError:  # an injected malformed_json line
            continue
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--gzip-level", type=int, default=1)
    args = parser.parse_args()
    options = GenerateOptions(
        start=START,
        days=DAYS,
        events_per_day=args.events // DAYS,
        seed=1,
        faults=FaultRates(truncated_files=0),
        gzip_level=args.gzip_level,
    )
    root = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    try:
        began = time.perf_counter()
        result = generate_landing(Settings(data_dir=root), options)
        generate_s = time.perf_counter() - began
        lines = result.manifest["lines_written"]

        data = b"".join(_landing_lines(root / "landing"))
        began = time.perf_counter()
        gzip.compress(data, compresslevel=args.gzip_level, mtime=0)
        gzip_s = time.perf_counter() - began

        rows = _parsed_rows(data)
        began = time.perf_counter()
        for row in rows:
            json.dumps(row, default=str)
        dumps_s = time.perf_counter() - began
    finally:
        shutil.rmtree(root)

    print(f"lines written          {lines:>12,}  ({len(data) / 1e6:,.0f} MB uncompressed)")
    print(f"generate (files)       {lines / generate_s:>12,.0f} events/s  {generate_s:6.2f} s")
    print(f"baseline gzip only     {lines / gzip_s:>12,.0f} events/s  {gzip_s:6.2f} s")
    print(f"baseline json.dumps    {lines / dumps_s:>12,.0f} events/s  {dumps_s:6.2f} s")
    print(f"generate vs gzip only  {generate_s / gzip_s:>12.2f}x the time of compressing alone")
    print(f"generate vs json.dumps {dumps_s / generate_s:>12.2f}x faster than json.dumps alone")


if __name__ == "__main__":
    main()
