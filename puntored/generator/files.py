"""Writing files reproducibly and atomically (readers may be watching the folder)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from puntored.generator.clock import day_from_index


def gzip_bytes(lines: list[str], level: int) -> bytes:
    """Gzip of the lines; mtime 0 and no file name in the header, so bytes depend on data only."""
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=level, mtime=0)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a dot-prefixed temporary name, then rename: nobody sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def arrival_folder(hour_index: int | np.integer) -> str:
    """``arrival_date=YYYY-MM-DD/hour=HH`` of a Bogota hour index."""
    day = day_from_index(int(hour_index) // 24)
    return f"arrival_date={day.isoformat()}/hour={int(hour_index) % 24:02d}"
