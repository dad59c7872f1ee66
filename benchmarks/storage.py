"""The storage layer's overhead on a local data root, against plain Python in the same run.

What the pipeline does with small objects (bookmarks, manifests, status) and landing files:
write N files atomically, list them recursively, read them back. Baseline: the same work with
``open`` + ``os.replace``, ``os.walk`` + ``stat`` and ``open().read()``. Each figure is the
minimum of several runs; the load average is printed (this machine is shared).
Run: ``python benchmarks/storage.py [--files 500] [--size 4096] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from puntored.storage import Storage, join


def _plain(root: Path, names: list[str], data: bytes) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    listed = [
        (Path(folder) / file).stat().st_size
        for folder, _, files in os.walk(root)
        for file in files
        if not file.startswith(".")
    ]
    assert len(listed) == len(names)
    for name in names:
        assert (root / name).read_bytes() == data


def _storage(root: Path, names: list[str], data: bytes) -> None:
    storage = Storage()
    for name in names:
        storage.write_bytes(join(root, name), data)
    assert len(storage.list_files(root)) == len(names)
    for name in names:
        assert storage.read_bytes(join(root, name)) == data


def _best_of(
    works: list[Callable[[Path, list[str], bytes], None]], names: list[str], data: bytes, runs: int
) -> list[float]:
    """Minimum time of each work over ``runs`` rounds, the works interleaved in every round
    (so a load spike on this shared machine hits both alike)."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(runs):
        for index, work in enumerate(works):
            root = Path(tempfile.mkdtemp(prefix="bench-storage-"))
            started = time.perf_counter()
            work(root, names, data)
            times[index].append(time.perf_counter() - started)
            shutil.rmtree(root)
    return [min(each) for each in times]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    names = [f"arrival_date=2026-01-{d:02d}/hour={h:02d}/part-{i}.json" for d in range(1, 6)
             for h in range(24) for i in range(args.files // 120 + 1)][: args.files]  # fmt: skip
    data = os.urandom(args.size)
    baseline, layer = _best_of([_plain, _storage], names, data, args.runs)
    print(f"load average {os.getloadavg()[0]:.2f} (1 min), {args.runs} runs, min each")
    print(f"{len(names)} files x {args.size} B: write + list + read")
    print(f"  plain Python  {baseline * 1000:8.1f} ms  (baseline)")
    print(f"  Storage       {layer * 1000:8.1f} ms  {layer / baseline:5.2f}x the baseline")


if __name__ == "__main__":
    main()
