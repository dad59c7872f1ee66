"""Locations: a local path or an ``s3://bucket/key`` URI, as one string type.

Every function here is pure string work (no I/O), so callers can build locations for either
backend without knowing which one they have.
"""

from __future__ import annotations

import os
from pathlib import Path

S3_SCHEME = "s3://"

Location = str | os.PathLike[str]


def is_s3(location: Location) -> bool:
    return str(location).startswith(S3_SCHEME)


def as_location(location: Location) -> str:
    """The canonical string form: ``s3://bucket/key`` unchanged (no trailing slash), local
    paths made absolute."""
    text = os.fspath(location)
    if is_s3(text):
        return text.rstrip("/") if text.count("/") > 2 else text
    return str(Path(text).expanduser().absolute())


def join(base: Location, *parts: str) -> str:
    """``base`` followed by ``parts`` with single slashes: works for S3 URIs and local paths.

    >>> join("s3://lake/raw/", "transactions", "dt=2026-01-05")
    's3://lake/raw/transactions/dt=2026-01-05'
    """
    text = os.fspath(base)
    if is_s3(text):
        pieces = [text.rstrip("/"), *(p.strip("/") for p in parts if p.strip("/"))]
        return "/".join(pieces)
    return str(Path(text).joinpath(*parts))


def relative_to(location: Location, base: Location) -> str:
    """The posix path of ``location`` under ``base`` (``ValueError`` when it is not under it)."""
    inner, outer = as_location(location), as_location(base)
    if is_s3(inner) != is_s3(outer):
        raise ValueError(f"{inner} is not under {outer}")
    if is_s3(inner):
        prefix = outer.rstrip("/") + "/"
        if not inner.startswith(prefix):
            raise ValueError(f"{inner} is not under {outer}")
        return inner[len(prefix) :]
    return Path(inner).relative_to(outer).as_posix()


def split_s3(location: Location) -> tuple[str, str]:
    """``s3://bucket/some/key`` → ``("bucket", "some/key")``."""
    text = os.fspath(location)
    if not is_s3(text):
        raise ValueError(f"not an s3:// URI: {text}")
    bucket, _, key = text[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {text}")
    return bucket, key


def name_of(location: Location) -> str:
    """The last component (file name) of a location."""
    return os.fspath(location).rstrip("/").rsplit("/", 1)[-1]
