"""Streaming output and the ``puntored generate`` command line."""

from __future__ import annotations

import json
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puntored.cli.app import app
from puntored.generator import FaultRates, StreamOptions, generate_stream
from puntored.settings import Settings
from tests.support.generator_files import VALIDATOR, parse_utc

runner = CliRunner()


def _stream_lines(events_dir: Path) -> list[str]:
    files = sorted(events_dir.iterdir())
    assert files and all(f.name.startswith("events-") for f in files), "temporary file left"
    return [line for f in files for line in f.read_text().splitlines()]


def test_stream_files_are_time_ordered_valid_events(tmp_path: Path) -> None:
    options = StreamOptions(seed=5, start=date(2026, 11, 3), days=1, events_per_day=25_000,
                            faults=FaultRates(duplicate=0.01))  # fmt: skip
    result = generate_stream(Settings(data_dir=tmp_path), options)
    lines = _stream_lines(result.events_dir)
    records = [json.loads(line, parse_float=Decimal) for line in lines]
    assert all(VALIDATOR.is_valid(r) for r in records)
    times = [parse_utc(r["event_at"]) for r in records]
    assert times == sorted(times)
    ids = [r["transaction_id"] for r in records]
    manifest = result.manifest
    assert len(lines) == manifest["lines_written"]
    assert len(set(ids)) == manifest["events"]["unique"]
    assert len(ids) - len(set(ids)) == manifest["injected"]["duplicates"] > 0
    assert manifest["files_written"] == len(list(result.events_dir.iterdir())) > 1


def test_realtime_replay_stamps_events_with_the_wall_clock(tmp_path: Path) -> None:
    options = StreamOptions(seed=5, rate=400, max_events=800)
    before = time.time()
    result = generate_stream(Settings(data_dir=tmp_path), options)
    records = [json.loads(line) for line in _stream_lines(result.events_dir)]
    assert result.manifest["events"]["unique"] == 800
    assert result.manifest["files_written"] == 2
    assert all(parse_utc(r["event_at"]).timestamp() >= before - 1 for r in records)
    again = generate_stream(
        Settings(data_dir=tmp_path), StreamOptions(seed=5, rate=400, max_events=10)
    )
    assert again.manifest["files_written"] == 1
    assert sorted(p.name for p in result.events_dir.iterdir())[-1] == "events-000002.jsonl"


def test_cli_writes_the_landing_zone_and_manifest(tmp_path: Path) -> None:
    args = ["generate", "--days", "1", "--start", "2026-11-03", "--events-per-day", "500",
            "--seed", "7", "--out", str(tmp_path)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "landing/_manifests/generate-seed7-20261103-1d.json")
                          .read_text())  # fmt: skip
    assert manifest["events"]["unique"] > 0
    assert "unique events" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "--days must be at least 1"),
        (["--start", "2026-02-30"], "--start must be a date"),
        (["--late-rate", "-0.1"], "--late-rate must be between 0 and 0.5"),
        (["--stream", "--rate", "-5", "--duration", "1"], "--rate must be greater than 0"),
        (["--rate", "5"], "need --stream"),
        (["--stream", "--rate", "5"], "--rate needs --duration or --events"),
    ],
)
def test_cli_rejects_bad_arguments_with_one_clear_line(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "landing").exists()
