"""Landing file bytes that depend on the data only, and the folder each line lands in."""

from __future__ import annotations

import gzip

import numpy as np

from puntored.generator.clock import day_from_index


def gzip_bytes(lines: list[str], level: int) -> bytes:
    """Gzip of the lines; mtime 0 and no file name in the header, so bytes depend on data only."""
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=level, mtime=0)


def arrival_folder(hour_index: int | np.integer) -> str:
    """``arrival_date=YYYY-MM-DD/hour=HH`` of a Bogota hour index."""
    day = day_from_index(int(hour_index) // 24)
    return f"arrival_date={day.isoformat()}/hour={int(hour_index) % 24:02d}"
