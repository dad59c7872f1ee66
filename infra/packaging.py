"""Build the deployable zips under ``dist/``: ``python -m infra.packaging {glue,lambda,flink}``.

- ``glue``: ``--extra-py-files`` of the Glue job: the ``puntored`` package (its parts, symlinks
  followed) and ``seeds/``, the reference data the job validates against.
- ``lambda``: the stream processor: the ``puntored`` package plus its runtime dependencies,
  installed by ``pip install --target`` as manylinux x86_64 wheels for the Lambda's Python,
  at the versions pinned in ``pyproject.toml``.
- ``flink``: the Managed Flink app: the ``puntored`` package under ``python/`` (the ``python``
  entry and ``pyFiles``, a folder on PYTHONPATH) and the connector jar built by
  ``infra/flink-connectors/pom.xml`` (Maven; ``--allow-missing-jar`` where Maven is
  unreachable, as in CI: the zip is then for synthesis only).

Zips are reproducible: entries sorted, fixed timestamps, no ``__pycache__``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from infra import artifacts

FIXED_TIME = (2024, 1, 1, 0, 0, 0)
SKIPPED_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache"}
PARTS = ("api", "glue", "serving", "streaming")  # linked as puntored/<part> (TEAM.md layout)
# Distributions the processor imports at run time (names as in pyproject's dependencies).
PROCESSOR_DEPENDENCIES = (
    "pydantic",
    "pydantic-settings",
    "structlog",
    "sqlalchemy",
    "psycopg",
    "boto3",
    "tenacity",
    "httpx",  # alert webhooks (streaming/processor/delivery.py)
    "holidays",  # the volume baseline knows Colombian festivos
)


class PackagingError(RuntimeError):
    """A package cannot be built; the message says what is missing."""


def _files(root: Path, base: Path) -> Iterator[tuple[Path, str]]:
    """(file, name in the zip) under ``root``, following symlinked folders (the parts)."""
    for folder, folders, files in os.walk(root, followlinks=True):
        folders[:] = sorted(f for f in folders if f not in SKIPPED_PARTS)
        for name in sorted(files):
            path = Path(folder) / name
            if path.suffix != ".pyc":
                yield path, path.relative_to(base).as_posix()


def write_zip(target: Path, entries: Iterable[tuple[Path, str]]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for source, name in sorted(entries, key=lambda entry: entry[1]):
            if name in seen:
                continue
            seen.add(name)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())
    return target


def package_sources() -> list[tuple[Path, str]]:
    """The ``puntored`` package with every part (``puntored.glue``, ``puntored.streaming``...).

    A part not yet linked under ``puntored/`` ships as its top-level folder.
    """
    root = artifacts.PROJECT_ROOT
    entries = list(_files(root / "puntored", root))
    for part in PARTS:
        if not (root / "puntored" / part).exists():
            entries.extend(_files(root / part, root))
    return entries


def build_glue_library(target: Path = artifacts.GLUE_LIBRARY_ZIP) -> Path:
    root = artifacts.PROJECT_ROOT
    return write_zip(target, [*package_sources(), *_files(root / "seeds", root)])


def pinned_requirements(names: Iterable[str] = PROCESSOR_DEPENDENCIES) -> list[str]:
    """The pyproject pins of ``names`` (one source of versions), with their extras."""
    pyproject = tomllib.loads((artifacts.PROJECT_ROOT / "pyproject.toml").read_text())
    pins: dict[str, str] = {}
    for requirement in pyproject["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==(\S+)", requirement.strip())
        if match:
            pins[match.group(1).lower()] = (
                f"{match.group(1)}{match.group(2) or ''}=={match.group(3)}"
            )
    missing = [name for name in names if name.lower() not in pins]
    if missing:
        raise PackagingError(f"not pinned with == in pyproject.toml: {', '.join(missing)}")
    return [pins[name.lower()] for name in names]  # psycopg keeps its [binary] extra


def build_processor(target: Path = artifacts.PROCESSOR_ZIP) -> Path:
    with tempfile.TemporaryDirectory(prefix="puntored-lambda-") as folder:
        site = Path(folder)
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-compile",
            "--target", str(site),
            "--platform", "manylinux2014_x86_64",
            "--implementation", "cp",
            "--python-version", artifacts.PYTHON_VERSION,
            "--only-binary=:all:",
            *pinned_requirements(),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise PackagingError(f"pip install for the Lambda failed:\n{done.stderr[-3000:]}")
        dependencies = [
            (path, name) for path, name in _files(site, site) if not name.startswith("bin/")
        ]
        return write_zip(target, [*package_sources(), *dependencies])


def build_flink_app(target: Path = artifacts.FLINK_APP_ZIP, *, allow_missing_jar: bool) -> Path:
    """The package under ``python/`` (the ``python`` entry and ``pyFiles``) + the jar."""
    entries = [(path, f"{artifacts.FLINK_PY_FILES}/{name}") for path, name in package_sources()]
    jar = artifacts.FLINK_CONNECTORS_BUILT_JAR
    if jar.exists():
        entries.append((jar, artifacts.FLINK_CONNECTOR_JAR))
    elif not allow_missing_jar:
        raise PackagingError(
            f"{jar} is missing: build it with `mvn -f {artifacts.FLINK_CONNECTORS_POM} package` "
            "(docs/deploy.md), or pass --allow-missing-jar for a synthesis-only zip"
        )
    else:
        print(f"warning: {jar.name} not built (no Maven here): synthesis-only zip", file=sys.stderr)
    return write_zip(target, entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the deployable zips under dist/")
    parser.add_argument("artefact", choices=["glue", "lambda", "flink"])
    parser.add_argument("--allow-missing-jar", action="store_true", help="flink: no jar (CI)")
    args = parser.parse_args(argv)
    try:
        if args.artefact == "glue":
            built = build_glue_library()
        elif args.artefact == "lambda":
            built = build_processor()
        else:
            built = build_flink_app(allow_missing_jar=args.allow_missing_jar)
    except PackagingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{built.relative_to(artifacts.PROJECT_ROOT)}: {built.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
