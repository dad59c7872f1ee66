"""The batch-day runner: stages in order, the first failure stops the run and is named."""

from __future__ import annotations

import subprocess
import sys

import pytest

from puntored.pipeline import Stage, StageFailed, run_stages


def test_stages_run_in_order_and_report_their_summaries() -> None:
    ran: list[str] = []

    def stage(name: str) -> Stage:
        return Stage(name, lambda: ran.append(name) or f"{name} done")

    outcomes = run_stages([stage("land"), stage("transform"), stage("sync")])
    assert ran == ["land", "transform", "sync"]
    assert [o.summary for o in outcomes] == ["land done", "transform done", "sync done"]


def test_the_first_failure_stops_the_run_and_names_the_stage() -> None:
    ran: list[str] = []

    def broken() -> str:
        raise RuntimeError("lake unreachable")

    stages = [
        Stage("land", lambda: ran.append("land") or "ok"),
        Stage("transform", broken),
        Stage("sync", lambda: ran.append("sync") or "ok"),
    ]
    with pytest.raises(StageFailed, match="stage 'transform' failed: lake unreachable"):
        run_stages(stages)
    assert ran == ["land"]


def test_daily_refuses_a_bad_date_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "puntored", "daily", "--date", "2026-13-40"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --date must be a date YYYY-MM-DD, got '2026-13-40'"
